/// What the Filippov flows count for the run's report.
public protocol FilippovCounting: AnyObject {
  /// Evaluations whose candidate pairs exceeded the slope solver's capacity (the pairs beyond it kept
  /// their ReLU slopes for that evaluation).
  var overflowCount: Int { get }
  /// Sliding pairs (slope in (0, 1)) at the last right-hand side evaluation.
  var slidingPairCount: Int { get }
}

/// Builds the dynamics of `--sliding filippov` from a config (kept apart from ``DynamicsKind``,
/// whose conformers need only the network).
enum SlidingSetup {
  /// A ``FilippovFlow`` (two layers) or ``DeepFilippovFlow`` (three or more) for the unconstrained
  /// dynamics of a ReLU net; a usage error otherwise.
  static func makeFilippovFlow(
    kinks: KinkOptions, problem: Problem, gradientDescent: Bool, network: NetworkEvaluator
  ) throws(ModelError) -> any FlowDynamics {
    guard problem.dynamics == .unconstrained else {
      throw .invalidArchitecture(
        "--sliding filippov is implemented for --dynamics unconstrained only (got \(problem.dynamics.rawValue)); use --sliding off"
      )
    }
    guard !gradientDescent else {
      throw .invalidArchitecture("--sliding filippov applies to the flow, not to gradient descent (--gd-step)")
    }
    let inputs = problem.dataset.inputs
    if network.architecture.depth >= 3 {
      return try DeepFilippovFlow(network: network, inputs: inputs, loss: problem.loss, band: kinks.band)
    }
    return try FilippovFlow(network: network, inputs: inputs, loss: problem.loss, band: kinks.band)
  }

  /// The checks of `--sliding corrected` (``CrossingCorrectedStepper``): the unconstrained flow (not gradient
  /// descent) of a relu or leaky-relu net with a hidden layer.
  static func validateCorrected(problem: Problem, gradientDescent: Bool) throws(ModelError) {
    guard problem.dynamics == .unconstrained, !gradientDescent else {
      throw .invalidArchitecture(
        "--sliding corrected is implemented for the unconstrained flow (--dynamics unconstrained, no --gd-step); "
          + "use --sliding off")
    }
    try CrossingCorrectedStepper.checkArchitecture(problem.architecture)
  }

  /// The checks both Filippov flows make of their arguments.
  static func validate(network: NetworkEvaluator, inputs: [Double], band: Double, pullBack: Double)
    throws(ModelError)
  {
    guard inputs.count == network.sampleCount * network.architecture.inputDimension else {
      throw .invalidArchitecture(
        "the Filippov flow got \(inputs.count) input values for \(network.sampleCount) samples")
    }
    guard band > 0, band < 1, pullBack >= 0 else {
      throw .invalidArchitecture(
        "the sliding band must lie in (0, 1) and the pull-back be ≥ 0 (got \(band), \(pullBack))")
    }
  }
}
