import ArgumentParser
import Foundation
import GradientFlow
import ODE

/// `gradflow sweep GRID.json --out DIR`: the tasks of a grid (``SweepGrid``), run one at a time by GNU
/// parallel or a Slurm job array (or all here, in order), each into its own directory under DIR.
struct Sweep: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run, list or schedule the tasks of a parameter grid (one run directory per task).",
    discussion: """
      GRID.json: {"base": {config keys}, "axes": {"seed": [0, 1], "widths": [[4], [8]]}, \
      "zip": [{"generator": [...], "noise": [...]}]}. The tasks are the product of the axes (a zip group \
      varies its keys together); axes are ordered by name, the last varying fastest, so task numbers \
      depend on the grid alone. Task K runs into DIR/<key-value_key-value...> and is skipped when its \
      run.json says success, so a killed sweep resumes where it stopped; a directory in use by a live run \
      is refused. Without --task (and without $SLURM_ARRAY_TASK_ID) every task runs here, in order.

      GNU parallel:  gradflow sweep G.json --out D --emit parallel | parallel --joblog D/joblog --resume
      Slurm:         gradflow sweep G.json --out D --emit slurm > sweep.sbatch; sbatch sweep.sbatch
      Then:          gradflow collect D

      Exit codes: as simulate's for one task (0 also when skipped); with every task, 1 if any failed.
      """)

  enum Emit: String, ExpressibleByArgument, CaseIterable {
    case parallel, slurm
  }

  @Argument(help: "The grid JSON.")
  var grid: String

  @Option(help: "The sweep's output directory (one subdirectory per task, and sweep.json).")
  var out: String

  @Flag(help: "Print the number of tasks.")
  var count = false

  @Flag(help: "Print one line per task: id, directory, parameters.")
  var list = false

  @Option(help: "Run task K (0-based). Default: $SLURM_ARRAY_TASK_ID when set, else every task in turn.")
  var task: Int?

  @Option(help: "Print the commands of every task for GNU parallel, or an sbatch job-array script for Slurm.")
  var emit: Emit?

  @Option(help: "Slurm: at most this many array tasks at once (--array=0-(N-1)%K).")
  var arrayLimit: Int = 100

  @Flag(help: "No per-task line.")
  var quiet = false

  func validate() throws {
    if [count, list, task != nil, emit != nil].filter({ $0 }).count > 1 {
      throw ValidationError("give at most one of --count, --list, --task and --emit")
    }
    if arrayLimit < 1 { throw ValidationError("--array-limit must be at least 1 (got \(arrayLimit))") }
  }

  func run() throws {
    let loaded: SweepGrid
    do { loaded = try SweepGrid.load(path: grid) } catch {
      printError(error.description)
      throw ExitCode(64)
    }
    if count {
      print(loaded.count)
      return
    }
    let taskID = try resolvedTask(count: loaded.count)
    let sweep: SweepDirectory
    do {
      sweep = try SweepDirectory(path: out, grid: loaded, checkNames: taskID == nil)
    } catch {
      printError(error.description)
      throw ExitCode(error.exitCode)
    }
    if list {
      for id in 0..<loaded.count {
        let task = loaded.task(id)
        print("\(id)\t\(sweep.directory(of: task))\t\(task.listText)")
      }
      return
    }
    switch emit {
    case .parallel?:
      let command = [Self.executablePath, "sweep", loaded.path, "--out", sweep.path].map(shellQuoted)
      for id in 0..<loaded.count { print((command + ["--task", "\(id)", "--quiet"]).joined(separator: " ")) }
      return
    case .slurm?:
      print(try slurmScript(sweep: sweep))
      return
    case nil: break
    }
    Interruption.installSignalHandlers()
    signal(SIGXFSZ, SIG_IGN)
    if let taskID {
      let code = runTask(loaded.task(taskID), of: loaded.count, in: sweep)
      if code != 0 { throw ExitCode(code) }
      return
    }
    var failed = 0
    for id in 0..<loaded.count {
      let code = runTask(loaded.task(id), of: loaded.count, in: sweep)
      if code == 130 { throw ExitCode(130) }
      if code != 0 { failed += 1 }
    }
    if failed > 0 {
      printError("\(failed) of \(loaded.count) tasks failed (gradflow collect \(out) lists them)")
      throw ExitCode(1)
    }
  }

  /// --task, else $SLURM_ARRAY_TASK_ID, else nil (every task); out of range is a usage error.
  private func resolvedTask(count: Int) throws -> Int? {
    guard !list, emit == nil else { return nil }
    var source = "--task"
    var value = task
    if value == nil, let environment = ProcessInfo.processInfo.environment["SLURM_ARRAY_TASK_ID"] {
      source = "$SLURM_ARRAY_TASK_ID"
      guard let parsed = Int(environment) else {
        printError("$SLURM_ARRAY_TASK_ID is '\(environment)', not a task number; unset it or pass --task")
        throw ExitCode(64)
      }
      value = parsed
    }
    if let value, !(0..<count).contains(value) {
      printError("\(source) \(value) is outside the grid's tasks 0...\(count - 1) ('\(grid)' has \(count))")
      throw ExitCode(64)
    }
    return value
  }

  /// Runs one task; returns its exit code (simulate's).
  private func runTask(_ task: SweepTask, of count: Int, in sweep: SweepDirectory) -> Int32 {
    let label = "task \(task.id)/\(count) \(task.directoryName)"
    do {
      switch try SweepRunner.run(task: task, in: sweep, commandLine: CommandLine.arguments) {
      case .skipped:
        if !quiet { print("\(label): finished before, skipped") }
        return 0
      case .ran(let result, _):
        let margin = result.final["margin"].map { String(format: "%.6g", $0) } ?? "?"
        if !quiet {
          print(
            "\(label): \(result.termination.kind.rawValue), margin \(margin), \(result.statistics.stepsAccepted) steps, "
              + String(format: "%.3f s", result.statistics.wallSeconds))
        }
        if let failure = result.checkFailure { printNote("warning: \(label): --check-at-end: \(failure)") }
        switch result.termination {
        case .reachedEnd, .reachedMinimizer, .stopCondition: return 0
        case .interrupted:
          printError("\(label): \(result.terminationMessage)")
          return 130
        default:
          printError("\(label): \(result.terminationMessage)")
          return 1
        }
      }
    } catch {
      printError("\(label): \(error.description)")
      return error.exitCode
    }
  }

  /// An sbatch script running every task as one element of a job array.
  private func slurmScript(sweep: SweepDirectory) throws -> String {
    let logs = (sweep.path as NSString).appendingPathComponent("logs")
    do { try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true) } catch {
      printError("cannot create '\(logs)' for the Slurm logs: \(error.localizedDescription); choose another --out")
      throw ExitCode(64)
    }
    let n = sweep.grid.count
    let command = [Self.executablePath, "sweep", sweep.grid.path, "--out", sweep.path].map(shellQuoted)
    return """
      #!/bin/bash
      # gradflow sweep: \(n) tasks of \(sweep.grid.path) into \(sweep.path).
      # Edit the resources below, then: sbatch THIS_FILE. Each array element runs task $SLURM_ARRAY_TASK_ID;
      # a finished task is skipped, so resubmitting after a crash or preemption runs only what is left.
      #SBATCH --job-name=gradflow-sweep
      #SBATCH --array=0-\(n - 1)%\(arrayLimit)
      #SBATCH --ntasks=1
      #SBATCH --cpus-per-task=1
      #SBATCH --mem=1G
      #SBATCH --time=01:00:00
      #SBATCH --output=\(logs)/task-%a.out
      #SBATCH --error=\(logs)/task-%a.err
      ##SBATCH --partition=YOUR_PARTITION
      ##SBATCH --account=YOUR_ACCOUNT
      export OPENBLAS_NUM_THREADS=1
      exec \(command.joined(separator: " "))
      """
  }

  /// This binary's absolute path (for the emitted commands).
  static var executablePath: String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if length > 0 {
      return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    let path = CommandLine.arguments[0]
    return path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
  }
}

/// A word for sh: single-quoted unless it is plain.
func shellQuoted(_ word: String) -> String {
  let plain = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-+=:,")
  if !word.isEmpty, word.allSatisfy(plain.contains) { return word }
  return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
