import Foundation
import ODE
import Testing

@Suite("Statistics")
struct StatisticsTests {
  @Test("two solves appended give one solve's totals: counts add, the later solve's step size and h·ρ(J)")
  func appendingTwoSolves() throws {
    let options = makeOptions(.rkf45, rtol: 1e-6, atol: 1e-8, save: .at([0.5]))
    let solver = ODESolver(system: Problems.oscillator(counter: Counter()), options: options)
    let first = try solver.solve(from: 0, to: 1, initialState: [1, 0])
    let second = try solver.solve(from: 1, to: 3, initialState: first.finalState)
    var total = first.statistics
    total.append(second.statistics)
    #expect(total.rhsEvaluations == first.statistics.rhsEvaluations + second.statistics.rhsEvaluations)
    #expect(total.stepsAccepted == first.statistics.stepsAccepted + second.statistics.stepsAccepted)
    #expect(total.stepsRejected == first.statistics.stepsRejected + second.statistics.stepsRejected)
    #expect(total.lastStepSize == second.statistics.lastStepSize)
    #expect(total.explicitStiffness == second.statistics.explicitStiffness)
    #expect(total.rhsEvaluations > first.statistics.rhsEvaluations)
  }

  @Test("rhsEvaluations equals the system's own call count", arguments: Stepper.allCases)
  func rhsCount(stepper: Stepper) throws {
    let calls = Counter()
    let options = makeOptions(stepper, rtol: 1e-6, atol: 1e-8, save: .at([0.5, 1.5]))
    let solution = try ODESolver(system: Problems.oscillator(counter: calls), options: options)
      .solve(from: 0, to: 3, initialState: [1, 0])
    #expect(solution.termination == .reachedEnd(t: 3))
    // Includes the finite-difference Jacobian's calls for the implicit steppers.
    #expect(calls.value == solution.statistics.rhsEvaluations)
    #expect(calls.value > 0)
  }

  @Test("rhsEvaluations includes the calls made while locating a stop condition")
  func rhsCountWithEvents() throws {
    let calls = Counter()
    var options = makeOptions(.msbdf)
    options.stopConditions = [StopCondition(name: "halved") { _, y in 0.5 - y[0] }]
    let solution = try ODESolver(system: Problems.decay(counter: calls), options: options)
      .solve(from: 0, to: 10, initialState: [1])
    #expect(solution.termination.kind == .stopCondition)
    #expect(calls.value == solution.statistics.rhsEvaluations)
  }

  /// GSL 2.7's evolve_apply evaluates f(t0, y0) once (`dydt_in` on its first call) and afterwards
  /// reuses the exact `dydt_out` of the previous step; each attempt, accepted or rejected, of an rkf45
  /// step costs 5 stages + 1 `dydt_out` evaluation, of an rk4 step (step doubling) 3 + 3 + 1 + 3
  /// stages + 1 `dydt_out` evaluation (GSL ode-initval2/evolve.c, rkf45.c, rk4.c).
  @Test(
    "explicit Runge–Kutta methods use a fixed number of evaluations per step",
    arguments: [(Stepper.rkf45, 6), (.rk4, 11)])
  func fixedPattern(stepper: Stepper, perAttempt: Int) throws {
    var options = makeOptions(stepper, rtol: 1e-10, atol: 0)
    options.initialStep = 1  // forces rejections at the start
    let solution = try ODESolver(system: Problems.decay(), options: options)
      .solve(from: 0, to: 5, initialState: [1])
    let s = solution.statistics
    #expect(s.stepsRejected > 0)
    #expect(s.rhsEvaluations == 1 + perAttempt * (s.stepsAccepted + s.stepsRejected))
  }

  @Test("stepsAccepted equals the number of onStep callbacks", arguments: Stepper.allCases)
  func acceptedSteps(stepper: Stepper) throws {
    var callbacks = 0
    var lastT = -Double.infinity
    var increasing = true
    let options = makeOptions(stepper, rtol: 1e-6, atol: 1e-8, save: .everyStep(3))
    let solution = try ODESolver(system: Problems.oscillator(), options: options)
      .solve(
        from: 0, to: 3, initialState: [1, 0],
        onStep: { t, _ in
          callbacks += 1
          increasing = increasing && t > lastT
          lastT = t
        })
    #expect(callbacks == solution.statistics.stepsAccepted)
    #expect(callbacks > 0)
    #expect(increasing)
    #expect(lastT == 3)
    #expect(solution.statistics.stepsRejected >= 0)
    #expect(solution.statistics.lastStepSize > 0)
    #expect(solution.statistics.wallSeconds >= 0)
  }

  @Test(
    "a first step far too large is rejected",
    arguments: [Stepper.rkf45, .rkck, .rk8pd, .rk2, .rk4, .rk4imp])
  func rejections(stepper: Stepper) throws {
    var options = makeOptions(stepper, rtol: 1e-10, atol: 1e-12)
    options.initialStep = 2
    let solution = try ODESolver(system: Problems.oscillator(), options: options)
      .solve(from: 0, to: 4, initialState: [1, 0])
    #expect(solution.termination == .reachedEnd(t: 4))
    #expect(solution.statistics.stepsRejected > 0)
  }

