/// Builds the dynamics of `--sliding filippov` from a config (kept apart from ``DynamicsKind``,
/// whose conformers need only the network).
enum SlidingSetup {
  /// A ``FilippovFlow`` (two layers) or ``DeepFilippovFlow`` (three or more) for the unconstrained
  /// dynamics of a ReLU net; a usage error otherwise.
  static func makeFilippovFlow(config: SimulationConfig, network: NetworkEvaluator, inputs: [Double])
    throws(ModelError) -> any FlowDynamics
  {
    guard config.dynamics == .unconstrained else {
      throw .invalidArchitecture(
        "--sliding filippov is implemented for --dynamics unconstrained only (got \(config.dynamics.rawValue)); use --sliding off"
      )
    }
    guard config.gdStep == nil else {
      throw .invalidArchitecture("--sliding filippov applies to the flow, not to gradient descent (--gd-step)")
    }
    let band = config.slidingBand ?? SimulationConfig.defaultSlidingBand(rtol: config.rtol)
    if network.architecture.depth >= 3 {
      return try DeepFilippovFlow(network: network, inputs: inputs, loss: config.loss, band: band)
    }
    return try FilippovFlow(network: network, inputs: inputs, loss: config.loss, band: band)
  }
}
