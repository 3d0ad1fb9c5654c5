import Foundation
import Numerics
import ODE
import Testing

@Suite("Limits and failures")
struct LimitsTests {
  @Test("maxSteps ends a long run after exactly that many steps")
  func maxSteps() throws {
    var options = makeOptions(rtol: 1e-10)
    options.maxSteps = 10
    var steps = 0
    let solution = try ODESolver(system: Problems.oscillator(), options: options)
      .solve(from: 0, to: 1e6, initialState: [1, 0], onStep: { _, _ in steps += 1 })

    guard case .maxSteps(let limit, let t, let h) = solution.termination else {
      Issue.record("expected maxSteps, got \(solution.termination)")
      return
    }
    #expect(limit == 10)
    #expect(steps == 10)
    #expect(solution.statistics.stepsAccepted == 10)
    #expect(t > 0 && t < 1)
    #expect(h > 0)
    #expect(solution.finalTime == t)
    #expect(solution.times == [0, t])
    // Ten steps of a rotation at rtol = atol = 1e-10: error ≤ 2·N·(rtol + atol) (see SteppersTests).
    #expect(solution.finalState[0].isApproximatelyEqual(to: cos(t), absoluteTolerance: 40 * 1e-10))
    #expect(solution.termination.description.contains("raise the accepted-step limit"))
    #expect(!solution.termination.isSuccess)
    #expect(solution.termination.kind == .maxSteps)
  }

  @Test("a right-hand side that turns NaN after t = 1 ends the run with nonFinite near 1")
  func nonFiniteRightHandSide() throws {
    let system = ClosureSystem(dimension: 1) { t, y, dydt in
      dydt[0] = t > 1 ? .nan : -y[0]
    }
    let solution = try ODESolver(system: system, options: makeOptions(rtol: 1e-10))
      .solve(from: 0, to: 10, initialState: [1])

    guard case .nonFinite(let t) = solution.termination else {
      Issue.record("expected nonFinite, got \(solution.termination)")
      return
    }
    // GSL halves the step until every stage stays at t ≤ 1, so the run creeps up to 1 and gives up
    // only when no representable step is left: within a couple of ulps of 1.
    #expect(t <= 1 && t >= 1 - 4 * .ulpOfOne, "t = \(t)")
    #expect(solution.finalTime == t)
    let finite = solution.finalState.allSatisfy(\.isFinite)
    #expect(finite)
    // The state is the last good one: e^{-1} to the N·rtol budget of a damped problem (factor 2).
    let budget = 2 * Double(solution.statistics.stepsAccepted) * 1e-10
    #expect(relativeError(solution.finalState[0], exp(-t)) <= budget)
    #expect(solution.termination.description.contains("non-finite"))
  }

  @Test("a state that overflows to Inf ends the run with nonFinite at the last finite state")
  func nonFiniteState() throws {
    // y' = 1e300 is integrated exactly (zero error estimate), so the steps grow 5× per step until
    // y = 1e300·t overflows near t = 1.8e8: a finite right-hand side, an infinite state.
    let system = ClosureSystem(dimension: 1) { _, _, dydt in dydt[0] = 1e300 }
    var steps = 0
    var lastStepTime = 0.0
    let solution = try ODESolver(system: system, options: makeOptions())
      .solve(
        from: 0, to: 1e10, initialState: [0],
        onStep: { t, _ in
          steps += 1
          lastStepTime = t
        })

    guard case .nonFinite(let t) = solution.termination else {
      Issue.record("expected nonFinite, got \(solution.termination)")
      return
    }
    // The run ends at the last state it handed out, which is finite (y = 1e300·t < Double.max).
    #expect(t < Double.greatestFiniteMagnitude / 1e300)
    #expect(solution.finalTime == t)
    #expect(t == lastStepTime)
    let finite = solution.finalState.allSatisfy(\.isFinite)
    #expect(finite)
    #expect(solution.times == [0, t])
    // The discarded step is not part of the trajectory, so it is not an accepted step.
    #expect(solution.statistics.stepsAccepted == steps)
  }

