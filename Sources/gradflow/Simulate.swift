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
  @OptionGroup(title: "Network and loss") var dynamics: DynamicsOption
  @OptionGroup(title: "Integration") var integration: IntegrationOptions

  @Option(help: "Output directory.")
  var out: String = "gradflow-out"

  @Flag(help: "Overwrite a non-empty output directory.")
  var force = false

  @Flag(help: "No progress display and no summary (notes and warnings still go to stderr).")
  var quiet = false

  func run() throws {
    prepareProcess()
    let resolved = try resolveConfig(
      path: config, data: data, model: model, dynamics: dynamics, integration: integration)

    let simulation: Run
    do {
      let setup = try RunSetup(config: resolved)
      for note in setup.notes { printNote(note) }  // notes and warnings: even with --quiet
      simulation = Run(setup: setup, outputDirectory: out)
      simulation.warn = { printNote($0) }
    } catch {
      printError(error.description)
      throw ExitCode(error.exitCode)
    }
    let display = ProgressDisplay(enabled: !quiet && isatty(2) != 0, logTEnd: resolved.resolvedLogTEnd)
    simulation.progress = { logT, steps in display.update(logT: logT, steps: steps) }

    Interruption.installSignalHandlers()
    let result: RunResult
    do {
      result = try simulation.run(force: force, commandLine: CommandLine.arguments)
    } catch {
      display.finish()
      printError(error.description)
      throw ExitCode(error.exitCode)
    }
    display.finish()
    if !quiet { try emit(Summary(setup: simulation.setup, result: result).text + "\n") }
    if let verdict = result.check, !quiet {
      printNote("--check-at-end: verdict \(verdict.rawValue) (check.json)")
    }
    if let failure = result.checkFailure {
      printNote("warning: --check-at-end: no check.json: \(failure)")
    }
    if resolved.stopWhenSeparated, case .reachedEnd = result.termination {
      let accuracy = result.final["accuracy"].map { String(format: "%.4g", $0) } ?? "?"
      printNote(
        "warning: --stop-when-separated: the data were never separated (accuracy \(accuracy) at t_end); they may "
          + "not be separable by this network: try --bias-feature, wider layers or a larger --t-end")
    }
    switch result.termination {
    case .reachedEnd, .reachedMinimizer, .stopCondition: return
    case .interrupted:
      printError(terminationText(result, config: resolved))
      throw ExitCode(130)
    default:
      printError(terminationText(result, config: resolved))
      throw ExitCode(1)
    }
  }
}
