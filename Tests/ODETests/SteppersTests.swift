import Foundation
import Numerics
import ODE
import Testing

@Suite("Steppers")
struct SteppersTests {
  /// The relative tolerance each stepper is run at: tight for the high-order methods, looser for the
  /// first- and second-order ones so that their step counts (and the test's runtime) stay small.
  static func rtol(for stepper: Stepper) -> Double {
    switch stepper {
    case .rk1imp: 1e-6
    case .rk2, .rk2imp: 1e-8
    default: 1e-10
    }
  }

  @Test("y' = -y matches e^{-t} at every save time", arguments: Stepper.allCases)
  func exponentialDecay(stepper: Stepper) throws {
    let rtol = Self.rtol(for: stepper)
    let options = makeOptions(stepper, rtol: rtol, atol: 0, save: .at([1, 2, 3, 4, 5]))
    let solution = try ODESolver(system: Problems.decay(), options: options)
      .solve(from: 0, to: 5, initialState: [1])

    #expect(solution.termination == .reachedEnd(t: 5))
    #expect(solution.times == [0, 1, 2, 3, 4, 5])
    #expect(solution.finalTime == 5)
    let steps = Double(solution.statistics.stepsAccepted)
    // The decay damps an old error exactly as fast as the solution, so each accepted step adds at
    // most ~rtol to the relative error (atol = 0): budget 2·N·rtol (factor 2 for the estimator).
    let budget = 2 * steps * rtol
    for (t, y) in zip(solution.times, solution.states) {
      #expect(relativeError(y[0], exp(-t)) <= budget, "t=\(t) y=\(y[0]) budget \(budget)")
    }
    #expect(solution.finalState == solution.states.last)
    // The stepper really is the requested one: implicit methods call the Jacobian, explicit never.
    // (auto on this non-stiff problem stays explicit: StiffnessSwitchingTests.)
    #expect((solution.statistics.jacobianEvaluations > 0) == (stepper.needsJacobian && stepper != .auto))
  }

  @Test(
    "harmonic oscillator follows (cos t, −sin t) with bounded energy drift",
    arguments: Stepper.allCases)
  func harmonicOscillator(stepper: Stepper) throws {
    let rtol = Self.rtol(for: stepper)
    let atol = rtol * 1e-2
    let saveTimes = (1...8).map { Double($0) * Double.pi / 2 }
    let options = makeOptions(stepper, rtol: rtol, atol: atol, save: .at(saveTimes))
    let solution = try ODESolver(system: Problems.oscillator(), options: options)
      .solve(from: 0, to: 4 * .pi, initialState: [1, 0])

    #expect(solution.termination == .reachedEnd(t: 4 * .pi))
    #expect(solution.times == [0] + saveTimes)
    let steps = Double(solution.statistics.stepsAccepted)
    // The flow is a rotation (errors neither grow nor decay) and |y| = 1, so each step adds at most
    // ~(rtol + atol) to the error: budget 2·N·(rtol + atol) (factor 2 for the estimator).
    let budget = 2 * steps * (rtol + atol)
    for (t, y) in zip(solution.times, solution.states) {
      let error = max(abs(y[0] - cos(t)), abs(y[1] + sin(t)))
      #expect(error <= budget, "t=\(t) error \(error) budget \(budget)")
      let energy = (y[0] * y[0] + y[1] * y[1]) / 2
      // |E − 1/2| ≤ |y|·|error| + error²/2 with |y| = 1: the same budget bounds the drift.
      #expect(abs(energy - 0.5) <= budget, "t=\(t) energy drift \(energy - 0.5) budget \(budget)")
      if stepper == .rk2imp || stepper == .rk4imp {
        // Gauss methods conserve quadratic invariants exactly; only rounding and the Newton
        // stopping residual remain, bounded by 10·ε per step.
        #expect(
          abs(energy - 0.5) <= 10 * steps * .ulpOfOne, "t=\(t) Gauss energy drift \(energy - 0.5)")
      }
    }
  }

  /// The implicit steppers on Robertson's stiff problem, with a finite-difference and an analytic
  /// Jacobian. The first- and second-order methods run at looser tolerances to stay fast.
  @Test(
    "Robertson to t = 40 with the implicit steppers",
    arguments: [Stepper.rk1imp, .rk2imp, .rk4imp, .bsimp, .msbdf], [false, true])
  func robertson(stepper: Stepper, analyticJacobian: Bool) throws {
    let rtol =
      switch stepper {
      case .rk1imp, .rk2imp: 1e-6
      default: 1e-8
      }
    // atol far below y2 ≈ 1e-5 so that every component is controlled relatively.
    let atol = rtol * 1e-8
    let jacobianCalls = Counter()
    let system = Problems.robertson(
      analyticJacobian: analyticJacobian, jacobianCounter: jacobianCalls)
    let solution = try ODESolver(
      system: system, options: makeOptions(stepper, rtol: rtol, atol: atol)
    )
    .solve(from: 0, to: 40, initialState: [1, 0, 0])

    #expect(solution.termination == .reachedEnd(t: 40))
    let steps = Double(solution.statistics.stepsAccepted)
    // Stiff and dissipative: local errors are damped on the fast time scale, so the global error is a
    // modest multiple of rtol rather than N·rtol; allow min(2·N, 100)·rtol.
    let budget = min(2 * steps, 100) * rtol
    for i in 0..<3 {
      let y = solution.finalState[i]
      let reference = Problems.robertsonAt40[i]
      #expect(
        relativeError(y, reference) <= budget,
        "y\(i + 1)=\(y) reference \(reference) budget \(budget)")
    }
    // The published four-digit values, independent of the reference above (one unit of the last
    // digit: y2 = 9.1855e-6 is usually quoted truncated as 9.185e-6).
    #expect(solution.finalState[0].isApproximatelyEqual(to: 0.7158, absoluteTolerance: 1e-4))
    #expect(solution.finalState[1].isApproximatelyEqual(to: 9.185e-6, absoluteTolerance: 1e-9))
    #expect(solution.finalState[2].isApproximatelyEqual(to: 0.2842, absoluteTolerance: 1e-4))
    // Mass conservation: y1 + y2 + y3 = 1 is a linear invariant every method here keeps up to the
    // per-step error, so it drifts by at most the same budget.
    #expect(abs(solution.finalState.reduce(0, +) - 1) <= budget)

    #expect(solution.statistics.jacobianEvaluations > 0)
    if analyticJacobian {
      // Every Jacobian GSL asked for came from the closure.
      #expect(jacobianCalls.value == solution.statistics.jacobianEvaluations)
    } else {
      #expect(jacobianCalls.value == 0)
    }
  }

  @Test("Stepper.needsJacobian and isExplicit classify the methods")
  func classification() {
    let implicit: Set<Stepper> = [.rk1imp, .rk2imp, .rk4imp, .bsimp, .msbdf, .auto]
    let explicit: Set<Stepper> = [.rk2, .rk4, .rkf45, .rkck, .rk8pd]
    for stepper in Stepper.allCases {
      #expect(stepper.needsJacobian == implicit.contains(stepper))
      #expect(stepper.isExplicit == explicit.contains(stepper))
    }
    #expect(Stepper(rawValue: "rkf45") == .rkf45)
    #expect(SolverOptions().stepper == .rkf45)
    #expect(Stepper.auto.initialMethod == .rkf45 && Stepper.msbdf.initialMethod == .msbdf)
  }
}
