/// A short, escaped quotation of text taken from an input file, for error messages: at most
/// `limit` characters (then `…`), with control characters, NUL bytes and the bytes of invalid UTF-8
/// (decoded as U+FFFD) written as escapes, so a message never carries a long or unprintable excerpt of
/// a file (a binary or a system file given by mistake).
enum Fragment {
  /// The default number of characters quoted.
  static let defaultLimit = 32

  /// `text` escaped and cut to `limit` characters, without surrounding quotes.
  static func escaped(_ text: String, limit: Int = defaultLimit) -> String {
    var result = ""
    var count = 0
    for scalar in text.unicodeScalars {
      if count == limit {
        result += "…"
        break
      }
      count += 1
      switch scalar {
      case "\0": result += "\\0"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\u{FFFD}": result += "\\u{FFFD}"
      default:
        if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
          || scalar.properties.generalCategory == .format
        {
          result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        } else {
          result.unicodeScalars.append(scalar)
        }
      }
    }
    return result
  }

  /// `text` escaped, cut and wrapped in double quotes.
  static func quoted(_ text: String, limit: Int = defaultLimit) -> String {
    "\"" + escaped(text, limit: limit) + "\""
  }
}
