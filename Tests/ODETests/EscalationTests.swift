import Foundation
import Testing

@testable import ODE

/// ``SolverOptions/implicitEngineEscalates`` (`stiff_kinks` `escalate`): when msbdf is handed back as costlier
/// at every switch up to the last one allowed, the solve goes on with the implicit engine instead of ending on
/// the explicit method. The problem is y' = −λ(y − cos t), λ = 100, solved in closed form by both engines: the
/// explicit one steps at h·λ = 2 (every stiffness check a stiff verdict) and counts no evaluations of its own,
/// so msbdf, whatever it takes, costs more per unit t and is handed back each time; the implicit engine takes
/// long closed-form steps. Where the solve ends and what it records say which method took the last stretch.
@Suite struct EscalationTests {
  static let lambda = 100.0

  /// y(t) from y(t0) = y0, in closed form.
  static func exact(from t0: Double, _ y0: Double, to t: Double) -> Double {
    let particular = { (t: Double) in lambda * (lambda * cos(t) + sin(t)) / (lambda * lambda + 1) }
    return particular(t) + (y0 - particular(t0)) * exp(-lambda * (t - t0))
  }

  /// Steps the closed-form solution: at a fixed step (`fixed`) or doubling its step up to the target.
  final class ClosedFormEngine: StepEngine {
    let fixed: Double?
    var rejectedSteps: Int { 0 }
    var ownEvaluations: Int { 0 }
    var failureMessage: String? { nil }
    private(set) var steps = 0
    init(fixed: Double? = nil) { self.fixed = fixed }
    func step(t: inout Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> StepResult {
      let size = fixed ?? max(h, 1e-3)
      let end = min(t + size, target)
      y[0] = EscalationTests.exact(from: t, y[0], to: end)
      t = end
      h = fixed ?? 2 * size
      steps += 1
      return .accepted
    }
  }

  /// The solve to t = 20 with the closed-form explicit engine, msbdf held to rtol 1e-13 (the policy's scale
  /// 1e-6, floored), and `implicit` as the implicit engine (nil: msbdf only).
  static func solve(implicit: ClosedFormEngine?, escalates: Bool) throws -> ODESolution {
    let system = ClosureSystem(dimension: 1) { t, y, dydt in dydt[0] = -lambda * (y[0] - cos(t)) }
    var options = makeOptions(.auto, rtol: 1e-8, atol: 1e-10)
    options.stepEngine = { _, _ in ClosedFormEngine(fixed: 2 / lambda) }
    options.stepEngineName = "explicit-closed-form"
    options.switching = StiffnessSwitching(
      warmUpSteps: 0, stiffChecks: 3, switchBack: .cost, implicitToleranceScale: 1e-6)
    if let implicit {
      options.implicitEngine = { _, _ in implicit }
      options.implicitEngineName = "closed-form"
      options.implicitEngineEscalates = escalates
    }
    return try ODESolver(system: system, options: options).solve(from: 0, to: 20, initialState: [2])
  }

  @Test func msbdfAloneGivesUpAfterItsSwitches() throws {
    let solution = try Self.solve(implicit: nil, escalates: false)
    #expect(solution.termination == .reachedEnd(t: 20))
    let switches = solution.statistics.stepperSwitches
    #expect(switches.count == StiffnessSwitchingEngine.maximumSwitches, "\(switches.map(\.reason))")
    #expect(solution.statistics.implicitGaveUp)
  }

  @Test func escalateGoesOnWithTheEngineWhenMsbdfGivesUp() throws {
    let engine = ClosedFormEngine()
    let solution = try Self.solve(implicit: engine, escalates: true)
    #expect(solution.termination == .reachedEnd(t: 20))
    let switches = solution.statistics.stepperSwitches
    #expect(switches.count == StiffnessSwitchingEngine.maximumSwitches, "\(switches.map(\.reason))")
    // Every switch before the last is explicit ↔ msbdf, each hand-back because msbdf cost more.
    for (k, s) in switches.dropLast().enumerated() {
      #expect(k % 2 == 0 ? s.to == "msbdf" : (s.from == "msbdf" && s.reason.hasPrefix("costlier")))
    }
    let last = try #require(switches.last)
    #expect(last.from == "msbdf" && last.to == "closed-form" && last.reason.hasPrefix("escalated"), "\(last)")
    #expect(!solution.statistics.implicitGaveUp)
    #expect(engine.steps > 0)
    // After the escalation only the engine steps: the last stretch, from its time to t = 20, is closed form.
    let explicitOnly = try Self.solve(implicit: nil, escalates: false)
    #expect(solution.statistics.stepsAccepted < explicitOnly.statistics.stepsAccepted)
    // msbdf's stretches at rtol 1e-13 and the closed-form ones keep the solution on the exact one.
    #expect(abs(solution.finalState[0] - Self.exact(from: 0, 2, to: 20)) < 1e-9)
  }

  /// Without escalation the engine takes msbdf's place from the first switch (`stiff_kinks` `exact`).
  @Test func withoutEscalationTheEngineIsTheImplicitMethodFromTheStart() throws {
    let solution = try Self.solve(implicit: ClosedFormEngine(), escalates: false)
    #expect(solution.statistics.stepperSwitches.first?.to == "closed-form")
    #expect(solution.statistics.stepperSwitches.allSatisfy { $0.from != "msbdf" && $0.to != "msbdf" })
  }
}