  @Test("a blow-up with no minimum step ends with stepTooSmall just before it")
  func blowUp() throws {
    // y' = y², y(0) = 1 has y = 1/(1 − t): the error control shrinks the step until t + h == t.
    let system = ClosureSystem(dimension: 1) { _, y, dydt in dydt[0] = y[0] * y[0] }
    let solution = try ODESolver(system: system, options: makeOptions(rtol: 1e-6))
      .solve(from: 0, to: 2, initialState: [1])

    guard case .stepTooSmall(let t, let h, let minimum) = solution.termination else {
      Issue.record("expected stepTooSmall, got \(solution.termination)")
      return
    }
    #expect(minimum == 0)
    // GSL gives up only when the step no longer changes t, i.e. h below one ulp of t ≈ 1.
    #expect(h <= 2 * .ulpOfOne)
    // y = 1/(1 − t) is still finite, so 1 − t is resolved: t within 1e-6 of the blow-up.
    #expect(t < 1 && t > 1 - 1e-6, "t = \(t)")
    #expect(solution.finalTime == t)
    let finite = solution.finalState.allSatisfy(\.isFinite)
    #expect(finite)
    #expect(solution.termination.description.contains("without meeting the tolerance"))
  }

  @Test("a throwing right-hand side ends the run with rhsFailed carrying its message")
  func throwingRightHandSide() throws {
    let system = ThrowingSystem(failAfter: 0.5, message: "synthetic RHS failure")
    let solution = try ODESolver(system: system, options: makeOptions())
      .solve(from: 0, to: 2, initialState: [1])

    guard case .rhsFailed(let t, let message) = solution.termination else {
      Issue.record("expected rhsFailed, got \(solution.termination)")
      return
    }
    #expect(message == "synthetic RHS failure")
    // The run ends at the start of the step that reached past 0.5.
    #expect(t <= 0.5 && t > 0)
    #expect(solution.finalTime == t)
    // rtol 1e-8 (the default) on a damped problem over ≲ 100 steps: ≤ 2·N·rtol.
    let budget = 2 * Double(solution.statistics.stepsAccepted) * 1e-8
    #expect(relativeError(solution.finalState[0], exp(-t)) <= budget)
    #expect(solution.times == [0, t])
    #expect(solution.termination.description.contains("synthetic RHS failure"))
  }

  @Test(
    "a throwing analytic Jacobian ends the run with rhsFailed",
    arguments: [Stepper.bsimp, .rk4imp, .msbdf])
  func throwingJacobian(stepper: Stepper) throws {
    let system = ThrowingJacobianSystem(message: "synthetic Jacobian failure")
    let solution = try ODESolver(system: system, options: makeOptions(stepper))
      .solve(from: 0, to: 1, initialState: [1])
    #expect(solution.termination == .rhsFailed(t: 0, message: "synthetic Jacobian failure"))
    #expect(solution.finalState == [1])
  }

  @Test("a wall-clock limit ends a run that would take far longer")
  func wallClock() throws {
    var options = makeOptions(rtol: 1e-12, atol: 1e-14)
    options.wallClockLimit = 0.05
    options.maxSteps = .max
    let solution = try ODESolver(system: Problems.oscillator(), options: options)
      .solve(from: 0, to: 1e12, initialState: [1, 0])

    guard case .wallClock(let limit, let t) = solution.termination else {
      Issue.record("expected wallClock, got \(solution.termination)")
      return
    }
    #expect(limit == 0.05)
    #expect(t > 0 && t < 1e12)
    #expect(solution.finalTime == t)
    #expect(solution.statistics.wallSeconds >= 0.05)
    // The limit is checked after every step (microseconds each), so the run stops promptly;
    // 2 s leaves room for a loaded machine.
    #expect(solution.statistics.wallSeconds < 2)
    #expect(solution.termination.description.contains("raise the wall-clock limit"))
  }

  @Test("the step falling below minStep ends the run with stepTooSmall")
  func stepTooSmall() throws {
    // y' = y², y(0) = 1 has y = 1/(1 − t): the steps shrink to zero as t → 1.
    let system = ClosureSystem(dimension: 1) { _, y, dydt in dydt[0] = y[0] * y[0] }
    var options = makeOptions(rtol: 1e-8)
    options.minStep = 1e-6
    // An explicit first step above minStep (see minStepWithDefaultInitialStep for the default).
    options.initialStep = 1e-3
    let solution = try ODESolver(system: system, options: options)
      .solve(from: 0, to: 2, initialState: [1])

    guard case .stepTooSmall(let t, let h, let minimum) = solution.termination else {
      Issue.record("expected stepTooSmall, got \(solution.termination)")
      return
    }
    #expect(minimum == 1e-6)
    #expect(h < 1e-6)
    // rkf45 at rtol 1e-8 takes steps ≈ 0.06·(1 − t), which fall below 1e-6 only within ~2e-5 of
    // the blow-up (t > 0.999 leaves slack).
    #expect(t > 0.999 && t < 1, "t = \(t)")
    #expect(solution.finalTime == t)
    // An error made at y_k grows by (y/y_k)² (∂f/∂y = 2y), so the relative error at the end is
    // ≲ rtol·y·Σ_k(1 − t_k) ≈ 1e-8 · 6e4 · (1/0.06) ≈ 1e-2; the state of the next step would be
    // 6 % off.
    #expect(solution.finalState[0].isApproximatelyEqual(to: 1 / (1 - t), relativeTolerance: 1e-2))
    #expect(solution.termination.description.contains("minimum step"))
  }

