import Foundation

/// A sweep: a base config and the axes it varies, read from a grid JSON
///
///     {"base": {"t_end": 100, "n": 40},
///      "axes": {"seed": [0, 1, 2, 3], "widths": [[4], [8], [16]]},
///      "zip": [{"generator": ["blobs", "random-labels"], "noise": [0.1, 0.5]}]}
///
/// `base` holds any config key (as `--config`), `axes` a list of values per key, and `zip` groups of
/// keys whose lists have one length and vary together (one axis each). The tasks are the product of
/// the axes: N = ∏ (length of each axis). Axes are ordered by name (a zip group by its keys joined with
/// `+`) — JSON objects have no order — and task k ∈ [0, N) takes the mixed-radix digits of k, the last
/// axis varying fastest; so the numbering depends on the grid alone. A task's config is `base` with its
/// axis values on top; relative `data` and `initial_weights` paths are taken relative to the grid file.
public struct SweepGrid {
  /// One axis: a single key, or a zip group of keys with their values side by side.
  public struct Axis {
    public let keys: [String]
    /// values[i][j] is key j's i-th value.
    public let values: [[Any]]
    public var name: String { keys.joined(separator: "+") }
  }

  /// The grid file (absolute).
  public let path: String
  /// The grid as read (for sweep.json: a directory holds one grid).
  public let object: [String: Any]
  public let base: [String: Any]
  public let axes: [Axis]

  /// The number of tasks.
  public var count: Int { axes.reduce(1) { $0 * $1.values.count } }

  /// The swept keys, in axis order.
  public var keys: [String] { axes.flatMap(\.keys) }

  /// A grid over this many tasks is refused (a Slurm array is capped far below it).
  public static let maximumTasks = 10_000_000

  /// Reads a grid file. Every problem is a ``ConfigError`` naming the grid and the part at fault.
  public static func load(path: String) throws(ConfigError) -> SweepGrid {
    let bytes = try ConfigError.readFile(path, kind: "a grid")
    return try parse(Data(bytes), path: absolutePath(path))
  }

  /// Parses grid JSON; `path` names it in messages and anchors relative paths.
  static func parse(_ data: Data, path: String) throws(ConfigError) -> SweepGrid {
    let example = "expected an object such as {\"base\": {\"t_end\": 100}, \"axes\": {\"seed\": [0, 1, 2]}}"
    guard let parsed = try? JSONSerialization.jsonObject(with: data), let object = parsed as? [String: Any] else {
      throw .invalid(path: path, reason: "not a JSON object; \(example)")
    }
    for key in object.keys.sorted() where !["base", "axes", "zip"].contains(key) {
      throw .invalid(path: path, reason: "unknown key \"\(key)\"; a grid has \"base\", \"axes\" and \"zip\"")
    }
    guard let base = (object["base"] ?? [String: Any]()) as? [String: Any] else {
      throw .invalid(path: path, reason: "key \"base\": expected an object of config keys, such as {\"t_end\": 100}")
    }
    guard let single = (object["axes"] ?? [String: Any]()) as? [String: Any] else {
      throw .invalid(path: path, reason: "key \"axes\": expected an object of lists, such as {\"seed\": [0, 1, 2]}")
    }
    guard let groups = (object["zip"] ?? [Any]()) as? [[String: Any]] else {
      throw .invalid(path: path, reason: "key \"zip\": expected a list of objects of equal-length lists")
    }
    var axes: [Axis] = []
    for (key, value) in single {
      guard let list = value as? [Any], !list.isEmpty else {
        throw .invalid(path: path, reason: "axis \"\(key)\": expected a non-empty list of values, such as [0, 1, 2]")
      }
      axes.append(Axis(keys: [key], values: list.map { [$0] }))
    }
    for (g, group) in groups.enumerated() {
      let keys = group.keys.sorted()
      let lists = keys.map { group[$0] as? [Any] ?? [] }
      guard !keys.isEmpty, let length = lists.first?.count, length > 0, lists.allSatisfy({ $0.count == length })
      else {
        throw .invalid(
          path: path,
          reason: "zip group \(g + 1) (\(keys.joined(separator: ", "))): expected non-empty lists of one length")
      }
      axes.append(Axis(keys: keys, values: (0..<length).map { i in lists.map { $0[i] } }))
    }
    axes.sort { $0.name < $1.name }
    let allKeys = axes.flatMap(\.keys)
    if let repeated = allKeys.first(where: { key in allKeys.filter { $0 == key }.count > 1 }) {
      throw .invalid(path: path, reason: "key \"\(repeated)\" is swept twice (in two axes or zip groups); keep one")
    }
    guard !axes.isEmpty else {
      throw .invalid(path: path, reason: "no axes: a sweep needs \"axes\" or \"zip\", such as {\"seed\": [0, 1, 2]}")
    }
    var count = 1
    for axis in axes {
      let (product, overflow) = count.multipliedReportingOverflow(by: axis.values.count)
      guard !overflow, product <= maximumTasks else {
        throw .invalid(path: path, reason: "the grid has more than \(maximumTasks) tasks; sweep fewer values")
      }
      count = product
    }
    return SweepGrid(path: path, object: object, base: base, axes: axes)
  }

  /// Task `id` (0 ≤ id < ``count``).
  public func task(_ id: Int) -> SweepTask {
    var remainder = id
    var digits = [Int](repeating: 0, count: axes.count)
    for a in axes.indices.reversed() {
      digits[a] = remainder % axes[a].values.count
      remainder /= axes[a].values.count
    }
    var parameters: [(key: String, value: Any)] = []
    for (a, axis) in axes.enumerated() {
      for (j, key) in axis.keys.enumerated() { parameters.append((key, axis.values[digits[a]][j])) }
    }
    return SweepTask(id: id, parameters: parameters, grid: self)
  }

  /// The grid in canonical JSON text (sorted keys), equal for equal grids however they were written.
  public var canonicalText: String { SweepTask.jsonText(object) }

  /// The directory of the grid file, against which relative paths in it are taken.
  var directory: String { (path as NSString).deletingLastPathComponent }
}
