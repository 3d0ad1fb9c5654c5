import ArgumentParser
import Foundation
import GradientFlow
import ODE

@main
struct GradFlow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gradflow",
    abstract: "Continuous-time gradient flow on homogeneous networks, integrated with GSL.",
    discussion: exitCodesHelp,
    version: RunRecord.version,
    subcommands: [Simulate.self, Compare.self, Check.self, DataCommand.self, Sweep.self, Collect.self],
    defaultSubcommand: nil
  )

  /// ArgumentParser's `main()`, with its errors in gradflow's form: every error message starts with
  /// `gradflow: error:` (ArgumentParser's own start with `Error:`), exit codes unchanged (64 for usage).
  static func main() {
    // OpenBLAS's fast kernels where it fell back to its generic ones (a fresh start of the process).
    BLASCore.startProcessWithFastKernels()
    // One BLAS thread and no idle OpenBLAS worker until a run asks for more (`--threads`).
    BLASThreads.startProcess(threads: 1)
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      let code = exitCode(for: error)
      let message = fullMessage(for: error)
      if code == .success {
        if !message.isEmpty { print(message) }
      } else if !message.isEmpty {
        FileHandle.standardError.write(Data((gradflowErrorText(message) + "\n").utf8))
      }
      Foundation.exit(code.rawValue)
    }
  }
}

/// An ArgumentParser error text with gradflow's prefix: "Error: X" → "gradflow: error: X".
func gradflowErrorText(_ message: String) -> String {
  let prefix = "gradflow: error: "
  if message.hasPrefix(prefix) { return message }
  if message.hasPrefix("Error: ") { return prefix + message.dropFirst("Error: ".count) }
  return prefix + message
}

/// The exit codes (sysexits), shown by `gradflow --help` and `gradflow simulate --help`.
let exitCodesHelp = """
  Exit codes:
    0    success: t-end reached or a stop condition met
    64   usage: bad option, value or config key; unusable --out; memory limit
    65   data: dataset or initial-weights file missing, unreadable, malformed,
         too large, or not fitting the data or network
    1    numerical failure (max steps, wall clock, step too small, non-finite)
         or a write error during the run (disk full); written rows stay valid
    130  interrupted (SIGINT, SIGTERM, SIGHUP): saved rows on disk, run.json
         "interrupted" with the signal
  """

extension Stepper: ExpressibleByArgument {}
extension Activation: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
extension DynamicsKind: ExpressibleByArgument {}
extension Clock: ExpressibleByArgument {}
extension SlidingMode: ExpressibleByArgument {}
extension ErrorNorm: ExpressibleByArgument {}

/// Prints a one-line error to stderr.
func printError(_ message: String) {
  FileHandle.standardError.write(Data("gradflow: error: \(message)\n".utf8))
}

/// Prints to stderr.
func printNote(_ message: String) {
  FileHandle.standardError.write(Data("gradflow: \(message)\n".utf8))
}
