import Foundation

/// `gradflow collect DIR`: one table of every run under DIR.
///
/// - `DIR/runs.csv`: one row per run — `run` (the task number), `dir` (relative to DIR), `status`
///   (``SweepDirectory/Status``), every swept parameter as its own column (a string as it is, other
///   values as compact JSON, e.g. `[8,8]`),
///   `reason` and `log_t` of the termination, the final observables as `final_<name>`, the solver
///   statistics, and, when any run has a check.json (`--check-at-end`, `gradflow check`), the checker's
///   verdict and certificate as `check_<key>`. Wall-clock times only with `timings`, so that the same
///   sweep run twice (on GNU parallel, on Slurm) gives the same file byte for byte.
/// - `DIR/trajectories.csv`: long format, `run`, `save` (the row of the run's trajectory.csv), then the
///   union of the runs' trajectory columns (empty where a run has no such column).
///
/// With `DIR/sweep.json` the runs are the grid's tasks, all of them: a task that never ran is listed
/// as `missing` rather than dropped. Without it, the runs are the subdirectories of DIR holding a
/// run.json, and the parameters are the config keys whose values differ between them.
public enum SweepCollector {
  /// A run that did not finish successfully.
  public struct Incomplete: Sendable {
    public let run: Int
    public let directory: String
    public let status: SweepDirectory.Status
    public let message: String
  }

  public struct Summary: Sendable {
    /// The collected directory (absolute).
    public let directory: String
    public let runs: Int
    public let succeeded: Int
    public let incomplete: [Incomplete]
    public let trajectoryRows: Int
  }

  /// The certificate fields of check.json copied to runs.csv.
  static let checkKeys = [
    "verdict", "eps_rel", "delta_rel", "lambda_ratio", "gamma_product", "support_size", "eps_rel_lower_bound",
  ]
  static let statsKeys = ["rhs_evals", "jacobian_evals", "steps_accepted", "steps_rejected", "pattern_changes"]

  /// The ``statsKeys`` cells of a run's statistics (empty without them).
  private static func statsCells(_ stats: RunRecord.Stats?) -> [String] {
    guard let s = stats else { return statsKeys.map { _ in "" } }
    return [s.rhsEvals, s.jacobianEvals, s.stepsAccepted, s.stepsRejected, s.patternChanges].map(String.init)
  }

  /// A number of run.json as a CSV cell: as run.json writes it (`20` for 20.0, "inf" for ∞), empty when absent.
  private static func cell(_ value: Double?) -> String {
    guard let value else { return "" }
    let text = format(value)
    return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
  }

  private struct CollectedRun {
    let id: Int
    let name: String
    var parameters: [String: String]
    let status: SweepDirectory.Status
    let record: RunRecord?
  }

