import Foundation
import ODE
import Testing

/// ``Stepper/auto`` on problems whose stiffness is known in closed form.
@Suite("Stiffness switching")
struct StiffnessSwitchingTests {
  /// y' = −λ(t)(y − cos t): the solution is pulled onto the slow manifold y ≈ cos t at the rate λ(t),
  /// so the problem is stiff exactly where λ(t) is large. For constant λ the solution is
  /// y(t) = λ(λ cos t + sin t)/(λ² + 1) + C e^{−λt}.
  static func relaxation(rate: @escaping @Sendable (Double) -> Double, counter: Counter) -> ClosureSystem {
    ClosureSystem(dimension: 1) { t, y, dydt in
      counter.value += 1
      dydt[0] = -rate(t) * (y[0] - cos(t))
    }
  }

  static func exact(t: Double, lambda: Double, y0: Double) -> Double {
    let particular = { (t: Double) in lambda * (lambda * cos(t) + sin(t)) / (lambda * lambda + 1) }
    return particular(t) + (y0 - particular(0)) * exp(-lambda * t)
  }

  @Test("a stiff linear problem: auto switches to msbdf, matches the closed form, and costs far less than rkf45")
  func switchesWhenStiff() throws {
    let lambda = 1e4
    let calls = Counter()
    let options = makeOptions(.auto, rtol: 1e-8, atol: 1e-10, save: .at([1, 5, 10]))
    let solution = try ODESolver(
      system: Self.relaxation(rate: { _ in lambda }, counter: calls), options: options
    ).solve(from: 0, to: 10, initialState: [2])
    #expect(solution.termination == .reachedEnd(t: 10))
    let s = solution.statistics
    #expect(s.stepperSwitches.count == 1)
    let first = try #require(s.stepperSwitches.first)
    #expect(first.from == "rkf45" && first.to == "msbdf")
    #expect(first.stiffness >= 1.5)
    // Switched within the first few checks once the transient (duration ~10/λ) is over.
    #expect(first.time < 0.05, "switched at t=\(first.time)")
    #expect(s.implicitSteps > 0 && s.jacobianEvaluations > 0)
    for (t, y) in zip(solution.times, solution.states) where t > 0 {
      // The error control keeps the global error at a few rtol relative to |y| ≤ 1 (strongly damped problem).
      #expect(abs(y[0] - Self.exact(t: t, lambda: lambda, y0: 2)) <= 1e-6, "t=\(t) y=\(y[0])")
    }
    let explicitCalls = Counter()
    let explicit = try ODESolver(
      system: Self.relaxation(rate: { _ in lambda }, counter: explicitCalls),
      options: makeOptions(.rkf45, rtol: 1e-8, atol: 1e-10)
    ).solve(from: 0, to: 10, initialState: [2])
    #expect(explicit.termination == .reachedEnd(t: 10))
    // rkf45 is held to h·λ ≈ 3 (≈ 33,000 steps); the BDF steps follow the accuracy of cos t.
    #expect(
      s.rhsEvaluations * 10 < explicit.statistics.rhsEvaluations,
      "\(s.rhsEvaluations) vs \(explicit.statistics.rhsEvaluations)")
    // The explicit solve's own stiffness indicator agrees that its steps sat at the stability limit
    // (it hit no limit, so it was not measured; the auto solve measured it before switching).
    #expect(explicit.statistics.explicitStiffness == 0)
    #expect(calls.value == s.rhsEvaluations)  // the tests' evaluations are counted too
  }

  @Test("stiffness that fades: auto switches to msbdf and back to rkf45")
  func switchesBack() throws {
    // λ = 1e4 until t ≈ 2, then 1: stiff, then not (a smooth step in log λ).
    let rate: @Sendable (Double) -> Double = { t in exp(log(1e4) * 0.5 * (1 - tanh(4 * (t - 2)))) }
    let calls = Counter()
    let solution = try ODESolver(
      system: Self.relaxation(rate: rate, counter: calls), options: makeOptions(.auto, rtol: 1e-8, atol: 1e-10)
    ).solve(from: 0, to: 20, initialState: [1])
    #expect(solution.termination == .reachedEnd(t: 20))
    let switches = solution.statistics.stepperSwitches
    #expect(switches.map(\.to) == ["msbdf", "rkf45"], "\(switches)")
    #expect((switches.first?.time ?? 99) < 1)
    #expect((switches.last?.time ?? 0) > 2)
  }

  @Test("a non-stiff problem never switches and costs rkf45's work plus the tests")
  func staysExplicit() throws {
    let auto = try ODESolver(system: Problems.oscillator(), options: makeOptions(.auto))
      .solve(from: 0, to: 20, initialState: [1, 0])
    let plain = try ODESolver(system: Problems.oscillator(), options: makeOptions(.rkf45))
      .solve(from: 0, to: 20, initialState: [1, 0])
    #expect(auto.statistics.stepperSwitches.isEmpty)
    #expect(auto.finalState == plain.finalState)  // the same rkf45 steps, bit for bit
    #expect(
      auto.statistics.rhsEvaluations == plain.statistics.rhsEvaluations + auto.statistics.stiffnessRHSEvaluations)
    // h·ρ(J) of the oscillator (ρ = 1) stays far below the stability limit.
    #expect(auto.statistics.explicitStiffness < 1)
  }

  @Test("an explicit solve that hits max steps on a stiff problem measures h·ρ(J) at the stability limit")
  func explicitFailureIsDiagnosed() throws {
    var options = makeOptions(.rkf45)
    options.maxSteps = 500
    let solution = try ODESolver(
      system: Self.relaxation(rate: { _ in 1e4 }, counter: Counter()), options: options
    ).solve(from: 0, to: 10, initialState: [1])
    #expect(solution.termination.kind == .maxSteps)
    // β of rkf45 on the negative real axis is about 3; the controller hovers just below it.
    #expect(solution.statistics.explicitStiffness > 1.5 && solution.statistics.explicitStiffness < 4.5)
  }

  @Test("Robertson: auto switches to msbdf and reaches t = 40 at the reference values")
  func robertson() throws {
    let solution = try ODESolver(
      system: Problems.robertson(analyticJacobian: true), options: makeOptions(.auto, rtol: 1e-8, atol: 1e-14)
    ).solve(from: 0, to: 40, initialState: [1, 0, 0])
    #expect(solution.termination == .reachedEnd(t: 40))
    #expect(solution.statistics.stepperSwitches.first?.to == "msbdf")
    for i in 0..<3 {
      // rtol 1e-8 on a dissipative problem: 1e-6 relative is a generous bound on the global error.
      #expect(relativeError(solution.finalState[i], Problems.robertsonAt40[i]) < 1e-6, "component \(i)")
    }
  }
}
