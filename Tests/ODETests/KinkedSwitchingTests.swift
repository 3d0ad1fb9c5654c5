import Foundation
import Testing

@testable import ODE

/// ``StiffnessSwitching/kinked``, the rule of `--stepper auto` for ReLU nets' Filippov flows (config key
/// `stiff_kinks`), on y' = −λ(y − cos t) with λ = 10⁴, whose stiffness is known in closed form: rkf45 is held
/// to h·λ ≈ 3 from the first steps, so every check after the warm-up is a stiff verdict.
@Suite struct KinkedSwitchingTests {
  static let lambda = 1e4

  static func system(_ counter: Counter) -> ClosureSystem {
    ClosureSystem(dimension: 1) { t, y, dydt in
      counter.value += 1
      dydt[0] = -lambda * (y[0] - cos(t))
    }
  }

  static func exact(_ t: Double) -> Double {
    let particular = { (t: Double) in lambda * (lambda * cos(t) + sin(t)) / (lambda * lambda + 1) }
    return particular(t) + (2 - particular(0)) * exp(-lambda * t)
  }

  static func kinkedOptions(maxSteps: Int = 1_000_000) -> SolverOptions {
    var options = makeOptions(.auto, rtol: 1e-8, atol: 1e-10)
    options.switching = .kinked
    options.maxSteps = maxSteps
    return options
  }

  /// rkf45 alone, `steps` accepted steps from t = 0: where it is after them.
  static func explicitTime(afterSteps steps: Int) throws -> Double {
    var options = makeOptions(.rkf45, rtol: 1e-8, atol: 1e-10)
    options.maxSteps = steps
    return try ODESolver(system: system(Counter()), options: options).solve(from: 0, to: 10, initialState: [2])
      .finalTime
  }

  @Test func switchesOnlyAfterTheWarmUpAndFiftyStiffChecks() throws {
    let solution = try ODESolver(system: Self.system(Counter()), options: Self.kinkedOptions()).solve(
      from: 0, to: 10, initialState: [2])
    #expect(solution.termination == .reachedEnd(t: 10))
    let first = try #require(solution.statistics.stepperSwitches.first)
    #expect(first.from == "rkf45" && first.to == "msbdf")
    // No check before step 2,000, then one every 20 steps: the 50th stiff verdict comes at step 3,000 at the
    // earliest (the path up to the switch is rkf45's own, so its time after 3,000 steps is where it can be).
    let earliest = try Self.explicitTime(afterSteps: 3_000)
    let latest = try Self.explicitTime(afterSteps: 3_400)
    #expect(
      first.time >= earliest && first.time <= latest,
      "switched at t=\(first.time), steps 3,000–3,400 end at \(earliest)–\(latest)")
    // The smooth rule switches within its first checks (StiffnessSwitchingTests: before t = 0.05).
    #expect(earliest > 0.5)
    // msbdf (at a hundredth of the tolerances) does not cost more per unit t than rkf45's stretch: no switch back.
    #expect(solution.statistics.stepperSwitches.count == 1)
    // Global error a few rtol relative to |y| ≤ 1 on this strongly damped problem.
    #expect(abs(solution.finalState[0] - Self.exact(10)) < 1e-7, "\(solution.finalState[0]) vs \(Self.exact(10))")
  }

  @Test func aSolveWithinTheWarmUpIsRkf45BitForBit() throws {
    let (autoCalls, explicitCalls) = (Counter(), Counter())
    // t = 0.3 takes rkf45 about 1,000 steps at h·λ ≈ 3: inside the 2,000-step warm-up.
    let switching = try ODESolver(system: Self.system(autoCalls), options: Self.kinkedOptions()).solve(
      from: 0, to: 0.3, initialState: [2])
    let explicit = try ODESolver(
      system: Self.system(explicitCalls), options: makeOptions(.rkf45, rtol: 1e-8, atol: 1e-10)
    ).solve(from: 0, to: 0.3, initialState: [2])
    #expect(explicit.statistics.stepsAccepted > 500 && explicit.statistics.stepsAccepted < 2_000)
    #expect(switching.statistics.stepperSwitches.isEmpty)
    #expect(switching.finalState == explicit.finalState)
    #expect(autoCalls.value == explicitCalls.value)
    #expect(switching.statistics.stepsAccepted == explicit.statistics.stepsAccepted)
  }

  @Test func theImplicitMethodStepsAtAHundredthOfTheTolerances() {
    let tolerances = Tolerances(relative: 1e-8, absolute: 1e-10)
    let scaled = StiffnessSwitching.kinked.implicitTolerances(tolerances)
    #expect(scaled.relative == 1e-8 * 0.01 && scaled.absolute == 1e-10 * 0.01)
    // No tighter than 1e-13 relative (unless the run asks for less than that itself).
    #expect(StiffnessSwitching.kinked.implicitTolerances(Tolerances(relative: 1e-12, absolute: 0)).relative == 1e-13)
    #expect(StiffnessSwitching.smooth.implicitTolerances(tolerances) == tolerances)
  }
}
