/// What a run writes besides trajectory.csv, run.json and the initial and final weights, and whether it
/// checks its end state.
public struct OutputOptions: Sendable, Equatable {
  /// Also write the weights at every save to `weights.csv` (long format).
  public var saveWeights = false
  /// Also write every sample's margin at every `marginsEvery`-th save to `margins.csv` (long format).
  public var saveMargins = false
  public var marginsEvery = 1
  /// Run the checker on the final state and write check.json and check.csv (`--check-at-end`).
  public var checkAtEnd = false

  public init() {}

  init(config: RunConfig) {
    saveWeights = config.saveWeights
    saveMargins = config.saveMargins
    marginsEvery = config.marginsEvery
    checkAtEnd = config.checkAtEnd
  }

  /// Checks the output options of a config: the one place each is validated.
  static func validate(_ c: RunConfig) throws(RunError) {
    guard c.marginsEvery >= 1 else { throw .usage("--margins-every must be at least 1 (got \(c.marginsEvery))") }
  }
}
