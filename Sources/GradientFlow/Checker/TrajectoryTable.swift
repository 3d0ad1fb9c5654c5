import Foundation

/// A run's `trajectory.csv` read back by column name (header row, one row per saved time, numbers in
/// shortest round-trip form, `inf`/`-inf`/`nan` for non-finite values, empty cells read as NaN).
///
/// Columns are looked up by name, so tables with extra columns (other dynamics, new observables) read
/// the same; a missing column is nil and the diagnostics that need it report "n/a".
public struct TrajectoryTable: Sendable {
  /// Column names in file order.
  public let columns: [String]
  /// The rows, each with one value per column.
  public let rows: [[Double]]

  public init(columns: [String], rows: [[Double]]) {
    self.columns = columns
    self.rows = rows
  }

  /// The values of a column, or nil when the table lacks it.
  public func column(_ name: String) -> [Double]? {
    guard let index = columns.firstIndex(of: name) else { return nil }
    return rows.map { index < $0.count ? $0[index] : .nan }
  }

  /// Reads a CSV written by ``CSVWriter``.
  public static func load(path: String) throws(CheckError) -> TrajectoryTable {
    let text: String
    do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
      throw .data("cannot read '\(path)': \(error.localizedDescription)")
    }
    var lines = text.split(whereSeparator: \.isNewline).makeIterator()
    guard let header = lines.next() else { throw .data("'\(path)' is empty; expected a header row") }
    let columns = header.split(separator: ",", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    var rows: [[Double]] = []
    var number = 1
    while let line = lines.next() {
      number += 1
      let cells = line.split(separator: ",", omittingEmptySubsequences: false)
      var row: [Double] = []
      row.reserveCapacity(cells.count)
      for cell in cells {
        let trimmed = cell.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
          row.append(.nan)  // an empty cell (e.g. t past 1e308 in the log-t clock) reads as NaN, as in pandas
          continue
        }
        guard let value = Double(trimmed) else {
          throw .data("'\(path)', line \(number): '\(cell)' is not a number")
        }
        row.append(value)
      }
      guard row.count == columns.count else {
        throw .data("'\(path)', line \(number): \(row.count) cells for \(columns.count) columns")
      }
      rows.append(row)
    }
    return TrajectoryTable(columns: columns, rows: rows)
  }
}
