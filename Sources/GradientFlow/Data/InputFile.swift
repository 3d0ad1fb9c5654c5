import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads a whole input file (a dataset, a config, initial weights) into memory, refusing what cannot
/// be read with a reason a user can act on: "No such file or directory", "Permission denied", "it is a
/// directory, not a file", or a size over `limit` — checked before anything is allocated for regular
/// files, and while reading for pipes and devices (whose size is unknown up front). Reads go straight
/// into one byte array, so peak memory is the file's size, not twice it.
enum InputFile {
  /// Why a file could not be read.
  enum Failure: Error, Equatable {
    /// The system's reason, or "it is a directory, not a file".
    case unreadable(reason: String)
    /// The file holds `bytes` bytes (at least, for a stream), more than `limit`.
    case tooLarge(bytes: UInt64, limit: UInt64)
  }

  /// The file's bytes.
  static func read(_ path: String, limit: UInt64) throws(Failure) -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { throw .unreadable(reason: systemReason()) }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw .unreadable(reason: systemReason()) }
    let type = info.st_mode & S_IFMT
    guard type != S_IFDIR else { throw .unreadable(reason: "it is a directory, not a file") }
    let size = UInt64(max(0, info.st_size))
    if type == S_IFREG, size > limit { throw .tooLarge(bytes: size, limit: limit) }

    // A regular file is read into a buffer of its size (one byte more detects growth); a stream
    // grows its buffer in 1 MiB steps up to the limit.
    var bytes: [UInt8] = []
    var capacity = type == S_IFREG ? Int(size) + 1 : 1 << 20
    var count = 0
    while true {
      if count == capacity { capacity = count + (1 << 20) }
      if bytes.count < capacity {
        bytes.append(contentsOf: repeatElement(0, count: capacity - bytes.count))
      }
      let got = bytes.withUnsafeMutableBytes { buffer in
        systemRead(descriptor, buffer.baseAddress! + count, capacity - count)
      }
      if got < 0 {
        if errno == EINTR { continue }
        throw .unreadable(reason: systemReason())
      }
      if got == 0 { break }
      count += got
      if UInt64(count) > limit { throw .tooLarge(bytes: UInt64(count), limit: limit) }
    }
    bytes.removeLast(bytes.count - count)
    return bytes
  }

  /// `strerror(errno)`, e.g. "No such file or directory".
  static func systemReason() -> String { String(cString: strerror(errno)) }
}

/// `read(2)`; a file-scope name, since inside ``InputFile`` `read` means ``InputFile/read(_:limit:)``.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
  read(descriptor, buffer, count)
}
