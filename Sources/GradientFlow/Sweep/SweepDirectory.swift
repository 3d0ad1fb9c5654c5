import Foundation

/// A sweep's output directory: `DIR/sweep.json` (the grid, so that a directory holds one sweep and
/// `gradflow collect` knows every task, run or not) and one run directory per task, `DIR/<name>`
/// (``SweepTask/directoryName``), written by `gradflow simulate`'s code and claimed like any output
/// directory (``DirectoryClaim``).
public struct SweepDirectory {
  public let path: String
  public let grid: SweepGrid

  /// Opens `path` for `grid`: creates it and writes sweep.json when missing; refuses a directory whose
  /// sweep.json holds another grid (``ConfigError/invalid(path:reason:)``) or, when `checkNames` is set,
  /// a grid in which two tasks would share a directory.
  public init(path: String, grid: SweepGrid, checkNames: Bool) throws(RunError) {
    let absolute = absolutePath(path)
    self.path = absolute
    self.grid = grid
    if checkNames {
      var seen: [String: Int] = [:]
      for id in 0..<grid.count {
        let name = grid.task(id).directoryName
        if let other = seen[name] {
          throw .usage(
            "grid '\(grid.path)': tasks \(other) and \(id) would share the directory '\(name)'; make their values differ in more than punctuation"
          )
        }
        seen[name] = id
      }
    }
    let recordPath = (absolute as NSString).appendingPathComponent("sweep.json")
    if let data = FileManager.default.contents(atPath: recordPath) {
      let recorded = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["grid"]
      guard let recorded, SweepTask.jsonText(recorded) == grid.canonicalText else {
        throw .usage(
          "'\(absolute)' holds another sweep (its sweep.json has a different grid); choose another --out")
      }
      return
    }
    do {
      try FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: true)
    } catch {
      throw .usage(
        "cannot create the sweep directory '\(absolute)': \(error.localizedDescription); choose another --out")
    }
    let record: [String: Any] = [
      "grid": grid.object, "grid_file": grid.path, "tasks": grid.count, "axes": grid.axes.map(\.name),
      "gradflow_version": RunRecord.version,
    ]
    // Written to a unique temporary name and renamed: concurrent tasks write the same record, and each
    // rename is atomic.
    let temporary = (absolute as NSString).appendingPathComponent(".sweep.json.\(getpid()).partial")
    do {
      let data = try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys])
      try AtomicFile.write(data, to: temporary)
      guard rename(temporary, recordPath) == 0 else {
        throw OutputError.cannotWrite(path: recordPath, reason: String(cString: strerror(errno)))
      }
    } catch {
      _ = unlink(temporary)
      throw .output("cannot write '\(recordPath)': \(error)")
    }
  }

  /// The run directory of a task.
  public func directory(of task: SweepTask) -> String {
    (path as NSString).appendingPathComponent(task.directoryName)
  }

  /// How a run directory's run.json says the run ended.
  public enum Status: String, Sendable {
    /// No run.json: never started (or killed before its first write).
    case missing
    /// run.json says `running`: going on now, or killed (SIGKILL, preemption) before it could record its end.
    case running
    /// Ended by a signal.
    case interrupted
    /// Ended by a failure (max steps, wall clock, step size, non-finite state, write error).
    case failed
    case success
  }

  /// The status of the run in `directory` and its run.json (nil when missing or unreadable).
  public static func status(of directory: String) -> (Status, RunRecord?) {
    let path = (directory as NSString).appendingPathComponent("run.json")
    guard FileManager.default.fileExists(atPath: path), let record = try? RunRecord.load(path: path) else {
      return (.missing, nil)
    }
    if record.termination.success { return (.success, record) }
    switch record.termination.reason {
    case .running: return (.running, record)
    case .ended(.interrupted): return (.interrupted, record)
    default: return (.failed, record)
    }
  }
}
