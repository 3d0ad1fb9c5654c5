/// What the Filippov flows count for the run's report.
public protocol FilippovCounting: AnyObject {
  /// Evaluations whose candidate pairs exceeded the slope solver's capacity (the pairs beyond it kept
  /// their ReLU slopes for that evaluation).
  var overflowCount: Int { get }
  /// Sliding pairs (slope in (0, 1)) at the last right-hand side evaluation.
  var slidingPairCount: Int { get }
  /// Pairs given an exit slope from a repelling surface at the last evaluation (``RepellingExit`` `rule`).
  var exitPairCount: Int { get }
  /// Evaluations that gave a pair an exit slope, and evaluations with a unit of two or more repelling pairs in
  /// its band (``RepellingExitRule``).
  var repellingExitCount: Int { get }
  var unresolvedRepellingCount: Int { get }
}

extension FilippovCounting {
  public var exitPairCount: Int { 0 }
  public var repellingExitCount: Int { 0 }
  public var unresolvedRepellingCount: Int { 0 }
}

/// Builds the dynamics of `--sliding filippov` from the kink options and the problem (kept apart from ``DynamicsKind``,
/// whose conformers need only the network).
enum SlidingSetup {
  /// A ``FilippovFlow`` (two layers) or ``DeepFilippovFlow`` (three or more) for the unconstrained
  /// dynamics of a ReLU net; for the Lagrange and weight-normalized flows of a ReLU net, that flow with those
  /// slopes (``LagrangeFlow/slopes``; the deep flow's layer metric set by the flow); a usage error otherwise.
  /// `dynamics` overrides the problem's (the unconstrained Filippov field of a normalized flow, for its
  /// observables).
  static func makeFilippovFlow(
    kinks: KinkOptions, problem: Problem, dynamics: DynamicsKind? = nil, gradientDescent: Bool,
    network: NetworkEvaluator
  ) throws(ModelError) -> any FlowDynamics {
    let dynamics = dynamics ?? problem.dynamics
    guard !gradientDescent else {
      throw .invalidArchitecture("--sliding filippov applies to the flow, not to gradient descent (--gd-step)")
    }
    let (inputs, loss, band, surfaces) = (problem.dataset.inputs, problem.loss, kinks.band, kinks.surfaces)
    guard dynamics == .unconstrained else {
      // Deeper pairs' rates mix the layers' different factors a_k: the deep flow's layer metric, which the
      // normalized flow sets (``DeepFilippovFlow/layerMetric``).
      let slopes: any FlowDynamics =
        network.architecture.depth == 2
        ? try FilippovFlow(network: network, inputs: inputs, loss: loss, band: band, surfaces: surfaces)
        : try DeepFilippovFlow(
          network: network, inputs: inputs, loss: loss, band: band, deepSliding: kinks.deepSliding)
      if dynamics == .lagrange { return LagrangeFlow(network: network, loss: loss, slopes: slopes) }
      return try WeightNormFlow(network: network, loss: loss, scales: problem.wnScale, slopes: slopes)
    }
    if network.architecture.depth >= 3 {
      return try DeepFilippovFlow(
        network: network, inputs: inputs, loss: loss, band: band, deepSliding: kinks.deepSliding)
    }
    let flow = try FilippovFlow(network: network, inputs: inputs, loss: loss, band: band, surfaces: surfaces)
    flow.repellingExit = kinks.repellingExit
    return flow
  }

  /// The minimizer test's field (``MinimizerVelocity/clarke``): the unconstrained Filippov flow of the problem's
  /// ReLU net on a network of its own, without pull-back or crossing rule, so that its direction is the
  /// least-norm element of the Filippov set over the band's pairs.
  static func makeStationarityField(kinks: KinkOptions, problem: Problem, blocks: NetworkBlocks) throws
    -> any FlowDynamics & FilippovCounting
  {
    let (architecture, inputs, labels) = (problem.architecture, problem.dataset.inputs, problem.dataset.labels)
    let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels, blocks: blocks)
    if architecture.depth >= 3 {
      let flow = try DeepFilippovFlow(
        network: network, inputs: inputs, loss: problem.loss, band: kinks.band, pullBack: 0,
        deepSliding: kinks.deepSliding)
      flow.keepsCrossings = false
      return flow
    }
    let flow = try FilippovFlow(
      network: network, inputs: inputs, loss: problem.loss, band: kinks.band, pullBack: 0, surfaces: kinks.surfaces)
    flow.keepsCrossings = false
    return flow
  }

  /// `corrected` applies to the flow (not gradient descent) of a relu or leaky-relu net with a hidden layer;
  /// for the Lagrange and weight-normalized flows, of a ReLU net with one hidden layer.
  static func validateCorrected(problem: Problem, gradientDescent: Bool) throws(ModelError) {
    guard !gradientDescent else {
      throw .invalidArchitecture(
        "--sliding corrected applies to the flow, not to gradient descent (--gd-step); use --sliding off")
    }
    try CrossingCorrectedStepper.checkArchitecture(problem.architecture)
    let architecture = problem.architecture
    guard problem.dynamics == .unconstrained || (architecture.depth == 2 && architecture.activation == .relu) else {
      throw .invalidArchitecture(
        "--sliding corrected is implemented for --dynamics \(problem.dynamics.rawValue) of a relu net with one "
          + "hidden layer only (this net: \(architecture.depth - 1) hidden, \(architecture.activation.rawValue)); "
          + "use --dynamics unconstrained or --sliding off")
    }
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
