import Foundation

/// One task of a ``SweepGrid``: its number, its swept values and the directory name made from them.
public struct SweepTask {
  public let id: Int
  /// (key, value) for every swept key, in axis order.
  public let parameters: [(key: String, value: Any)]
  let grid: SweepGrid

  /// The directory name: `key-value` per swept key, joined with `_`, e.g. `seed-3_widths-8x8`. Values
  /// are their JSON text with lists joined by `x` and characters outside `[A-Za-z0-9.+-]` replaced by
  /// `-`; a name longer than 200 bytes is cut and given its task number. ``SweepDirectory`` refuses a
  /// grid in which two tasks share a name.
  public var directoryName: String {
    let name = parameters.map { "\($0.key)-\(Self.nameText($0.value))" }.joined(separator: "_")
    return name.utf8.count <= 200 ? name : "task-\(id)_" + String(name.prefix(150))
  }

  /// The parameters as text, one per key (for runs.csv and --list): strings as they are, other values
  /// as compact JSON (`[8,8]`, `0.5`, `true`).
  public var parameterTexts: [(key: String, text: String)] {
    parameters.map { ($0.key, Self.cellText($0.value)) }
  }

  /// A value as text: a string as it is, anything else as compact JSON.
  static func cellText(_ value: Any) -> String { value as? String ?? jsonText(value) }

  /// The task's config: the grid's base with the task's values on top, decoded and checked as a
  /// `--config` file is (an unknown key or a wrong value names the key).
  public func config() throws(ConfigError) -> RunConfig {
    var object = grid.base
    for (key, value) in parameters { object[key] = value }
    guard let data = try? JSONSerialization.data(withJSONObject: object) else {
      throw .invalid(path: grid.path, reason: "task \(id): the parameters are not valid JSON values")
    }
    return try RunConfig.decode(data, source: "\(grid.path) (task \(id): \(listText))")
      .anchored(in: grid.directory)
  }

  /// `key=value key=value` for messages and --list.
  public var listText: String { parameterTexts.map { "\($0.key)=\($0.text)" }.joined(separator: " ") }

  /// Compact JSON text of a value (sorted keys, no spaces).
  static func jsonText(_ value: Any) -> String {
    guard
      let data = try? JSONSerialization.data(
        withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes])
    else { return "\(value)" }
    return String(decoding: data, as: UTF8.self)
  }

  /// A value's text in a directory name.
  static func nameText(_ value: Any) -> String {
    let text: String
    if let list = value as? [Any] {
      text = list.isEmpty ? "none" : list.map(nameText).joined(separator: "x")
    } else if let string = value as? String {
      text = string
    } else {
      text = jsonText(value)
    }
    let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.+-")
    return String(text.map { allowed.contains($0) ? $0 : "-" })
  }
}
