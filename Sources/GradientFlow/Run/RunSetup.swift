import Foundation
import ODE

/// A run, resolved from a ``RunConfig``: the ``Problem`` (what is simulated), the ``SolveOptions``
/// (how it is integrated) and the ``OutputOptions`` (what is written), each validated once where it is
/// built. `config` is the resolved config that run.json records (absolute paths, the generator, the widths
/// and the sliding mode filled in), so that `gradflow simulate --config run.json` replays the run.
public struct RunSetup {
  public let config: RunConfig
  public let problem: Problem
  public let solve: SolveOptions
  public let output: OutputOptions

  /// Resolves `config`. Input files over `limits` (default ``ResourceLimits/fromEnvironment(_:override:)``)
  /// and runs whose ``MemoryEstimate`` exceeds them are refused before anything large is read or allocated.
  public init(config: RunConfig, limits: ResourceLimits? = nil) throws(RunError) {
    var config = config
    try SolveOptions.validate(config)
    try OutputOptions.validate(config)
    let limits = try ResourceLimits.fromEnvironment(override: limits)
    problem = try Problem.load(config: &config, limits: limits)
    solve = SolveOptions(config: config, problem: problem)
    output = OutputOptions(config: config)
    config.sliding = solve.kinks.sliding
    self.config = config
  }

  public var dataset: Dataset { problem.dataset }
  public var architecture: Architecture { problem.architecture }
  public var initialWeights: [Double] { problem.initialWeights }
  public var notes: [String] { problem.notes }
  public var dataSource: String { problem.dataSource }
  public var weightsSource: String { problem.weightsSource }

  /// The ``MemoryEstimate`` of the resolved run (recorded in run.json beside the measured peak RSS).
  public var memoryEstimate: MemoryEstimate {
    MemoryEstimate(
      samples: dataset.count, features: dataset.dimension, hiddenWidths: architecture.hiddenWidths,
      stepper: config.heaviestStepper, saves: config.saves)
  }
}

/// Why a simulation could not run or did not finish; ``exitCode`` follows sysexits.
public enum RunError: Error, Sendable, CustomStringConvertible {
  /// Impossible options, an unusable output directory, or a run over the memory limit (exit 64, EX_USAGE).
  case usage(String)
  /// A dataset or initial-weights file that cannot be used: missing, unreadable, malformed, too large,
  /// or not matching the data or network (exit 65, EX_DATAERR).
  case data(String)
  /// The solver options were rejected before the run (exit 64).
  case solver(String)
  /// An output file could not be written (exit 1).
  case output(String)

  public var description: String {
    switch self {
    case .usage(let m), .data(let m), .solver(let m), .output(let m): m
    }
  }

  public var exitCode: Int32 {
    switch self {
    case .usage, .solver: 64
    case .data: 65
    case .output: 1
    }
  }
}
