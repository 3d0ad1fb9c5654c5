import Foundation

/// Writes a CSV file row by row and flushes after every row, so an interrupted run leaves every
/// row written so far on disk as valid CSV (a header, complete rows, no comment lines). Numbers
/// are written with Swift's shortest round-trip representation (exact float64 round trip), and
/// non-finite values as `inf`, `-inf`, `nan`, which pandas reads as floats.
public final class CSVWriter {
  public let path: String
  private let file: UnsafeMutablePointer<FILE>
  private var line = ""

  /// Creates (truncates) `path` and writes the header.
  public init(path: String, header: [String]) throws(OutputError) {
    guard let file = fopen(path, "w") else {
      throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
    }
    self.path = path
    self.file = file
    line.reserveCapacity(4096)
    try write(line: header.joined(separator: ","))
  }

  deinit { fclose(file) }

  /// Appends one row of numbers and flushes.
  public func write(_ values: UnsafeBufferPointer<Double>) throws(OutputError) {
    line.removeAll(keepingCapacity: true)
    for (i, value) in values.enumerated() {
      if i > 0 { line += "," }
      line += format(value)
    }
    try write(line: line)
  }

  /// Appends one row of already formatted cells and flushes.
  public func write(cells: [String]) throws(OutputError) {
    try write(line: cells.joined(separator: ","))
  }

  /// Appends complete lines (each ending in a newline) and flushes.
  public func write(block: String) throws(OutputError) {
    let status = block.withCString { fputs($0, file) }
    if status < 0 || fflush(file) != 0 {
      throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
    }
  }

  private func write(line: String) throws(OutputError) {
    let status = (line + "\n").withCString { fputs($0, file) }
    if status < 0 || fflush(file) != 0 {
      throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
    }
  }
}

/// A number as it goes into CSV and JSON text.
func format(_ value: Double) -> String {
  if value.isNaN { return "nan" }
  if value.isInfinite { return value > 0 ? "inf" : "-inf" }
  return "\(value)"
}

/// Output that could not be written.
public enum OutputError: Error, Sendable, Equatable, CustomStringConvertible {
  case cannotWrite(path: String, reason: String)
  case directoryNotEmpty(path: String)

  public var description: String {
    switch self {
    case .cannotWrite(let path, let reason): "cannot write '\(path)': \(reason)"
    case .directoryNotEmpty(let path):
      "the output directory '\(path)' already holds a run; choose another --out or pass --force to overwrite"
    }
  }
}
