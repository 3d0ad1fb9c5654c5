import ArgumentParser
import Foundation
import GradientFlow
import ODE

/// `gradflow simulate`: integrate the gradient flow of a network on a dataset and write
/// OUT/trajectory.csv, OUT/run.json, OUT/initial_weights.json and OUT/final_weights.json.
struct Simulate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Integrate the gradient flow of a bias-free network on a dataset.",
    discussion: """
      With no options, runs the built-in default: a 2 → 16 → 1 ReLU net on 40 separable Gaussian \
      blobs (seed 0), exponential loss, to t = 1e4. Options override a --config file (a config \
      JSON or a previous run.json), which overrides the defaults. Numeric options take the next \
      argument as their value even when it starts with '-' (--rtol -1 is an invalid tolerance).

      \(exitCodesHelp)
      """)

  @Option(help: "A config JSON or a previous run.json (flags override it).")
  var config: String?

  @OptionGroup(title: "Data") var data: DataOptions
  @OptionGroup(title: "Network and loss") var model: ModelOptions
  @OptionGroup(title: "Integration") var integration: IntegrationOptions

  @Option(help: "Output directory.")
  var out: String = "gradflow-out"

  @Flag(help: "Overwrite a non-empty output directory.")
  var force = false

  @Flag(help: "No progress display and no summary.")
  var quiet = false

  func run() throws {
    configureThreads()
    let resolved = try resolveConfig(path: config, data: data, model: model, integration: integration)

    let simulation: Simulation
    do {
      let setup = try SimulationSetup(config: resolved)
      if !quiet { for note in setup.notes { printNote(note) } }
      simulation = Simulation(setup: setup, outputDirectory: out)
    } catch {
      printError(error.description)
      throw ExitCode(error.exitCode)
    }
    let display = ProgressDisplay(enabled: !quiet && isatty(2) != 0, logTEnd: resolved.resolvedLogTEnd)
    simulation.progress = { logT, steps in display.update(logT: logT, steps: steps) }

    Interruption.installSignalHandlers()
    // A file-size limit (ulimit -f) then fails the write with EFBIG, reported with the path, instead
    // of killing the process with a core dump.
    signal(SIGXFSZ, SIG_IGN)
    let result: SimulationResult
    do {
      result = try simulation.run(force: force, commandLine: CommandLine.arguments)
    } catch {
      display.finish()
      printError(error.description)
      throw ExitCode(error.exitCode)
    }
    display.finish()
    if !quiet { print(Summary(setup: simulation.setup, result: result).text) }
    if resolved.stopWhenSeparated, case .reachedEnd = result.termination {
      let accuracy = result.final["accuracy"].map { String(format: "%.4g", $0) } ?? "?"
      printNote(
        "warning: --stop-when-separated: the data were never separated (accuracy \(accuracy) at t_end); they may "
          + "not be separable by this network: try --bias-feature, wider layers or a larger --t-end")
    }
    switch result.termination {
    case .reachedEnd, .stopCondition, .reachedMinimizer: return
    case .interrupted:
      printError(result.terminationMessage)
      throw ExitCode(130)
    default:
      printError(result.terminationMessage)
      throw ExitCode(1)
    }
  }
}