  public static func collect(directory: String, timings: Bool = false) throws(RunError) -> Summary {
    let root = absolutePath(directory)
    let manager = FileManager.default
    var runs: [CollectedRun] = []
    var parameterKeys: [String] = []
    let sweepRecord = (root as NSString).appendingPathComponent("sweep.json")
    if let data = manager.contents(atPath: sweepRecord) {
      guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
        let gridObject = object["grid"], let gridData = try? JSONSerialization.data(withJSONObject: gridObject)
      else { throw .data("'\(sweepRecord)' is not a sweep record; was it written by `gradflow sweep`?") }
      let grid: SweepGrid
      do { grid = try SweepGrid.parse(gridData, path: object["grid_file"] as? String ?? sweepRecord) } catch {
        throw .data(error.description)
      }
      parameterKeys = grid.keys
      for id in 0..<grid.count {
        let task = grid.task(id)
        let (status, record) = SweepDirectory.status(of: (root as NSString).appendingPathComponent(task.directoryName))
        let parameters = Dictionary(uniqueKeysWithValues: task.parameterTexts.map { ($0.key, $0.text) })
        runs.append(
          CollectedRun(id: id, name: task.directoryName, parameters: parameters, status: status, record: record))
      }
    } else {
      guard let names = try? manager.contentsOfDirectory(atPath: root) else {
        throw .usage("cannot read the directory '\(root)'; give a sweep's --out or a directory of run directories")
      }
      for name in names.sorted() {
        let (status, record) = SweepDirectory.status(of: (root as NSString).appendingPathComponent(name))
        guard status != .missing else { continue }
        let config = record.flatMap { try? JSONObjectEncoder().encode($0.config) } as? [String: Any] ?? [:]
        runs.append(
          CollectedRun(
            id: runs.count, name: name, parameters: config.mapValues { SweepTask.cellText($0) }, status: status,
            record: record))
      }
      guard !runs.isEmpty else {
        throw .usage("'\(root)' holds no sweep.json and no run directories (subdirectories with a run.json)")
      }
      let allKeys = Set(runs.flatMap(\.parameters.keys)).sorted()
      parameterKeys = allKeys.filter { key in Set(runs.map { $0.parameters[key] ?? "" }).count > 1 }
    }

    let finals = Set(runs.flatMap { ($0.record?.final ?? [:]).keys }).sorted()
    let checks = runs.map { readCheck((root as NSString).appendingPathComponent($0.name)) }
    let hasChecks = checks.contains { $0 != nil }
    var header = ["run", "dir", "status"] + parameterKeys + ["reason", "log_t"] + finals.map { "final_" + $0 }
    header += statsKeys + (timings ? ["wall_seconds"] : []) + (hasChecks ? checkKeys.map { "check_" + $0 } : [])
    var text = csvLine(header)
    var incomplete: [Incomplete] = []
    for (run, check) in zip(runs, checks) {
      let termination = run.record?.termination
      let final = run.record?.final ?? [:]
      let stats = run.record?.stats
      var cells = ["\(run.id)", run.name, run.status.rawValue] + parameterKeys.map { run.parameters[$0] ?? "" }
      cells += [termination?.reason.text ?? "", cell(termination?.logT)] + finals.map { cell(final[$0]) }
      cells += statsCells(stats) + (timings ? [cell(stats?.wallSeconds)] : [])
      if hasChecks { cells += checkKeys.map { cell(check?[$0]) } }
      text += csvLine(cells)
      if run.status != .success {
        let message = termination?.message ?? "no run.json: the task has not run"
        incomplete.append(Incomplete(run: run.id, directory: run.name, status: run.status, message: message))
      }
    }
    try write(text, to: (root as NSString).appendingPathComponent("runs.csv"))
    let rows = try writeTrajectories(runs: runs, root: root)
    return Summary(
      directory: root, runs: runs.count, succeeded: runs.count - incomplete.count, incomplete: incomplete,
      trajectoryRows: rows)
  }

  /// trajectories.csv; returns its number of data rows.
  private static func writeTrajectories(runs: [CollectedRun], root: String) throws(RunError) -> Int {
    var columns: [String] = []
    var index: [String: Int] = [:]
    var tables: [(id: Int, header: [Int], rows: [Substring])] = []
    for run in runs where run.status != .missing {
      let path = (root as NSString).appendingPathComponent(run.name + "/trajectory.csv")
      guard let data = FileManager.default.contents(atPath: path) else { continue }
      let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
      guard let first = lines.first else { continue }
      let header = first.split(separator: ",").map { name -> Int in
        if let i = index[String(name)] { return i }
        index[String(name)] = columns.count
        columns.append(String(name))
        return columns.count - 1
      }
      tables.append((run.id, header, Array(lines.dropFirst())))
    }
    var text = csvLine(["run", "save"] + columns)
    var count = 0
    var cells = [Substring](repeating: "", count: columns.count)
    for table in tables {
      for (save, line) in table.rows.enumerated() {
        for i in cells.indices { cells[i] = "" }
        for (j, value) in line.split(separator: ",", omittingEmptySubsequences: false).enumerated()
        where j < table.header.count {
          cells[table.header[j]] = value
        }
        text += "\(table.id),\(save),"
        text += cells.joined(separator: ",")
        text += "\n"
        count += 1
      }
    }
    try write(text, to: (root as NSString).appendingPathComponent("trajectories.csv"))
    return count
  }

  private static func readCheck(_ directory: String) -> [String: Any]? {
    let path = (directory as NSString).appendingPathComponent("check.json")
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
  }

  /// A JSON value as a CSV cell: numbers in shortest round-trip form, strings as they are, null empty.
  private static func cell(_ value: Any?) -> String {
    switch value {
    case nil, is NSNull: ""
    case let string as String: string
    case let number as NSNumber:
      ["d", "f"].contains(String(cString: number.objCType)) ? format(number.doubleValue) : "\(number)"
    default: SweepTask.jsonText(value!)
    }
  }

  /// One CSV line; cells with a comma, quote or newline are quoted.
  private static func csvLine(_ cells: [String]) -> String {
    cells.map { cell in
      cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
        ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
    }.joined(separator: ",") + "\n"
  }

  private static func write(_ text: String, to path: String) throws(RunError) {
    let temporary = path + ".partial"
    do throws(OutputError) {
      try AtomicFile.write(Array(text.utf8), to: temporary)
      guard rename(temporary, path) == 0 else {
        throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
      }
    } catch {
      _ = unlink(temporary)
      throw .output(error.description)
    }
  }
}
