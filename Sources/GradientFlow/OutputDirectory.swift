import Foundation

/// A run's output directory. It is created if missing; an existing non-empty directory is refused
/// unless `force` is set, so no earlier run is overwritten by accident. Whole-file outputs
/// (JSON) are written to a temporary name and renamed into place, so they are either complete or
/// absent; streamed outputs (CSV) are flushed row by row by ``CSVWriter``.
public struct OutputDirectory: Sendable {
  public let path: String

  public init(path: String, force: Bool) throws(SimulationError) {
    let absolute = absolutePath(path)
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    if manager.fileExists(atPath: absolute, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else {
        throw .output("the output path '\(absolute)' exists and is not a directory")
      }
      let contents = (try? manager.contentsOfDirectory(atPath: absolute)) ?? []
      if !contents.isEmpty, !force {
        throw .usage(OutputError.directoryNotEmpty(path: absolute).description)
      }
    } else {
      do {
        try manager.createDirectory(atPath: absolute, withIntermediateDirectories: true)
      } catch {
        throw .output("cannot create the output directory '\(absolute)': \(error.localizedDescription)")
      }
    }
    guard manager.isWritableFile(atPath: absolute) else {
      throw .output("the output directory '\(absolute)' is not writable")
    }
    self.path = absolute
  }

  /// The path of a file in the directory.
  public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

  /// Writes a JSON object atomically (temporary file, then rename). Non-finite numbers become the
  /// strings "inf", "-inf", "nan", since JSON has no such numbers.
  public func writeJSON(_ object: Any, to name: String) throws(OutputError) {
    let target = file(name)
    let temporary = file(".\(name).partial")
    do {
      let data = try JSONSerialization.data(
        withJSONObject: jsonSafe(object), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
      try data.write(to: URL(fileURLWithPath: temporary))
      if FileManager.default.fileExists(atPath: target) { try FileManager.default.removeItem(atPath: target) }
      try FileManager.default.moveItem(atPath: temporary, toPath: target)
    } catch {
      throw .cannotWrite(path: target, reason: error.localizedDescription)
    }
  }
}

/// Replaces non-finite doubles by strings, recursively.
func jsonSafe(_ value: Any) -> Any {
  switch value {
  case let number as Double where !number.isFinite: return format(number)
  case let dictionary as [String: Any]: return dictionary.mapValues(jsonSafe)
  case let array as [Any]: return array.map(jsonSafe)
  default: return value
  }
}