  @Test("minStep does not end a run whose steps stay far above it (default initial step)")
  func minStepWithDefaultInitialStep() throws {
    // y' = -y at rtol 1e-8 takes steps of ~0.05–0.5; a minimum of 1e-4 should never bind.
    var options = makeOptions()
    options.minStep = 1e-4
    let solution = try ODESolver(system: Problems.decay(), options: options)
      .solve(from: 0, to: 10, initialState: [1])
    #expect(solution.termination == .reachedEnd(t: 10))
  }

  @Test("invalid input throws ODEError before any work")
  func invalidInput() {
    let decay = Problems.decay()
    func solve(
      _ options: SolverOptions = makeOptions(), from t0: Double = 0, to t1: Double = 1,
      initialState: [Double] = [1]
    ) throws(ODEError) {
      _ = try ODESolver(system: decay, options: options).solve(
        from: t0, to: t1, initialState: initialState)
    }
    func expectInvalid(_ what: String, _ body: () throws -> Void) {
      do {
        try body()
        Issue.record("\(what): expected ODEError.invalidOptions")
      } catch {
        guard case .invalidOptions(let message)? = error as? ODEError else {
          Issue.record("\(what): expected invalidOptions, got \(error)")
          return
        }
        #expect(!message.isEmpty)
      }
    }

    expectInvalid("t1 == t0") { try solve(from: 1, to: 1) }
    expectInvalid("t1 < t0") { try solve(from: 1, to: 0) }
    expectInvalid("infinite t1") { try solve(to: .infinity) }
    expectInvalid("NaN t0") { try solve(from: .nan) }
    expectInvalid("initial state too long") { try solve(initialState: [1, 2]) }
    expectInvalid("initial state empty") { try solve(initialState: []) }
    expectInvalid("NaN in initial state") { try solve(initialState: [.nan]) }
    expectInvalid("Inf in initial state") { try solve(initialState: [.infinity]) }
    expectInvalid("rtol < 0") { try solve(makeOptions(rtol: -1e-8)) }
    expectInvalid("atol < 0") { try solve(makeOptions(atol: -1)) }
    expectInvalid("rtol = atol = 0") { try solve(makeOptions(rtol: 0, atol: 0)) }
    expectInvalid("NaN rtol") { try solve(makeOptions(rtol: .nan)) }

    var options = makeOptions()
    options.tolerances.yWeight = -1
    expectInvalid("negative a_y") { try solve(options) }
    options = makeOptions()
    options.tolerances.absoluteScale = [1, 1]
    expectInvalid("absolute scale of the wrong size") { try solve(options) }
    options = makeOptions()
    options.maxSteps = 0
    expectInvalid("maxSteps 0") { try solve(options) }
    options = makeOptions()
    options.initialStep = -1e-3
    expectInvalid("negative initial step") { try solve(options) }
    options = makeOptions()
    options.minStep = 1
    options.maxStep = 0.1
    expectInvalid("minStep > maxStep") { try solve(options) }
    options = makeOptions()
    options.maxStep = 0
    expectInvalid("maxStep 0") { try solve(options) }
    options = makeOptions()
    options.wallClockLimit = 0
    expectInvalid("wall-clock limit 0") { try solve(options) }
    options = makeOptions()
    options.eventTolerance = 0
    expectInvalid("event tolerance 0") { try solve(options) }

    // A system of dimension 0 cannot be integrated.
    do {
      _ = try ODESolver(system: ClosureSystem(dimension: 0) { _, _, _ in }, options: makeOptions())
        .solve(from: 0, to: 1, initialState: [])
      Issue.record("dimension 0: expected ODEError.invalidOptions")
    } catch {
      #expect(error.description.contains("dimension 0"))
    }
  }

  @Test("the error messages name the offending option")
  func messages() {
    #expect(
      throws: ODEError.invalidOptions("the end time 0.0 must be greater than the start time 1.0")
    ) {
      try ODESolver(system: Problems.decay()).solve(from: 1, to: 0, initialState: [1])
    }
    #expect(throws: ODEError.invalidOptions("the initial state has 2 components, the system has 1")) {
      try ODESolver(system: Problems.decay()).solve(from: 0, to: 1, initialState: [1, 2])
    }
  }
}
