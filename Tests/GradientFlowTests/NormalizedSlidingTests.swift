import Foundation
import ODE
import Testing

@testable import GradientFlow

/// The Lagrange and weight-normalized flows with ``FilippovFlow``'s slopes (issue 17 item 4) on the provably
/// sliding problem of ``SlidingTests``. On its sliding surface w = (u, −u) the unconstrained Filippov
/// direction of layer 1 is (a e^{−au}/2)(1, −1), parallel to w, and layer 2 is a scalar: both tangent
/// projections vanish, so every layer moves radially, ρ̇_k = ν/ρ_k with ν = Σ_n a_n q_n = a u e^{−au}. With
/// ρ_1 = √2 u and ρ_2 = a that is u̇ = a e^{−au}/2, ȧ = u e^{−au}: the unconstrained reduced ODE, which
/// ``SlidingTests/reducedSolution(u0:a0:t:)`` integrates independently of any network code.
@Suite struct NormalizedSlidingTests {
  static func solve(_ dynamics: DynamicsKind, filippov: Bool, tEnd: Double, rtol: Double) throws
    -> (weights: [Double], evaluations: Int, success: Bool)
  {
    let network = try NetworkEvaluator(
      architecture: SlidingTests.architecture, inputs: SlidingTests.inputs, labels: SlidingTests.labels)
    let slopes = filippov ? try FilippovFlow(network: network, inputs: SlidingTests.inputs, loss: .exponential) : nil
    let flow: any FlowDynamics =
      dynamics == .lagrange
      ? LagrangeFlow(network: network, loss: .exponential, slopes: slopes)
      : try WeightNormFlow(network: network, loss: .exponential, scales: [1], slopes: slopes)
    var options = SolverOptions()
    options.tolerances = Tolerances(relative: rtol, absolute: rtol * 1e-2)
    options.maxSteps = 300_000
    let solution = try ODESolver(system: FlowSystem(dynamics: flow), options: options)
      .solve(from: 0, to: tEnd, initialState: try flow.initialState(weights: [0.5, -0.5, 0.8]))
    var theta = [Double](repeating: 0, count: 3)
    solution.finalState.withUnsafeBufferPointer { flow.weights(from: $0.baseAddress!, into: &theta) }
    return (theta, solution.statistics.rhsEvaluations, solution.termination.isSuccess)
  }

  @Test(arguments: [DynamicsKind.lagrange, .weightnorm])
  func normalizedFlowsSlideOnTheFilippovSolution(dynamics: DynamicsKind) throws {
    let exact = try SlidingTests.reducedSolution(u0: 0.5, a0: 0.8, t: 100)
    let run = try Self.solve(dynamics, filippov: true, tEnd: 100, rtol: 1e-10)
    #expect(run.success)
    let w = run.weights
    #expect(abs(w[0] + w[1]) < 1e-9)  // on the surface (rounding held by the pull-back, as for the unconstrained flow)
    // The reduced solution to the integration tolerance over ~10 time constants (as SlidingTests' 1e-8).
    #expect(abs(w[0] - exact.u) < 1e-8 * exact.u, "\(dynamics): u \(w[0]) vs \(exact.u)")
    #expect(abs(w[2] - exact.a) < 1e-8 * exact.a, "\(dynamics): a \(w[2]) vs \(exact.a)")
    #expect(run.evaluations < 5_000)
  }

  @Test(arguments: [DynamicsKind.lagrange, .weightnorm])
  func withoutTheSlopesTheyChatter(dynamics: DynamicsKind) throws {
    // At rtol 1e-6 to t = 0.2 the plain normalized flow is affordable and many times dearer.
    let plain = try Self.solve(dynamics, filippov: false, tEnd: 0.2, rtol: 1e-6)
    let filippov = try Self.solve(dynamics, filippov: true, tEnd: 0.2, rtol: 1e-6)
    let exact = try SlidingTests.reducedSolution(u0: 0.5, a0: 0.8, t: 0.2)
    #expect(plain.success && filippov.success)
    #expect(abs(filippov.weights[2] - exact.a) < 1e-7 * exact.a)
    #expect(plain.evaluations > 20 * filippov.evaluations, "\(plain.evaluations) vs \(filippov.evaluations)")
  }
}

/// `alignment` (THEORY P3) uses the velocity the flow follows on sliding pairs (issue 17 item 6).
@Suite struct SlidingAlignmentTests {
  @Test func alignmentUsesTheFilippovVelocityOnASlidingState() throws {
    // θ = (w, a) = (0.5, −0.5, 0.8): pair 2 (x_2 = (1, 1)) sits on its kink, z_2 = 0 exactly, and slides
    // (SlidingTests). With q_1 = 0.4, q_2 = 0 the Filippov velocity is ∝ e^{−0.4}(0.4, −0.4, 0.5) (slope
    // e^{−0.4}/2 on pair 2), the one-sided backprop gradient (σ'(0) = 0) ∝ e^{−0.4}(0.8, 0, 0.5). So
    // β = 0.8/(‖θ‖·‖(0.4, −0.4, 0.5)‖) with the field and 0.8/(‖θ‖·‖(0.8, 0, 0.5)‖) without.
    let theta: [Double] = [0.5, -0.5, 0.8]
    func observables(withField: Bool) throws -> Observables {
      let network = try NetworkEvaluator(
        architecture: SlidingTests.architecture, inputs: SlidingTests.inputs, labels: SlidingTests.labels)
      let observables = Observables(network: network, loss: .exponential, initialWeights: theta)
      if withField {
        let fieldNetwork = try NetworkEvaluator(
          architecture: SlidingTests.architecture, inputs: SlidingTests.inputs, labels: SlidingTests.labels)
        observables.velocityField = try FilippovFlow(
          network: fieldNetwork, inputs: SlidingTests.inputs, loss: .exponential)
      }
      theta.withUnsafeBufferPointer { observables.compute(t: 1, theta: $0.baseAddress!, patternChanges: 0) }
      return observables
    }
    let thetaNorm = (0.25 + 0.25 + 0.64).squareRoot()
    let filippov = try #require(try observables(withField: true).value("alignment"))
    let oneSided = try #require(try observables(withField: false).value("alignment"))
    // 1e-12: a handful of roundings in the norms and dot products.
    #expect(abs(filippov - 0.8 / (thetaNorm * (0.16 + 0.16 + 0.25).squareRoot())) < 1e-12, "\(filippov)")
    #expect(abs(oneSided - 0.8 / (thetaNorm * (0.64 + 0.25).squareRoot())) < 1e-12, "\(oneSided)")
  }
}
