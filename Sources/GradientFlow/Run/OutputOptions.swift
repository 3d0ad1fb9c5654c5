/// What a run writes besides trajectory.csv, run.json and the initial and final weights.
public struct OutputOptions: Sendable, Equatable {
  /// Also write the weights at every save to `weights.csv` (long format).
  public var saveWeights = false

  public init() {}

  init(config: SimulationConfig) {
    saveWeights = config.saveWeights
  }
}
