import Foundation

/// A run's output directory. It is created if missing; an existing non-empty directory is refused
/// unless `force` is set, so no earlier run is overwritten by accident (with `force`, the outputs of
/// an earlier run are removed first, so none is left stale). Whole-file outputs (JSON) are written to
/// a temporary name and renamed into place, so they are either complete or absent; streamed outputs
/// (CSV) are written row by row by ``CSVWriter``. A path that cannot hold a run (a file, a directory
/// that cannot be created or written) is a usage error (exit 64) found before the run starts.
///
/// The directory is claimed (``DirectoryClaim``) before it is inspected, and the claim is held as long
/// as this value lives: of two runs started into one directory, only one proceeds, the other is refused
/// with a usage error, even when both found it missing or empty.
public struct OutputDirectory: Sendable {
  public let path: String
  /// This run's claim on ``path``.
  public let claim: DirectoryClaim

  public init(path: String, force: Bool) throws(SimulationError) {
    let absolute = absolutePath(path)
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    if manager.fileExists(atPath: absolute, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else {
        throw .usage("the output path '\(absolute)' exists and is not a directory; choose another --out")
      }
    } else if mkdir(absolute, 0o777) != 0 {  // the common case; intermediate directories below
      let reason = String(cString: strerror(errno))
      do {
        try manager.createDirectory(atPath: absolute, withIntermediateDirectories: true)
      } catch {
        throw .usage("cannot create the output directory '\(absolute)': \(reason); choose another --out")
      }
    }
    guard access(absolute, W_OK | X_OK) == 0 else {
      throw .usage(
        "the output directory '\(absolute)' is not writable: \(String(cString: strerror(errno))); choose another --out")
    }
    do throws(OutputError) { claim = try DirectoryClaim(directory: absolute) } catch { throw .usage(error.description) }
    let contents = (try? manager.contentsOfDirectory(atPath: absolute)) ?? []
    if contents.contains(where: { $0 != DirectoryClaim.fileName }), !force {
      throw .usage(OutputError.directoryNotEmpty(path: absolute).description)
    }
    self.path = absolute
    if force {
      for name in Self.outputNames {
        _ = unlink(file(name))
        _ = unlink(file(".\(name).partial"))
      }
    }
  }

  /// The files a run writes; `--force` removes them first.
  static let outputNames = [
    "trajectory.csv", "weights.csv", "run.json", "initial_weights.json", "final_weights.json",
    "margins.csv", "check.json", "check.csv",
  ]

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
      try Self.write(data, to: temporary)
    } catch {
      _ = unlink(temporary)
      throw .cannotWrite(path: target, reason: (error as? OutputError)?.reason ?? error.localizedDescription)
    }
    guard rename(temporary, target) == 0 else {  // atomic: the old file or the new one, never neither
      let reason = String(cString: strerror(errno))
      _ = unlink(temporary)
      throw .cannotWrite(path: target, reason: reason)
    }
  }
}

extension OutputDirectory {
  /// Writes `data` to a new file with `write(2)`, so a failure carries the system's reason
  /// ("No space left on device").
  static func write(_ data: Data, to path: String) throws(OutputError) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    var failed = false
    data.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count, !failed {
        let result = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if result < 0, errno != EINTR { failed = true }
        if result > 0 { offset += result }
      }
    }
    let reason = String(cString: strerror(errno))
    if close(descriptor) != 0 || failed {
      throw .cannotWrite(path: path, reason: failed ? reason : String(cString: strerror(errno)))
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
