import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// An exclusive claim on an output directory, held by one run for as long as it is alive.
///
/// The claim is the lock file `DIR/.gradflow.lock`, opened (created if missing) and locked with
/// `flock(LOCK_EX | LOCK_NB)`: the kernel grants it to one open file at a time, so of two runs (two
/// processes, or two ``OutputDirectory`` values in one process) started into the same directory at the
/// same moment exactly one gets it, and the other is refused before it writes anything. The kernel
/// drops the lock when its holder exits, however it exits (SIGKILL included), so a crashed run never
/// leaves a stale claim behind, and the lock file itself is never removed (removing it would let a
/// second run lock a new file while the first still holds the old one). On NFS, Linux maps `flock` to
/// the server's byte-range locks, so the claim holds across the nodes of a cluster too. The file holds
/// the holder's host and process id, for the message the loser prints.
public final class DirectoryClaim: Sendable {
  /// The lock file's name inside a claimed directory; it does not count as content.
  public static let fileName = ".gradflow.lock"
  /// The claimed directory (absolute).
  public let directory: String
  private let descriptor: Int32

  /// Claims `directory`, which must exist. Throws ``OutputError/directoryClaimed(path:holder:)`` when
  /// another live run holds it, ``OutputError/cannotWrite(path:reason:)`` when the lock file cannot be made.
  public init(directory: String) throws(OutputError) {
    let path = (directory as NSString).appendingPathComponent(Self.fileName)
    let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      let busy = errno == EWOULDBLOCK
      let reason = String(cString: strerror(errno))
      var buffer = [UInt8](repeating: 0, count: 256)
      let count = read(descriptor, &buffer, buffer.count)
      close(descriptor)
      guard busy else { throw .cannotWrite(path: path, reason: "cannot lock it: \(reason)") }
      let holder = String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
      throw .directoryClaimed(path: directory, holder: holder.isEmpty ? "another run" : holder)
    }
    var host = [CChar](repeating: 0, count: 256)
    gethostname(&host, host.count - 1)
    let name = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let owner = "host \(name), pid \(getpid())\n"
    _ = ftruncate(descriptor, 0)
    _ = owner.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    self.directory = directory
    self.descriptor = descriptor
  }

  /// Releases the claim (closing the descriptor drops the lock).
  deinit { close(descriptor) }
}
