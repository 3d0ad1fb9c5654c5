import ArgumentParser
import Foundation
import GradientFlow

/// `gradflow collect DIR`: runs.csv and trajectories.csv of a sweep or a directory of runs.
struct Collect: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Gather the runs of a sweep (or of a directory of run directories) into runs.csv and trajectories.csv.",
    discussion: """
      DIR/runs.csv: one row per run (run, dir, status, the swept parameters, reason, log_t, final_*, \
      solver statistics, check_* when a check.json exists). DIR/trajectories.csv: run, save, then the \
      trajectory columns. Runs that are missing, still running (or killed), interrupted or failed are \
      kept in runs.csv with their status and listed on stderr.

      Exit codes: 0 written (1 with --strict if any run is not a success), 64 not a sweep or run \
      directory, 65 an unreadable sweep.json, 1 a write error.
      """)

  @Argument(help: "A sweep's --out directory, or a directory whose subdirectories are runs.")
  var directory: String

  @Flag(help: "Add the wall-clock seconds of each run to runs.csv (they differ between two runs of one sweep).")
  var timings = false

  @Flag(help: "Exit 1 when any run is not a success.")
  var strict = false

  @Flag(help: "No summary on stderr.")
  var quiet = false

  func run() throws {
    let summary: SweepCollector.Summary
    do { summary = try SweepCollector.collect(directory: directory, timings: timings) } catch {
      printError(error.description)
      throw ExitCode(error.exitCode)
    }
    if !quiet {
      let root = summary.directory
      printNote(
        "collect: \(summary.runs) runs, \(summary.succeeded) succeeded, \(summary.incomplete.count) not: "
          + "\(root)/runs.csv, \(root)/trajectories.csv (\(summary.trajectoryRows) rows)")
      for entry in summary.incomplete.prefix(50) {
        printNote("  run \(entry.run) \(entry.directory): \(entry.status.rawValue): \(entry.message)")
      }
      if summary.incomplete.count > 50 { printNote("  … and \(summary.incomplete.count - 50) more (runs.csv status)") }
    }
    if strict, !summary.incomplete.isEmpty { throw ExitCode(1) }
  }
}
