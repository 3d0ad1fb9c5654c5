import Foundation

/// Runs one task of a sweep into its directory, unless its run.json already says success (and, with
/// `check_at_end`, its check.json exists): a rerun of
/// a crashed, preempted or interrupted sweep does only what is left. A task whose directory holds an
/// unfinished or failed run is run again from the start (its outputs removed, as with `--force`); one
/// whose directory is claimed by a live run is refused (``DirectoryClaim``).
public enum SweepRunner {
  public enum Outcome {
    /// The task had finished before: nothing was run.
    case skipped
    case ran(RunResult, RunSetup)
  }

  /// Runs task `task` of `sweep`. `prepare` sees the simulation before it runs (progress hooks).
  public static func run(
    task: SweepTask, in sweep: SweepDirectory, commandLine: [String], prepare: (Run) -> Void = { _ in }
  ) throws(RunError) -> Outcome {
    let directory = sweep.directory(of: task)
    let config: RunConfig
    do { config = try task.config() } catch { throw .usage(error.description) }
    // With --check-at-end the check is written after run.json says success: a task killed in between has
    // no check.json and is run again.
    let checked =
      !config.checkAtEnd
      || FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("check.json"))
    if SweepDirectory.status(of: directory).0 == .success, checked { return .skipped }
    let setup = try RunSetup(config: config)
    let simulation = Run(setup: setup, outputDirectory: directory)
    prepare(simulation)
    return .ran(try simulation.run(force: true, commandLine: commandLine), setup)
  }
}
