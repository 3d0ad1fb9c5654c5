import Foundation

/// Reads a binary classification ``Dataset`` from a CSV file with a header row.
///
/// **Format.** A header line naming the columns, then one line per point; every cell a decimal number.
/// Tolerated: a UTF-8 byte-order mark, `\n`, `\r\n` or `\r` line endings, blank lines (skipped), spaces
/// or tabs around cells, and cells wrapped in double quotes (`"1.5"`; `""` inside quotes is a literal
/// quote, and commas inside quotes do not split). Line breaks inside quoted cells are not supported.
/// NaN and ±Inf cells are rejected: a margin computed from them is meaningless. Cells are read by
/// ``NumberText``'s strict decimal grammar (no NUL bytes, no hexadecimal floats), and a quote left
/// open at the end of a line is an error of its own.
///
/// **Label column.** `labelColumn` if given; otherwise the column named `y` if there is one; otherwise
/// the last column. All other columns are features, in file order.
///
/// **Labels.** Margins q_n = y_n f(x_n) need y_n ∈ {−1, +1} (THEORY §0). Labels that are all ±1 are
/// used as is (a single class is allowed, e.g. THEORY R3(a)'s single point). Otherwise the column must
/// hold exactly two distinct values, which are mapped smaller → −1 and larger → +1, and a note records
/// the mapping (e.g. "labels 0/1 mapped to -1/+1"). One non-±1 value, or three or more values, is an
/// error.
///
/// Errors are ``DatasetError``s naming the file, the 1-based line (header = line 1 when the file starts
/// with it) and the column. The whole file is read into memory; files over the size limit (default
/// ``maximumFileSize``, see ``ResourceLimits``) are refused before they are read.
public enum CSVDatasetLoader {
  /// 2 GiB: far beyond what a full-batch gradient-flow simulation can use, and a guard against loading a
  /// wrong file into memory.
  public static let maximumFileSize: UInt64 = 2 << 30

  /// Loads `path`. Returns the dataset and human-readable notes about choices made on the user's behalf
  /// (which column became the label, how labels were mapped, skipped blank lines, a single class).
  /// Files over `maximumBytes` are refused before they are read.
  public static func load(
    path: String, labelColumn: String? = nil, maximumBytes: UInt64 = maximumFileSize
  ) throws(DatasetError) -> (dataset: Dataset, notes: [String]) {
    try parse(bytes: readBytes(path: path, limit: maximumBytes), file: path, labelColumn: labelColumn)
  }

  /// Parses CSV bytes as if read from `file` (used in messages only).
  static func parse(
    bytes: [UInt8], file: String, labelColumn requestedLabel: String?
  ) throws(DatasetError) -> (dataset: Dataset, notes: [String]) {
    var notes: [String] = []
    var lines = LineCursor(bytes: bytes)

    // Header: the first non-blank line.
    var header: (number: Int, range: Range<Int>)?
    while let line = lines.next() {
      if !isBlank(bytes[line.range]) {
        header = line
        break
      }
    }
    guard let header else { throw .emptyFile(file: file) }
    guard let names = fields(bytes[header.range]) else {
      throw .unbalancedQuote(file: file, line: header.number)
    }
    if names.allSatisfy({ NumberText.parse($0) != .invalid }) {
      throw .missingHeader(file: file, line: header.number, text: String(decoding: bytes[header.range], as: UTF8.self))
    }
    var firstColumn: [String: Int] = [:]
    for (index, name) in names.enumerated() {
      guard !name.isEmpty else { throw .emptyColumnName(file: file, line: header.number, column: index + 1) }
      if firstColumn[name] != nil {
        let columns = names.indices.filter { names[$0] == name }.map { $0 + 1 }
        throw .duplicateColumnName(file: file, line: header.number, name: name, columns: columns)
      }
      firstColumn[name] = index
    }

    // Label column.
    let labelIndex: Int
    if let requestedLabel {
      guard let index = firstColumn[requestedLabel] else {
        throw .missingLabelColumn(file: file, name: requestedLabel, available: names)
      }
      labelIndex = index
    } else if let index = firstColumn["y"] {
      labelIndex = index
    } else {
      labelIndex = names.count - 1
      notes.append("no column named 'y'; using the last column '\(Fragment.escaped(names[labelIndex]))' as the label")
    }
    guard names.count > 1 else { throw .noFeatureColumns(file: file, labelColumn: names[labelIndex]) }
    let labelName = names[labelIndex]
    let featureNames = names.indices.filter { $0 != labelIndex }.map { names[$0] }

    // Rows.
    var inputs: [Double] = []
    var rawLabels: [Double] = []
    var pendingBlankLines = 0
    var skippedBlankLines = 0
    while let line = lines.next() {
      let text = bytes[line.range]
      if isBlank(text) {
        pendingBlankLines += 1
        continue
      }
      skippedBlankLines += pendingBlankLines  // blank lines followed by data; trailing ones are not noted
      pendingBlankLines = 0
      guard let cells = fields(text) else { throw .unbalancedQuote(file: file, line: line.number) }
      guard cells.count == names.count else {
        throw .wrongFieldCount(file: file, line: line.number, expected: names.count, found: cells.count)
      }
      for (index, cell) in cells.enumerated() {
        let value: Double
        switch NumberText.parse(cell) {
        case .finite(let number): value = number
        case .nonFinite:
          throw .nonFinite(file: file, line: line.number, column: names[index], index: index + 1, text: cell)
        case .invalid:
          throw .notANumber(file: file, line: line.number, column: names[index], index: index + 1, text: cell)
        }
        if index == labelIndex {
          rawLabels.append(value)
        } else {
          inputs.append(value)
        }
      }
    }
    guard !rawLabels.isEmpty else { throw .headerOnly(file: file) }
    if skippedBlankLines > 0 {
      notes.append("skipped \(skippedBlankLines) blank line\(skippedBlankLines == 1 ? "" : "s") between rows")
    }

    let labels = try binaryLabels(rawLabels, file: file, column: labelName, notes: &notes)
    return (try Dataset(checking: featureNames, inputs: inputs, labels: labels), notes)
  }

