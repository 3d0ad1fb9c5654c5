import Foundation

/// A run's output directory. It is created if missing; an existing non-empty directory is refused
/// unless `force` is set, so no earlier run is overwritten by accident (with `force`, the outputs of
/// an earlier run are removed first, so none is left stale: ``outputNames``, check.* included).
/// Whole-file outputs (JSON) are written by ``AtomicFile``, so they are either complete or absent;
/// streamed outputs (CSV) are written row by row by ``CSVWriter``. Neither writes through a symbolic
/// link planted in the directory. A path that cannot hold a run (a file, a directory
/// that cannot be created or written) is a usage error (exit 64) found before the run starts.
///
/// The directory is claimed (``DirectoryClaim``) before it is inspected, and the claim is held as long
/// as this value lives: of two runs started into one directory, only one proceeds, the other is refused
/// with a usage error, even when both found it missing or empty.
public struct OutputDirectory: Sendable {
  public let path: String
  /// This run's claim on ``path``.
  public let claim: DirectoryClaim

  public init(path: String, force: Bool) throws(RunError) {
    guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw .usage("--out is empty; name the output directory (e.g. --out run1)")
    }
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

  /// The files gradflow writes into an output directory — a run's, `compare`'s and `check`'s;
  /// `--force` removes these (and their `.NAME.partial` temporaries) and nothing else.
  public static let outputNames = [
    "trajectory.csv", "weights.csv", "run.json", "initial_weights.json", "final_weights.json",
    "margins.csv", "check.csv", "check.json", "compare.csv", "compare.json",
  ]

  /// The path of a file in the directory.
  public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

  /// Writes a JSON object atomically (``AtomicFile``). Non-finite numbers become the strings "inf",
  /// "-inf", "nan", since JSON has no such numbers.
  public func writeJSON(_ object: Any, to name: String) throws(OutputError) {
    let data: Data
    do { data = try Self.jsonText(object) } catch {
      throw .cannotWrite(path: file(name), reason: error.localizedDescription)
    }
    try AtomicFile.write(data, to: file(name))
  }

  /// The text ``writeJSON(_:to:)`` writes: pretty-printed, keys sorted as `JSONSerialization` sorts them,
  /// slashes unescaped, non-finite numbers as strings.
  static func jsonText(_ object: Any) throws -> Data {
    try JSONSerialization.data(
      withJSONObject: jsonSafe(object), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
  }
}

extension OutputDirectory {
  /// Creates `path` and its missing parents (`mkdir -p`) for `gradflow check --out`; an empty path, a
  /// component that is a file or a directory that cannot be created is a usage error (exit 64) that
  /// names the path and the system's reason.
  public static func createForCheck(_ path: String) throws(CheckError) {
    guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw .usage("--out is empty; name the directory for check.csv and check.json")
    }
    let absolute = absolutePath(path)
    var prefix = ""
    for component in absolute.split(separator: "/") {
      prefix += "/" + component
      if mkdir(prefix, 0o777) == 0 { continue }
      let reason = String(cString: strerror(errno))
      var info = stat()
      if errno == EEXIST, stat(prefix, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { continue }
      let why = errno == EEXIST ? "'\(prefix)' exists and is not a directory" : reason
      throw .usage("cannot create the output directory '\(absolute)': \(why); choose another --out")
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
