/// Strict reading of a decimal number from the text of one cell, and the short, escaped quotation of a
/// bad cell that error messages show.
///
/// **Grammar.** `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`, ASCII only, nothing before
/// or after. Swift's `Double(String)` alone would accept more: it reads C strings, so a NUL byte ends the
/// text (`"5\0abc"` would read as 5), and it accepts hexadecimal floats (`0x1p3` = 8). NaN and infinity
/// spellings (`nan`, `inf`, `infinity`, any case, signed) and decimals that overflow a Double (`1e999`)
/// are recognized as numbers that are not finite, so a message can say so.
enum NumberText {
  /// What one cell holds.
  enum Parsed: Equatable {
    /// A finite number.
    case finite(Double)
    /// A NaN or infinity spelling, or a decimal beyond the largest Double.
    case nonFinite
    /// Not a number.
    case invalid
  }

  /// Parses `text` by the grammar on the type.
  static func parse(_ text: String) -> Parsed {
    parse(bytes: Array(text.utf8))
  }

  /// Parses UTF-8 `bytes` by the grammar on the type.
  static func parse<Bytes: Collection<UInt8>>(bytes: Bytes) -> Parsed {
    guard isDecimal(bytes) else {
      return isNonFiniteSpelling(bytes) ? .nonFinite : .invalid
    }
    guard let value = Double(String(decoding: bytes, as: UTF8.self)) else { return .invalid }
    return value.isFinite ? .finite(value) : .nonFinite
  }

  /// Whether `bytes` follows the decimal grammar on the type.
  static func isDecimal<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
    var index = bytes.startIndex
    func peek() -> UInt8? { index < bytes.endIndex ? bytes[index] : nil }
    func digits() -> Int {
      var count = 0
      while let byte = peek(), byte >= 0x30, byte <= 0x39 {
        count += 1
        index = bytes.index(after: index)
      }
      return count
    }
    if let byte = peek(), byte == plus || byte == minus { index = bytes.index(after: index) }
    var mantissa = digits()
    if peek() == dot {
      index = bytes.index(after: index)
      mantissa += digits()
    }
    guard mantissa > 0 else { return false }
    if let byte = peek(), byte == lowerE || byte == upperE {
      index = bytes.index(after: index)
      if let byte = peek(), byte == plus || byte == minus { index = bytes.index(after: index) }
      guard digits() > 0 else { return false }
    }
    return index == bytes.endIndex
  }

  /// `nan`, `inf`, `infinity` in any case, with an optional sign.
  private static func isNonFiniteSpelling<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
    var word = bytes[...]
    if let first = word.first, first == plus || first == minus { word = word.dropFirst() }
    guard word.count <= 8, word.allSatisfy({ $0 < 0x80 }) else { return false }
    let lower = String(decoding: word, as: UTF8.self).lowercased()
    return lower == "nan" || lower == "inf" || lower == "infinity"
  }

  private static let plus = UInt8(ascii: "+")
  private static let minus = UInt8(ascii: "-")
  private static let dot = UInt8(ascii: ".")
  private static let lowerE = UInt8(ascii: "e")
  private static let upperE = UInt8(ascii: "E")
}
