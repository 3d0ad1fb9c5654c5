import Foundation
import Testing

@testable import ODE

/// ``SolverOptions/nearStationaryFactor`` (`stiff_minimizer` `early`): while the stationary stop is within the
/// factor of holding, the kinked rule's warm-up is waived and three stiff verdicts switch to msbdf. The problem
/// is y' = −λ(y − 1), λ = 100, at its equilibrium; the explicit engine steps at h·λ = 2 (every check a stiff
/// verdict) and leaves y = 1 ± 1e-9, the jitter of an explicit method held at its stability limit, so the stop
/// |y − 1| ≤ 1e-11 never holds on its steps; msbdf converges to y = 1 and the stop holds.
@Suite struct NearStationarySwitchTests {
  static let lambda = 100.0

  /// Fixed steps 2/λ that leave y at 1 ± 1e-9.
  final class JitterEngine: StepEngine {
    var rejectedSteps: Int { 0 }
    var ownEvaluations: Int { 0 }
    var failureMessage: String? { nil }
    private var sign = 1.0
    func step(t: inout Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> StepResult {
      t = min(t + 2 / NearStationarySwitchTests.lambda, target)
      sign = -sign
      y[0] = 1 + 1e-9 * sign
      h = 2 / NearStationarySwitchTests.lambda
      return .accepted
    }
  }

  static func solve(factor: Double?) throws -> ODESolution {
    let system = ClosureSystem(dimension: 1) { _, y, dydt in dydt[0] = -lambda * (y[0] - 1) }
    var options = makeOptions(.auto, rtol: 1e-8, atol: 1e-10)
    options.stepEngine = { _, _ in JitterEngine() }
    options.stepEngineName = "jitter"
    options.switching = .kinked
    options.maxSteps = 10_000
    options.nearStationaryFactor = factor
    // log(1e-11) − log|y − 1|: ≥ 0 at the equilibrium to 1e-11; −4.6 at the jitter, within a factor 1e4 (−9.2).
    options.stopConditions = [
      StopCondition(name: "stationary", kind: .stationary) { _, y in log(1e-11) - log(max(abs(y[0] - 1), 1e-300)) }
    ]
    return try ODESolver(system: system, options: options).solve(from: 0, to: 1e4, initialState: [1 + 1e-9])
  }

  @Test func nearTheEquilibriumTheWarmUpIsWaived() throws {
    let early = try Self.solve(factor: 1e4)
    #expect(early.termination.kind == .reachedMinimizer, "\(early.termination)")
    let first = try #require(early.statistics.stepperSwitches.first)
    #expect(first.to == "msbdf")
    // Three verdicts at a check every 20 steps: the switch comes within the first hundred steps (t = 2/λ each).
    #expect(first.time <= 100 * 2 / Self.lambda, "\(first)")
    // Without the factor the rule waits out its 2,000-step warm-up and 50 verdicts.
    let waited = try Self.solve(factor: nil)
    #expect(waited.termination.kind == .reachedMinimizer, "\(waited.termination)")
    let late = try #require(waited.statistics.stepperSwitches.first)
    #expect(late.time >= Double(StiffnessSwitching.kinked.warmUpSteps) * 2 / Self.lambda, "\(late)")
  }

  @Test func farFromItTheWarmUpHolds() throws {
    // A factor of 10 does not reach the jitter's ratio (1e2 above the threshold): the warm-up holds.
    let solution = try Self.solve(factor: 10)
    let first = try #require(solution.statistics.stepperSwitches.first)
    #expect(first.time >= Double(StiffnessSwitching.kinked.warmUpSteps) * 2 / Self.lambda, "\(first)")
  }
}
