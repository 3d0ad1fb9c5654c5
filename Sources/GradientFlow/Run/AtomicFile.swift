import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes a whole file so that it is either complete or absent: the bytes go to `.NAME.partial` beside
/// it, created afresh (`O_CREAT | O_EXCL | O_NOFOLLOW`: a file or symbolic link planted under that name
/// is removed first, never written through), then `rename(2)` puts it in place, replacing the old file
/// or a symbolic link at the target — never the file a link points to. Every `write(2)` and the
/// `close(2)` are checked, so a full disk (ENOSPC), a file-size limit (EFBIG, with SIGXFSZ ignored) or an
/// I/O error is reported with the path and the system's reason, and the partial file is removed.
///
/// A target that exists and is neither a regular file nor a symbolic link (a device such as
/// /dev/full or /dev/null, a named pipe) cannot be replaced: the bytes are written to it directly,
/// with the same checks (a named pipe without a reader is refused, not waited for).
public enum AtomicFile {
  public static func write(_ bytes: some Collection<UInt8>, to path: String) throws(OutputError) {
    var info = stat()
    if lstat(path, &info) == 0 {
      let type = info.st_mode & S_IFMT
      if type == S_IFDIR { throw .cannotCreate(path: path, reason: "it is a directory") }
      if type != S_IFREG && type != S_IFLNK {
        try writeDirectly(bytes, to: path)
        return
      }
    }
    let directory = (path as NSString).deletingLastPathComponent
    let name = (path as NSString).lastPathComponent
    let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).partial"
    _ = unlink(temporary)  // a leftover of a killed writer, or something planted: never written through
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw .cannotCreate(path: path, reason: systemReason()) }
    do throws(OutputError) {
      try writeAll(bytes, to: descriptor, path: path)
    } catch {
      _ = unlink(temporary)
      throw error
    }
    guard rename(temporary, path) == 0 else {
      let reason = systemReason()
      _ = unlink(temporary)
      throw .cannotWrite(path: path, reason: reason)
    }
  }

  /// Writes to an existing device or named pipe (no temporary file can replace it).
  private static func writeDirectly(_ bytes: some Collection<UInt8>, to path: String) throws(OutputError) {
    let descriptor = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw .cannotCreate(path: path, reason: errno == ENXIO ? "it is a named pipe that nothing reads" : systemReason())
    }
    let flags = fcntl(descriptor, F_GETFL)
    if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) }
    try writeAll(bytes, to: descriptor, path: path)
  }

  /// Writes every byte and closes `descriptor`; throws with the system's reason on the first failure.
  static func writeAll(_ bytes: some Collection<UInt8>, to descriptor: Int32, path: String) throws(OutputError) {
    let contiguous = Array(bytes)
    var failure: String?
    contiguous.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let result = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if result < 0 {
          if errno == EINTR { continue }
          failure = systemReason()
          return
        }
        offset += result
      }
    }
    if close(descriptor) != 0, failure == nil { failure = systemReason() }
    if let failure { throw .cannotWrite(path: path, reason: failure) }
  }

  static func systemReason() -> String { String(cString: strerror(errno)) }
}
