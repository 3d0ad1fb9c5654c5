import ArgumentParser
import CGSL
import Foundation
import GradientFlow
import ODE

@main
struct GradFlow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gradflow",
    abstract: "Continuous-time gradient flow on homogeneous networks, integrated with GSL.",
    discussion: """
      Exit codes: 0 success; 64 usage or input error (bad option, malformed CSV, bad config);
      1 numerical failure (max steps, step too small, non-finite) or a write error;
      130 interrupted (SIGINT/SIGTERM; everything saved so far is on disk).
      """,
    version: RunRecord.version,
    subcommands: [Simulate.self, DataCommand.self],
    defaultSubcommand: nil
  )
}

extension Stepper: ExpressibleByArgument {}
extension Activation: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}

/// Prints a one-line error to stderr.
func printError(_ message: String) {
  FileHandle.standardError.write(Data("gradflow: error: \(message)\n".utf8))
}

/// Prints to stderr.
func printNote(_ message: String) {
  FileHandle.standardError.write(Data("gradflow: \(message)\n".utf8))
}

/// OpenBLAS threads default to 1: two busy threads on a 2-vCPU machine were slower in every
/// stack measured (benchmarks/README.md). A user's OPENBLAS_NUM_THREADS is respected.
func configureThreads() {
  if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil {
    openblas_set_num_threads(1)
  }
}
