import Foundation

/// What is checked at θ(0), before a run writes anything: the flow's velocity
/// d(state)/dt = exp(logScale) · direction and the network's outputs must be finite, a ρ end must lie ahead, and a start where
/// the velocity is exactly zero — a stationary point, from which the flow never moves — is reported.
///
/// A velocity that is not finite at t = 0 comes from inputs too large for a double (features or
/// weights of 1e200 make the outputs, and exp(−q_n), overflow): it is refused naming the data and
/// weights with their largest magnitudes (exit 65 when they came from files, 64 when from options).
/// Zero velocity comes from zero or underflowed weights (every gradient is a product of the other
/// layers' weights, so K ≥ 2 layers at 0 stay at 0), or from hidden units that are inactive on every
/// sample (ReLU passes no gradient through z ≤ 0), or from a loss that underflows to 0. Weights so
/// small that ρ(0) = Π_k ‖W_k‖ underflows to 0 are reported the same way: the outputs are 0, the
/// normalized margin is undefined, and the flow moves at a speed below any printed digit.
enum StartCheck {
  /// The stationary-start warning, or nil when the flow moves.
  static func run(
    setup: RunSetup, flow: any FlowDynamics, probe: StateProbe, initialState: [Double]
  ) throws(RunError) -> String? {
    let config = setup.config
    var direction = [Double](repeating: 0, count: flow.dimension)
    let velocity = initialState.withUnsafeBufferPointer { state in
      direction.withUnsafeMutableBufferPointer { flow.velocity(state: state.baseAddress!, direction: $0.baseAddress!) }
    }
    let largestDirection = direction.reduce(0) { max($0, abs($1)) }
    let speed = Foundation.exp(velocity.logScale) * largestDirection
    let logLoss = initialState.withUnsafeBufferPointer(probe.logLoss)  // runs the forward pass
    let outputsFinite = (0..<probe.network.sampleCount).allSatisfy { probe.network.margins[$0].isFinite }
    guard outputsFinite, !logLoss.isNaN, !velocity.logScale.isNaN, velocity.logScale < .infinity,
      largestDirection.isFinite, !speed.isNaN,
      speed.isFinite
    else {
      let fromFiles = config.data != nil || config.initialWeights != nil
      let message = nonFiniteMessage(setup: setup)
      throw fromFiles ? .data(message) : .usage(message)
    }
    let rho0 = initialState.withUnsafeBufferPointer(probe.rho)
    if let rhoEnd = config.rhoEnd {
      guard rhoEnd > rho0 else {
        throw .usage(
          "--rho-end \(rhoEnd) is not above ρ(0) = \(String(format: "%.6g", rho0)), the product of the initial "
            + "layer norms, so the run would end at once; choose a --rho-end above \(String(format: "%.6g", rho0))")
      }
    }
    if speed == 0 {
      return "warning: the initial weights are a stationary point of the flow: its velocity is exactly zero "
        + "(\(stationaryReason(setup: setup, logScale: velocity.logScale))), so the weights will not move; "
        + "start from other weights (--seed, --init-scale or --init)"
    }
    if rho0 == 0 {
      let largest = setup.initialWeights.reduce(0) { max($0, abs($1)) }
      return "warning: the initial weights are a stationary point of the flow in floating point: the product "
        + "of the layer norms underflows to 0 (largest |w| = \(largest)), so the outputs are 0, the normalized "
        + "margin is undefined (nan) and the weights move at a speed of \(String(format: "%.3g", speed)); "
        + "start from larger weights (--init-scale or --init)"
    }
    return nil
  }

  private static func stationaryReason(setup: RunSetup, logScale: Double) -> String {
    let largest = setup.initialWeights.reduce(0) { max($0, abs($1)) }
    if largest == 0 { return "every initial weight is zero" }
    if logScale == -.infinity { return "the loss underflows to 0" }
    if largest < 1e-100 { return "the initial weights underflow (largest |w| = \(largest))" }
    return "the gradient vanishes: every hidden unit is inactive on every sample, or the weights underflow"
  }

  private static func nonFiniteMessage(setup: RunSetup) -> String {
    let feature = setup.dataset.inputs.reduce(0) { max($0, abs($1)) }
    let weight = setup.initialWeights.reduce(0) { max($0, abs($1)) }
    let g = { (x: Double) in String(format: "%.3g", x) }
    let fix =
      feature >= weight
      ? "rescale the features (e.g. standardize each column of \(setup.dataSource))"
      : (setup.config.initialWeights != nil
        ? "rescale the initial weights in \(setup.weightsSource)" : "lower --init-scale")
    return "the flow's velocity at the initial weights is not finite: the network's outputs overflow a double "
      + "(largest |feature| \(g(feature)) in \(setup.dataSource), largest |initial weight| \(g(weight)) from "
      + "\(setup.weightsSource)); \(fix)"
  }
}