  @Test("a tiny first step on a smooth problem is never rejected")
  func noRejections() throws {
    var options = makeOptions(.rkf45, rtol: 1e-6, atol: 1e-8)
    options.initialStep = 1e-6
    let solution = try ODESolver(system: Problems.decay(), options: options)
      .solve(from: 0, to: 1, initialState: [1])
    // From 1e-6 the standard control grows the step by at most 5× per step, never overshooting.
    #expect(solution.statistics.stepsRejected == 0)
  }

  @Test("Jacobian evaluations: none for explicit methods, all analytic when provided")
  func jacobianCounts() throws {
    for stepper in Stepper.allCases where stepper != .auto {  // auto: StiffnessSwitchingTests
      let jacobianCalls = Counter()
      let analytic = try ODESolver(
        system: Problems.robertson(analyticJacobian: true, jacobianCounter: jacobianCalls),
        options: makeOptions(stepper, rtol: 1e-4, atol: 1e-12)
      ).solve(from: 0, to: 1e-3, initialState: [1, 0, 0])
      #expect(jacobianCalls.value == analytic.statistics.jacobianEvaluations, "\(stepper)")
      #expect((jacobianCalls.value > 0) == stepper.needsJacobian, "\(stepper)")

      if stepper.needsJacobian {
        // Each finite-difference Jacobian costs 2·(n + 1) = 8 evaluations of f, all counted.
        let rhsCalls = Counter()
        let finiteDifference = try ODESolver(
          system: countingRobertson(rhsCalls),
          options: makeOptions(stepper, rtol: 1e-4, atol: 1e-12)
        ).solve(from: 0, to: 1e-3, initialState: [1, 0, 0])
        let s = finiteDifference.statistics
        #expect(s.jacobianEvaluations > 0, "\(stepper)")
        #expect(rhsCalls.value == s.rhsEvaluations, "\(stepper)")
        #expect(s.rhsEvaluations >= 8 * s.jacobianEvaluations + s.stepsAccepted, "\(stepper)")
      }
    }
  }

  /// Robertson without an analytic Jacobian, counting its right-hand-side calls.
  func countingRobertson(_ calls: Counter) -> ClosureSystem {
    let plain = Problems.robertson(analyticJacobian: false)
    return ClosureSystem(dimension: 3) { t, y, dydt in
      calls.value += 1
      plain.evaluate(t: t, y: y, dydt: dydt)
    }
  }

  @Test("statistics are deterministic")
  func deterministic() throws {
    func run() throws -> SolverStatistics {
      var options = makeOptions(.msbdf, rtol: 1e-8, atol: 1e-14)
      options.saveSchedule = .logSpaced(count: 20, from: 1e-3, to: 40)
      return try ODESolver(system: Problems.robertson(analyticJacobian: false), options: options)
        .solve(from: 0, to: 40, initialState: [1, 0, 0]).statistics.withoutTimes
    }
    #expect(try run() == run())
  }
}

/// A stiff failure is reported as such also when `auto` tried its implicit method and gave up
/// (``SolverStatistics/implicitGaveUp``): the advice then names no option that would not help.
@Suite struct StiffFailureTests {
  func statistics(switches: Int, endingOn last: String, stiffness: Double) -> SolverStatistics {
    var s = SolverStatistics()
    s.explicitStiffness = stiffness
    s.implicitSteps = 1_200
    s.stepperSwitches = (0..<switches).map { k in
      let toImplicit = k % 2 == 0
      return StepperSwitch(
        time: Double(k), from: toImplicit ? "corrected" : "msbdf", to: toImplicit ? "msbdf" : "corrected",
        reason: toImplicit ? "stiff: h·ρ(J) = 3.6" : "costlier: 5e5 evaluations per unit time", stiffness: stiffness)
    }
    if let index = s.stepperSwitches.indices.last, s.stepperSwitches[index].to != last {
      s.stepperSwitches[index] = StepperSwitch(
        time: 19, from: "corrected", to: last, reason: "stiff: h·ρ(J) = 3.6", stiffness: stiffness)
    }
    return s
  }

  @Test func anImplicitMethodThatGaveUpIsAStiffFailure() {
    let stop = Termination.wallClock(limitSeconds: 40, t: 28)
    let gaveUp = statistics(switches: 20, endingOn: "corrected", stiffness: 3.6)
    #expect(gaveUp.implicitGaveUp && gaveUp.isStiffFailure(stop))
    #expect(gaveUp.stiffnessDiagnosis(stop)?.contains("tried 10 times, cost more each time") == true)
    // Still switching (fewer than the cap), or ending on the implicit method: not given up.
    #expect(!statistics(switches: 6, endingOn: "corrected", stiffness: 3.6).isStiffFailure(stop))
    #expect(!statistics(switches: 20, endingOn: "msbdf", stiffness: 3.6).implicitGaveUp)
    // Handed back because the steps were no longer stiff (the rule of smooth right-hand sides): not given up.
    var nonStiff = statistics(switches: 20, endingOn: "corrected", stiffness: 3.6)
    nonStiff.stepperSwitches[19].reason = "not stiff: h·ρ(J) ≤ 0.5 in 5 checks"
    #expect(!nonStiff.implicitGaveUp)
    // Steps held by accuracy, not stability: not a stiff failure.
    #expect(!statistics(switches: 20, endingOn: "corrected", stiffness: 0.4).isStiffFailure(stop))
  }
}
