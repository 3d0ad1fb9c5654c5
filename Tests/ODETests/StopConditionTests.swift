import Foundation
import Numerics
import ODE
import Testing

@Suite("Stop conditions")
struct StopConditionTests {
  /// "y has halved": g = 0.5 − y ≥ 0, first true at t = ln 2 for y' = −y, y(0) = 1.
  static var halved: StopCondition { StopCondition(name: "halved") { _, y in 0.5 - y[0] } }

  @Test(
    "y' = -y stops at ln 2 when y has halved",
    arguments: [Stepper.rkf45, .rk8pd, .rk4, .msadams, .msbdf, .bsimp], [1e-6, 1e-10])
  func halving(stepper: Stepper, eventTolerance: Double) throws {
    let rtol = 1e-10
    var options = makeOptions(stepper, rtol: rtol, atol: 0, save: .at([0.25, 0.5, 0.6, 0.7, 0.8]))
    options.stopConditions = [Self.halved]
    options.eventTolerance = eventTolerance
    let solution = try ODESolver(system: Problems.decay(), options: options)
      .solve(from: 0, to: 10, initialState: [1])

    guard case .stopCondition(let name, let t) = solution.termination else {
      Issue.record("expected a stop condition, got \(solution.termination)")
      return
    }
    #expect(name == "halved")
    #expect(solution.termination.isSuccess)
    #expect(solution.termination.kind == .stopCondition)
    // Bisection leaves t at most eventTolerance·max(1, t) after the crossing of the integrated
    // solution; that crossing is off by δy/|y'| = δy/0.5 with δy ≤ N·rtol·0.5 (damped problem),
    // i.e. by at most N·rtol; factor 2 for the error estimator.
    let steps = Double(solution.statistics.stepsAccepted)
    let bound = eventTolerance * max(1, t) + 2 * steps * rtol
    #expect(abs(t - log(2)) <= bound, "t − ln 2 = \(t - log(2)), bound \(bound)")
    // The located time is never before the crossing (it is the right end of the bracket), up to
    // the integration error.
    #expect(t - log(2) >= -2 * steps * rtol)

    // The run ends at the located time with the state integrated to it.
    #expect(solution.finalTime == t)
    #expect(solution.finalState[0] <= 0.5)  // g(t, y) ≥ 0 at the right end of the bracket
    // Integrated (not stale) state: y(t) = e^{-t} to within the same N·rtol budget (factor 2).
    #expect(relativeError(solution.finalState[0], exp(-t)) <= 2 * steps * rtol)
    // Saves: only the save times before the stop (0.7 and 0.8 are after ln 2 ≈ 0.693), then the
    // final state once.
    #expect(solution.times == [0, 0.25, 0.5, 0.6, t])
    #expect(solution.states.last == solution.finalState)
  }

  @Test("a condition already true at t0 stops the run at t0 without a step")
  func trueAtStart() throws {
    var options = makeOptions()
    options.stopConditions = [StopCondition(name: "always") { _, _ in 0 }]
    var steps = 0
    let solution = try ODESolver(system: Problems.decay(), options: options)
      .solve(from: 3, to: 10, initialState: [1], onStep: { _, _ in steps += 1 })

    #expect(solution.termination == .stopCondition(name: "always", t: 3))
    #expect(solution.finalTime == 3)
    #expect(solution.finalState == [1])
    #expect(solution.times == [3])
    #expect(steps == 0)
    #expect(solution.statistics.stepsAccepted == 0)
    #expect(solution.termination.description.contains("'always'"))
  }

  @Test("the first condition to cross wins")
  func firstCrossingWins() throws {
    var options = makeOptions(rtol: 1e-10, atol: 0)
    options.stopConditions = [
      Self.halved,
      StopCondition(name: "t ≥ 0.3") { t, _ in t - 0.3 },
      StopCondition(name: "never") { _, _ in -1 },
    ]
    let solution = try ODESolver(system: Problems.decay(), options: options)
      .solve(from: 0, to: 10, initialState: [1])

    guard case .stopCondition(let name, let t) = solution.termination else {
      Issue.record("expected a stop condition, got \(solution.termination)")
      return
    }
    #expect(name == "t ≥ 0.3")
    // g = t − 0.3 does not depend on the state: only the bisection tolerance 1e-10·max(1, t) remains.
    #expect(t >= 0.3 && t - 0.3 <= 1e-10)
  }

  @Test("a condition that never becomes true lets the run reach the end")
  func neverTrue() throws {
    var options = makeOptions()
    options.stopConditions = [StopCondition(name: "negative") { _, y in -y[0] - 1 }]
    let solution = try ODESolver(system: Problems.decay(), options: options)
      .solve(from: 0, to: 5, initialState: [1])
    #expect(solution.termination == .reachedEnd(t: 5))
  }

  @Test("the crossing is located after a large step of a coarse run")
  func coarseSteps() throws {
    // A loose tolerance gives steps of ~0.5, so the crossing lies well inside a step.
    var options = makeOptions(.rkf45, rtol: 1e-4, atol: 0)
    options.stopConditions = [Self.halved]
    options.initialStep = 0.5
    let solution = try ODESolver(system: Problems.decay(), options: options)
      .solve(from: 0, to: 10, initialState: [1])
    let t = solution.termination.t
    #expect(solution.termination.kind == .stopCondition)
    // rtol 1e-4 over a handful of steps: crossing error ≤ 2·N·rtol (as above), plus 1e-10 bisection.
    let bound = 2 * Double(solution.statistics.stepsAccepted) * 1e-4 + 1e-10
    #expect(abs(t - log(2)) <= bound)
    #expect(solution.finalTime == t)
  }
}