  /// Maps raw label values to ±1 as described on the type, appending a note when it changes anything.
  static func binaryLabels(
    _ raw: [Double], file: String, column: String, notes: inout [String]
  ) throws(DatasetError) -> [Double] {
    let distinct = Set(raw).sorted()
    if distinct.allSatisfy({ $0 == 1 || $0 == -1 }) {
      if distinct.count == 1 {
        notes.append("all labels are \(distinct[0] > 0 ? "+1" : "-1"): the data have a single class")
      }
      return raw.map { $0 > 0 ? 1 : -1 }  // normalizes nothing but the sign of zero; values are ±1
    }
    switch distinct.count {
    case 1:
      throw .allLabelsSame(file: file, column: column, value: distinct[0])
    case 2:
      let (low, high) = (distinct[0], distinct[1])
      notes.append(
        "labels \(DatasetError.numberText(low))/\(DatasetError.numberText(high)) mapped to -1/+1")
      return raw.map { $0 == high ? 1 : -1 }
    default:
      throw .tooManyLabelValues(file: file, column: column, distinct: distinct)
    }
  }

  /// Reads the whole file, refusing directories and files over `limit` (see ``InputFile``).
  static func readBytes(path: String, limit: UInt64 = maximumFileSize) throws(DatasetError) -> [UInt8] {
    do throws(InputFile.Failure) {
      return try InputFile.read(path, limit: limit)
    } catch {
      switch error {
      case .unreadable(let reason): throw .unreadable(file: path, reason: reason)
      case .tooLarge(let bytes, let limit): throw .fileTooLarge(file: path, bytes: bytes, limit: limit)
      }
    }
  }

  /// True when the line holds only spaces and tabs.
  private static func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
    line.allSatisfy { $0 == space || $0 == tab }
  }

  /// Splits one line on commas outside double quotes; each field is trimmed of spaces/tabs and, if it
  /// is wrapped in double quotes, unwrapped (with `""` turned into `"`) and trimmed again. Nil when a
  /// double quote is left open at the end of the line.
  private static func fields(_ line: ArraySlice<UInt8>) -> [String]? {
    var result: [String] = []
    var start = line.startIndex
    var inQuotes = false
    for index in line.indices {
      let byte = line[index]
      if byte == quote {
        inQuotes.toggle()
      } else if byte == comma && !inQuotes {
        result.append(field(line[start..<index]))
        start = index + 1
      }
    }
    guard !inQuotes else { return nil }
    result.append(field(line[start..<line.endIndex]))
    return result
  }

  private static func field(_ raw: ArraySlice<UInt8>) -> String {
    let trimmed = trim(raw)
    if trimmed.count >= 2, trimmed.first == quote, trimmed.last == quote {
      let inner = trim(trimmed.dropFirst().dropLast())
      return String(decoding: inner, as: UTF8.self).replacingOccurrences(of: "\"\"", with: "\"")
    }
    return String(decoding: trimmed, as: UTF8.self)
  }

  private static func trim(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    var slice = bytes
    while let first = slice.first, first == space || first == tab { slice.removeFirst() }
    while let last = slice.last, last == space || last == tab { slice.removeLast() }
    return slice
  }

  private static let space = UInt8(ascii: " ")
  private static let tab = UInt8(ascii: "\t")
  private static let comma = UInt8(ascii: ",")
  private static let quote = UInt8(ascii: "\"")

  /// Iterates over the lines of a byte buffer with 1-based line numbers. Terminators `\n`, `\r\n` and a
  /// lone `\r` are recognized and excluded from the ranges; a leading UTF-8 byte-order mark is skipped.
  struct LineCursor {
    let bytes: [UInt8]
    private var position: Int
    private var number = 0

    init(bytes: [UInt8]) {
      self.bytes = bytes
      position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    mutating func next() -> (number: Int, range: Range<Int>)? {
      guard position < bytes.count else { return nil }
      let start = position
      var end = start
      while end < bytes.count && bytes[end] != 0x0A && bytes[end] != 0x0D { end += 1 }
      position = end
      if position < bytes.count {
        if bytes[position] == 0x0D && position + 1 < bytes.count && bytes[position + 1] == 0x0A {
          position += 2
        } else {
          position += 1
        }
      }
      number += 1
      return (number, start..<end)
    }
  }
}
