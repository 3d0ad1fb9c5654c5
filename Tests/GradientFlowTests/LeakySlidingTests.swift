import Foundation
import ODE
import Testing

@testable import GradientFlow

/// Filippov sliding for leaky ReLU (σ' = α below the kink): the slope of a sliding pair lies in [α, 1].
///
/// The problem of ``SlidingTests`` with a leaky unit: x_1 = (1, 0), y_1 = +1, x_2 = (1, 1), y_2 = −1, one
/// unit f(x) = a σ(w·x). On z_2 = 0 (q_2 = 0, a_2 = 1) a slope s on pair 2 gives ż_2 = a(a_1 − 2s): slope 1
/// pushes z_2 down, slope α up while a_1 = e^{−au} > 2α. The Filippov slope is s = a_1/2 again, σ(0) = 0
/// leaves ȧ unchanged, so the sliding motion is the ReLU one, u̇ = a e^{−au}/2, ȧ = u e^{−au}, until
/// e^{−au} = 2α. From u = 0.5, a = 0.8 that is after t = 10 for α = 0.01 (e^{−au(10)} = 0.029, scipy).
@Suite struct LeakySlidingTests {
  static let architecture = try! Architecture(
    inputDimension: 2, hiddenWidths: [1], activation: .leakyRelu, leakySlope: 0.01)
  static let theta0: [Double] = [0.5, -0.5, 0.8]

  static func corrected(leakySliding: Bool, tEnd: Double, rtol: Double) throws -> ODESolution {
    let (inputs, labels) = (SlidingTests.inputs, SlidingTests.labels)
    let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
    var options = SolverOptions()
    options.tolerances = Tolerances(relative: rtol, absolute: rtol * 1e-2, errorNorm: .rms)
    options.maxSteps = 400_000
    options.stepEngine = { _, tolerances throws(ODEError) in
      do {
        return try CrossingCorrectedStepper(
          architecture: architecture, inputs: inputs, labels: labels, loss: .exponential, tolerances: tolerances,
          slidingBand: 100 * rtol, leakySliding: leakySliding)
      } catch { throw .invalidOptions("\(error)") }
    }
    return try ODESolver(
      system: FlowSystem(dynamics: UnconstrainedFlow(network: network, loss: .exponential)), options: options
    ).solve(from: 0, to: tEnd, initialState: theta0)
  }

  @Test func filippovFlowOfALeakyUnitFollowsTheSlidingSolution() throws {
    let network = try NetworkEvaluator(
      architecture: Self.architecture, inputs: SlidingTests.inputs, labels: SlidingTests.labels)
    let flow = try FilippovFlow(network: network, inputs: SlidingTests.inputs, loss: .exponential)
    var options = SolverOptions()
    options.tolerances = Tolerances(relative: 1e-10, absolute: 1e-12)
    let solution = try ODESolver(system: FlowSystem(dynamics: flow), options: options)
      .solve(from: 0, to: 10, initialState: Self.theta0)
    let exact = try SlidingTests.reducedSolution(u0: 0.5, a0: 0.8, t: 10)
    let w = solution.finalState
    #expect(solution.termination.isSuccess)
    #expect(abs(w[0] + w[1]) < 1e-10)  // on the surface (as the ReLU test)
    // The sliding solution to the tolerance (1e-10 over a few time constants).
    #expect(abs(w[0] - exact.u) < 1e-8 * exact.u)
    #expect(abs(w[2] - exact.a) < 1e-8 * exact.a)
    #expect(solution.statistics.rhsEvaluations < 3_000)
  }

  @Test func slopeOfALeakySlidingPairIsTheFilippovOne() throws {
    // At w = (0.5, −0.5), a = 0.8: q_1 = 0.4, q_2 = 0, so ẇ = a(c_1 x_1 + s c_2 x_2) with s = e^{−0.4}/2
    // and c = (e^{−0.4}, −1)/Z: ẇ = (0.8/Z)(e^{−0.4}/2)(1, −1), the ReLU value; one-sided (σ'(0) = α) it
    // would be (0.8/Z)(e^{−0.4} − α, −α).
    let network = try NetworkEvaluator(
      architecture: Self.architecture, inputs: SlidingTests.inputs, labels: SlidingTests.labels)
    let flow = try FilippovFlow(network: network, inputs: SlidingTests.inputs, loss: .exponential)
    var direction = [Double](repeating: 0, count: 3)
    _ = flow.velocity(state: Self.theta0, direction: &direction)
    let z = exp(-0.4) + 1
    let expected = 0.8 / z * exp(-0.4) / 2
    #expect(flow.slidingPairCount == 1)
    // Relative 1e-13: a few roundings of the slope solve (the one-sided value differs by α/e^{−0.4} ≈ 1.5e-2).
    #expect(abs(direction[0] - expected) < 1e-13 * expected)
    #expect(abs(direction[1] + expected) < 1e-13 * expected)
  }

  @Test func correctedStepsSlideOnALeakyKink() throws {
    let exact = try SlidingTests.reducedSolution(u0: 0.5, a0: 0.8, t: 10)
    let sliding = try Self.corrected(leakySliding: true, tEnd: 10, rtol: 1e-8)
    let oneSided = try Self.corrected(leakySliding: false, tEnd: 10, rtol: 1e-8)
    #expect(sliding.termination.isSuccess && oneSided.termination.isSuccess)
    // rtol 1e-8: the corrected steps' error stays within 1e-7 of the closed form here (measured 1e-9).
    #expect(abs(sliding.finalState[2] - exact.a) < 1e-7 * exact.a)
    #expect(abs(sliding.finalState[0] - exact.u) < 1e-7 * exact.u)
    // Without the sliding treatment the steps chatter across z_2 = 0: far dearer (measured ≥ 50×).
    #expect(oneSided.statistics.rhsEvaluations > 10 * sliding.statistics.rhsEvaluations)
  }
}
