import Foundation
import ODE
import Testing

@testable import GradientFlow

/// The Lagrange and weight-normalized flows of a net with two hidden layers with ``DeepFilippovFlow``'s
/// layer-weighted slopes (`layerScales`), on ``DeepSlidingTests``' problem: the layer-2 unit starts on its
/// kink for sample 2 and the pair attracts. Its z depends on W_1 and W_2, whose factors a_k = ‖W_k‖²/c_k²
/// differ (‖W_1‖² = 2.13, ‖W_2‖² = 0.7825 at the start), so only the a_k-weighted slope solve gives ż_p = 0.
@Suite struct NormalizedDeepKinksTests {
  static func solve(
    _ dynamics: DynamicsKind, scales: [Double], slopes: Slopes, tEnd: Double, rtol: Double
  ) throws -> (weights: [Double], evaluations: Int, success: Bool) {
    let (inputs, labels) = (DeepSlidingTests.inputs, DeepSlidingTests.labels)
    let network = try NetworkEvaluator(architecture: DeepSlidingTests.architecture, inputs: inputs, labels: labels)
    let field: (any FlowDynamics)?
    switch slopes {
    case .relu: field = nil
    case .unweighted: field = try DeepFilippovFlow(network: network, inputs: inputs, loss: .exponential)
    case .weighted:
      field = try DeepFilippovFlow(
        network: network, inputs: inputs, loss: .exponential, layerScales: dynamics == .lagrange ? [1] : scales)
    }
    let flow: any FlowDynamics =
      dynamics == .lagrange
      ? LagrangeFlow(network: network, loss: .exponential, slopes: field)
      : try WeightNormFlow(network: network, loss: .exponential, scales: scales, slopes: field)
    var options = SolverOptions()
    options.tolerances = Tolerances(relative: rtol, absolute: rtol * 1e-2)
    options.maxSteps = 3_000_000
    let solution = try ODESolver(system: FlowSystem(dynamics: flow), options: options)
      .solve(from: 0, to: tEnd, initialState: try flow.initialState(weights: DeepSlidingTests.theta0))
    var theta = [Double](repeating: 0, count: DeepSlidingTests.theta0.count)
    solution.finalState.withUnsafeBufferPointer { flow.weights(from: $0.baseAddress!, into: &theta) }
    return (theta, solution.statistics.rhsEvaluations, solution.termination.isSuccess)
  }

  enum Slopes { case relu, unweighted, weighted }

  static let cases: [(DynamicsKind, [Double])] = [(.lagrange, [1]), (.weightnorm, [1]), (.weightnorm, [0.5, 2, 1])]

  @Test(arguments: 0..<3)
  func weightedSlopesHoldTheKinkAndAgreeWithTheChatteringLimit(index: Int) throws {
    let (dynamics, scales) = Self.cases[index]
    let tEnd = 0.2
    let weighted = try Self.solve(dynamics, scales: scales, slopes: .weighted, tEnd: tEnd, rtol: 1e-10)
    let looser = try Self.solve(dynamics, scales: scales, slopes: .weighted, tEnd: tEnd, rtol: 1e-8)
    let plain = try Self.solve(dynamics, scales: scales, slopes: .relu, tEnd: tEnd, rtol: 1e-6)
    #expect(weighted.success && looser.success && plain.success)
    // On the kink to rounding (the pull-back holds it; as DeepSlidingTests' 1e-10).
    #expect(abs(DeepSlidingTests.slidingPreActivation(weighted.weights)) < 1e-10, "\(weighted.weights)")
    for i in 0..<weighted.weights.count {
      let exact = weighted.weights[i]
      // Converged in the tolerance (smooth sliding field: error ∝ tol, 1e-7 for rtol 1e-8 over ~1 time unit).
      #expect(abs(looser.weights[i] - exact) < 1e-7 * max(abs(exact), 1))
      // The chattering plain flow reaches the Filippov solution to first order in its tolerance (1e-5 at rtol
      // 1e-6, as for the unconstrained flow in DeepSlidingTests). Independent of the slope solve.
      #expect(abs(plain.weights[i] - exact) < 1e-5 * max(abs(exact), 1), "\(i): \(plain.weights[i]) vs \(exact)")
    }
    #expect(abs(weighted.weights[6] - DeepSlidingTests.theta0[6]) > 1e-3)  // the state moved
    #expect(plain.evaluations > 20 * looser.evaluations, "\(plain.evaluations) vs \(looser.evaluations)")
  }
}
