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
/// directory, not a file", "it is a named pipe (FIFO), not a regular file", or a size over `limit`.
///
/// Only regular files are read. The file is opened with `O_NONBLOCK`, so a named pipe without a writer
/// never blocks `open(2)`, and anything but a regular file (a FIFO, a device such as /dev/zero, a
/// socket) is refused before a byte is read: their size is unknown up front, and reading them could
/// block or grow without end. A regular file's size is checked against `limit` before anything is
/// allocated; one that grows while it is read is refused as soon as it passes the limit. Reads go
/// straight into one byte array, so peak memory is the file's size (at most `limit` + 1 MiB), not twice it.
enum InputFile {
  /// Why a file could not be read.
  enum Failure: Error, Equatable {
    /// The system's reason, or what kind of file it is ("it is a directory, not a file").
    case unreadable(reason: String)
    /// The file holds `bytes` bytes (at least, if it grew while being read), more than `limit`.
    case tooLarge(bytes: UInt64, limit: UInt64)
  }

  /// The file's bytes.
  static func read(_ path: String, limit: UInt64) throws(Failure) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else { throw .unreadable(reason: systemReason()) }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw .unreadable(reason: systemReason()) }
    let type = info.st_mode & S_IFMT
    guard type == S_IFREG else { throw .unreadable(reason: kindReason(type)) }
    let size = UInt64(max(0, info.st_size))
    if size > limit { throw .tooLarge(bytes: size, limit: limit) }

    // A buffer of the file's size, one byte more to detect growth; growth beyond it in 1 MiB steps.
    var bytes: [UInt8] = []
    var capacity = Int(size) + 1
    var count = 0
    while true {
      if count == capacity { capacity = count + (1 << 20) }
      if bytes.count < capacity {
        bytes.append(contentsOf: repeatElement(0, count: capacity - bytes.count))
      }
      let got = bytes.withUnsafeMutableBytes { buffer in
        systemRead(descriptor, buffer.baseAddress! + count, min(capacity - count, 1 << 26))
      }
      if got < 0 {
        if errno == EINTR || errno == EAGAIN { continue }
        throw .unreadable(reason: systemReason())
      }
      if got == 0 { break }
      count += got
      if UInt64(count) > limit { throw .tooLarge(bytes: UInt64(count), limit: limit) }
    }
    bytes.removeLast(bytes.count - count)
    return bytes
  }

  /// Why a file of type `type` (`st_mode & S_IFMT`, not a regular file) is not read.
  static func kindReason(_ type: mode_t) -> String {
    let kind: String
    switch type {
    case S_IFDIR: return "it is a directory, not a file"
    case S_IFIFO: kind = "a named pipe (FIFO)"
    case S_IFCHR: kind = "a character device"
    case S_IFBLK: kind = "a block device"
    case S_IFSOCK: kind = "a socket"
    default: kind = "not a regular file"
    }
    return "it is \(kind), not a regular file; save its contents to a file and give that file"
  }

  /// `strerror(errno)`, e.g. "No such file or directory".
  static func systemReason() -> String { String(cString: strerror(errno)) }
}

/// `read(2)`; a file-scope name, since inside ``InputFile`` `read` means ``InputFile/read(_:limit:)``.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
  read(descriptor, buffer, count)
}
