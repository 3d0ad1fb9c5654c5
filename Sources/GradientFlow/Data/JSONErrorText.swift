import Foundation

/// The reason a JSON input file failed to parse, said with a line and column: Foundation's parser
/// reports a byte offset ("Invalid value around character 14."), which this turns into
/// "invalid value at line 2, column 5" (1-based; the column counts bytes). The result is escaped and
/// short (``Fragment``), since the parser's text can quote the input.
enum JSONErrorText {
  static func describe(_ error: any Error, in data: Data) -> String {
    let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
    var text = detail.hasSuffix(".") ? String(detail.dropLast()) : detail
    if let range = text.range(of: #"around (line \d+, column \d+|character \d+)"#, options: .regularExpression) {
      let digits = text[range].split(whereSeparator: { !$0.isNumber })
      if text[range].contains("character"), let offset = digits.first.flatMap({ Int($0) }) {
        let (line, column) = position(of: offset, in: data)
        text.replaceSubrange(range, with: "at line \(line), column \(column)")
      } else {
        text.replaceSubrange(range, with: "at " + text[range].dropFirst("around ".count))
      }
    }
    if let range = text.range(of: #"Number \S+ is not representable"#, options: .regularExpression) {
      let number = text[range].split(separator: " ")[1]
      if let at = data.firstRange(of: Data(number.utf8)) {
        let (line, column) = position(of: at.lowerBound - data.startIndex, in: data)
        text = "number \(number) at line \(line), column \(column) is beyond the largest double (not finite)"
      }
    }
    if text.lowercased().contains("end of file") {
      let (line, column) = position(of: data.count, in: data)
      text += " (the text ends at line \(line), column \(column))"
    }
    if let first = text.first { text = first.lowercased() + text.dropFirst() }
    return Fragment.escaped(text, limit: 120)
  }

  /// The 1-based line and column (in bytes) of byte `offset`.
  static func position(of offset: Int, in data: Data) -> (line: Int, column: Int) {
    var line = 1
    var column = 1
    for byte in data.prefix(max(0, offset)) {
      if byte == 0x0A {
        line += 1
        column = 1
      } else {
        column += 1
      }
    }
    return (line, column)
  }
}
