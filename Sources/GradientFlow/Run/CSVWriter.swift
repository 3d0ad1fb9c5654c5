import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes a CSV file row by row, handing each row to the operating system before returning, so an
/// interrupted or killed run leaves every row written so far on disk as valid CSV (a header, complete
/// rows, no comment lines). Numbers are written with Swift's shortest round-trip representation (exact
/// float64 round trip), and non-finite values as `inf`, `-inf`, `nan`, which pandas reads as floats.
///
/// A failed write (disk full, a file-size limit, an I/O error) throws ``OutputError/cannotWrite(path:reason:)``
/// with the path and the system's reason, and cuts the file back to its last complete row, so that a
/// partly written row never follows the valid ones; the writer refuses further writes. Rows go out with
/// `write(2)` rather than through a `FILE*` buffer, which could otherwise flush a failed row's bytes
/// later. Each row is one system call, the cost of `fflush` per row; no `fsync` (a crash of the process
/// loses nothing, a crash of the machine may lose the last rows).
public final class CSVWriter {
  public let path: String
  /// Columns whose infinite values are written as empty cells (e.g. `t` past log t ≈ 709.78,
  /// where only `log_t` carries the time).
  public var emptyWhenInfinite: Set<Int> = []
  private let descriptor: Int32
  /// The size of the file after the last complete row.
  private var committed: off_t = 0
  /// The error that stopped the writer, if any.
  private var failure: OutputError?
  private var line = ""

  /// Creates (truncates) `path` and writes the header. A symbolic link at `path` is refused
  /// (`O_NOFOLLOW`), never written through.
  public init(path: String, header: [String]) throws(OutputError) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw .cannotCreate(
        path: path,
        reason: errno == ELOOP
          ? "it is a symbolic link, which gradflow does not write through; remove it" : String(cString: strerror(errno))
      )
    }
    self.path = path
    self.descriptor = descriptor
    line.reserveCapacity(4096)
    try write(block: header.joined(separator: ",") + "\n")
  }

  deinit { close(descriptor) }

  /// Appends one row of numbers.
  public func write(_ values: UnsafeBufferPointer<Double>) throws(OutputError) {
    line.removeAll(keepingCapacity: true)
    for (i, value) in values.enumerated() {
      if i > 0 { line += "," }
      if value.isInfinite, emptyWhenInfinite.contains(i) { continue }
      line += format(value)
    }
    line += "\n"
    try write(block: line)
  }

  /// Appends one row of already formatted cells.
  public func write(cells: [String]) throws(OutputError) {
    try write(block: cells.joined(separator: ",") + "\n")
  }

  /// Appends complete lines (each ending in a newline) as one unit: all of them, or none.
  public func write(block: String) throws(OutputError) {
    if let failure { throw failure }
    var text = block
    let written: Int = text.withUTF8 { bytes in
      var offset = 0
      while offset < bytes.count {
        let result = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if result < 0 {
          if errno == EINTR { continue }
          return -1
        }
        offset += result
      }
      return offset
    }
    guard written >= 0 else {
      let error = OutputError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
      failure = error
      // Drop a partial row; on files that cannot be truncated (/dev/full, pipes) this fails harmlessly.
      _ = ftruncate(descriptor, committed)
      _ = lseek(descriptor, committed, SEEK_SET)
      throw error
    }
    committed += off_t(written)
  }
}

/// `write(2)`; a file-scope name, since inside ``CSVWriter`` `write` means its methods.
func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
  write(descriptor, buffer, count)
}

/// A number as it goes into CSV and JSON text.
func format(_ value: Double) -> String {
  if value.isNaN { return "nan" }
  if value.isInfinite { return value > 0 ? "inf" : "-inf" }
  return "\(value)"
}

/// Output that could not be written.
public enum OutputError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Writing failed after the file was opened (disk full, file-size limit, I/O error, a closed pipe).
  case cannotWrite(path: String, reason: String)
  /// The file could not be created or opened for writing.
  case cannotCreate(path: String, reason: String)
  case directoryNotEmpty(path: String)
  /// Another live run holds the directory's ``DirectoryClaim``.
  case directoryClaimed(path: String, holder: String)

  /// The system's reason of a write failure.
  var reason: String? {
    if case .cannotWrite(_, let reason) = self { return reason }
    if case .cannotCreate(_, let reason) = self { return reason }
    return nil
  }

  public var description: String {
    switch self {
    case .cannotWrite(let path, let reason): "cannot write '\(path)': \(reason)"
    case .cannotCreate(let path, let reason): "cannot create '\(path)': \(reason)"
    case .directoryNotEmpty(let path):
      "the output directory '\(path)' already holds a run; choose another --out or pass --force to overwrite"
    case .directoryClaimed(let path, let holder):
      "the output directory '\(path)' is in use by a run still going (\(holder)); choose another --out or wait for it to end"
    }
  }
}
