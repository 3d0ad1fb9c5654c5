import CGSL
import Foundation

/// Integrates an ``ODESystem`` with GSL's odeiv2, one accepted step at a time.
///
/// The solver drives `gsl_odeiv2_evolve_apply` itself rather than GSL's `driver_apply`, so that
/// after every accepted step it can check limits (max steps, wall clock, interrupt), finiteness
/// and stop conditions, and hand the state to step observers. Save times are hit exactly.
/// GSL's abort-on-error handler is turned off; every failure ends the run with a ``Termination``
/// that says what to change, and everything computed up to then is kept.
public final class ODESolver {
  public let system: any ODESystem
  public let options: SolverOptions

  /// Called at every saved time with the state; throwing ends the run with ``Termination/saveFailed(t:message:)``.
  public typealias SaveObserver = (_ t: Double, _ y: UnsafeBufferPointer<Double>) throws -> Void
  /// Called after every accepted step (before saves and stop conditions) with the new state.
  public typealias StepObserver = (_ t: Double, _ y: UnsafeBufferPointer<Double>) -> Void

  public init(system: any ODESystem, options: SolverOptions = SolverOptions()) {
    self.system = system
    self.options = options
  }

  /// Integrates from `t0` to `t1` (> t0) starting at `initialState`.
  ///
  /// Throws only for impossible input (before any work); every problem during the run ends it
  /// with a ``Termination`` in the returned solution.
  public func solve(
    from t0: Double, to t1: Double, initialState: [Double], onSave: SaveObserver? = nil,
    onStep: StepObserver? = nil
  ) throws(ODEError) -> ODESolution {
    let n = system.dimension
    try validate(t0: t0, t1: t1, initialState: initialState)
    GSLRuntime.disableAbortOnError()

    let clock = ContinuousClock.now
    let bridge = SystemBridge(system: system, differenceStep: options.differenceStep)
    let hStart = min(
      max(options.initialStep ?? 1e-6 * max(1, abs(t0)), options.minStep), options.maxStep)
    let base: any StepEngine
    if let makeEngine = options.stepEngine {
      base = try makeEngine(n, options.tolerances)
    } else {
      base = try GSLDriver(
        bridge: bridge, stepper: options.stepper.initialMethod, tolerances: options.tolerances,
        initialStep: hStart)
    }
    let switching =
      options.stepper == .auto
      ? StiffnessSwitchingEngine(
        bridge: bridge, tolerances: options.tolerances, explicit: base,
        explicitName: options.stepEngine == nil ? Stepper.rkf45.rawValue : options.stepEngineName,
        policy: options.switching,
        implicitEngine: options.implicitEngine.map { make in (make, options.implicitEngineName) },
        escalates: options.implicitEngineEscalates)
      : nil
    let driver: any StepEngine = switching ?? base
    // Event location re-steps with the GSL method that is stepping at the event (``Stepper/auto``: the
    // active one), made when first needed.
    var locators: [Stepper: EventLocator] = [:]
    func locator(for stepper: Stepper) throws(ODEError) -> EventLocator {
      if let made = locators[stepper] { return made }
      var locatorOptions = options
      locatorOptions.stepper = stepper
      let made = try EventLocator(bridge: bridge, options: locatorOptions, initialStep: hStart)
      locators[stepper] = made
      return made
    }
    if options.stopConditions.contains(where: { $0.kind == .event }) {
      _ = try locator(for: options.stepper.initialMethod)
    }

    let arena = ScratchArena()
    defer { withExtendedLifetime(arena) {} }  // y and yPrev live as long as this call
    let y = arena.copy(of: initialState)
    let yPrev = arena.copy(of: initialState)
    let state = UnsafeBufferPointer(start: y, count: n)

    var recorder = SaveRecorder(record: options.recordStates, observer: onSave)
    let schedule = options.saveSchedule
    var saveTimes = schedule.times.filter { $0 > t0 && $0 <= t1 }[...]
    var t = t0
    var h = hStart
    var accepted = 0
    var termination: Termination?

    options.liveStatistics?.beginSolve()
    if schedule.includeInitial { termination = recorder.save(t, state) }
    var previousG = options.stopConditions.map { $0.function(t0, state) }
    if termination == nil, let hit = previousG.firstIndex(where: { $0 >= 0 }) {
      let condition = options.stopConditions[hit]
      termination =
        condition.kind == .stationary ? .reachedMinimizer(t: t0) : .stopCondition(name: condition.name, t: t0)
    }

    while termination == nil {
      if Interruption.isRequested {
        termination = .interrupted(t: t)
        break
      }
      if accepted >= options.maxSteps {
        termination = .maxSteps(limit: options.maxSteps, t: t, stepSize: h)
        break
      }
      if let limit = options.wallClockLimit, seconds(since: clock) >= limit {
        termination = .wallClock(limitSeconds: limit, t: t)
        break
      }
      let target = saveTimes.first ?? t1
      h = min(h, options.maxStep)
      let tPrev = t
      yPrev.update(from: y, count: n)
      bridge.clearFailures()
      let result = driver.step(t: &t, target: target, h: &h, y: y)
      if result != .accepted {
        termination = failure(result, bridge: bridge, engine: driver, t: tPrev, h: h)
        t = tPrev
        y.update(from: yPrev, count: n)
        break
      }
      if !state.allSatisfy(\.isFinite) {
        termination = .nonFinite(t: tPrev)
        t = tPrev
        y.update(from: yPrev, count: n)
        break
      }
      if let hit = options.stopConditions.indices.first(where: { i in
        options.stopConditions[i].kind == .atStepStart && previousG[i] < 0
          && options.stopConditions[i].function(t, state) >= 0
      }) {
        termination = .stopCondition(name: options.stopConditions[hit].name, t: tPrev)
        t = tPrev
        y.update(from: yPrev, count: n)
        break
      }
      accepted += 1
      options.liveStatistics?.update(
        accepted: accepted, rejected: driver.rejectedSteps,
        rhsEvaluations: bridge.rhsEvaluations + driver.ownEvaluations)
      onStep?(t, state)

      for (i, condition) in options.stopConditions.enumerated() {
        let g = condition.function(t, state)
        if condition.kind == .stationary, let factor = options.nearStationaryFactor {
          switching?.nearStationary = g >= -log(factor)
        }
        if condition.kind != .atStepStart, previousG[i] < 0, g >= 0 {
          // A stationary state is not located: the flow no longer moves there.
          if condition.kind == .stationary {
            termination = .reachedMinimizer(t: t)
            break
          }
          // A fixed-step engine has no states between its steps: it stops at the first step past the event.
          if driver.landsOnTargets {
            do {
              try locator(for: switching?.activeStepper ?? options.stepper.initialMethod).locate(
                condition, tolerance: options.eventTolerance, tPrev: tPrev, yPrev: yPrev, t: &t, y: y)
            } catch {
              termination = .rhsFailed(t: t, message: error.description)
              break
            }
          }
          termination = .stopCondition(name: condition.name, t: t)
          break
        }
        previousG[i] = g
      }
      if termination != nil { break }

      // t reaches a save time exactly with an adaptive engine, and steps past it with a fixed-step one.
      if t >= target, !saveTimes.isEmpty {
        while let next = saveTimes.first, next <= t { saveTimes.removeFirst() }
        termination = recorder.save(t, state)
      } else if let k = schedule.everyKthStep, accepted % k == 0 {
        termination = recorder.save(t, state)
      }
      if termination == nil, t >= t1 { termination = .reachedEnd(t: t) }
      if termination == nil, options.minStep > 0, h < options.minStep {
        termination = .stepTooSmall(t: t, stepSize: h, minimum: options.minStep)
      }
    }

    let reason = termination ?? .reachedEnd(t: t)
    if schedule.includeFinal, recorder.lastSavedTime != t, reason.kind != .saveFailed {
      if let failed = recorder.save(t, state) { return finish(failed) }
    }
    return finish(reason)

    func finish(_ reason: Termination) -> ODESolution {
      var statistics = SolverStatistics()
      statistics.rhsEvaluations = bridge.rhsEvaluations + driver.ownEvaluations
      let engineJacobians = driver.ownJacobians
      statistics.jacobianEvaluations = bridge.jacobianEvaluations + engineJacobians.count
      statistics.stepsAccepted = accepted
      statistics.stepsRejected = driver.rejectedSteps
      statistics.jacobianRHSEvaluations = bridge.jacobianRHSEvaluations + engineJacobians.rhsEvaluations
      statistics.jacobianSeconds = bridge.jacobianSeconds + engineJacobians.seconds
      if let switching {
        statistics.stepperSwitches = switching.switches
        statistics.implicitSteps = switching.implicitSteps
        statistics.implicitSeconds = switching.implicitSeconds
        statistics.stiffnessRHSEvaluations = switching.estimateEvaluations
        statistics.explicitStiffness = switching.largestExplicitStiffness
        statistics.stiffButTooLarge = switching.stiffButTooLarge
      } else if options.stepper.needsJacobian {
        statistics.implicitSteps = accepted
      } else if options.stepper.isExplicit, !reason.isSuccess, reason.kind != .interrupted {
        // An explicit solve that hit a limit: was it held by stability? One estimate at its end, for advice.
        let before = bridge.rhsEvaluations
        let radius = StiffnessEstimator(dimension: n, iterations: 8).estimate(t: t, y: y) { t, y, f in
          bridge.function(t: t, y: y, dydt: f) == GSL_SUCCESS
        }
        statistics.stiffnessRHSEvaluations = bridge.rhsEvaluations - before
        statistics.explicitStiffness = (radius ?? 0) * h
      }
      statistics.wallSeconds = seconds(since: clock)
      if options.stepper.needsJacobian, switching == nil { statistics.implicitSeconds = statistics.wallSeconds }
      statistics.lastStepSize = h
      return ODESolution(
        times: recorder.times, states: recorder.states, finalTime: t, finalState: Array(state),
        statistics: statistics, termination: reason)
    }
  }

  private func validate(t0: Double, t1: Double, initialState: [Double]) throws(ODEError) {
    let n = system.dimension
    guard n > 0 else { throw .invalidOptions("the system has dimension 0") }
    guard initialState.count == n else {
      throw .invalidOptions("the initial state has \(initialState.count) components, the system has \(n)")
    }
    guard initialState.allSatisfy(\.isFinite) else {
      throw .invalidOptions("the initial state contains NaN or Inf")
    }
    guard t0.isFinite, t1.isFinite else { throw .invalidOptions("start and end times must be finite") }
    guard t1 > t0 else {
      throw .invalidOptions("the end time \(t1) must be greater than the start time \(t0)")
    }
    try options.validate(dimension: n)
  }

  /// Maps a failed `evolve_apply` to the reason the user can act on.
  private func failure(_ result: StepResult, bridge: SystemBridge, engine: any StepEngine, t: Double, h: Double)
    -> Termination
  {
    if let message = bridge.failure ?? engine.failureMessage { return .rhsFailed(t: t, message: message) }
    if bridge.nonFiniteAt != nil { return .nonFinite(t: t) }
    switch result {
    case .accepted, .stepSizeUnderflow: return .stepTooSmall(t: t, stepSize: h, minimum: options.minStep)
    case .systemFailed: return .rhsFailed(t: t, message: "the right-hand side failed")
    case .failed(let message): return .rhsFailed(t: t, message: message)
    }
  }
}

private func seconds(since start: ContinuousClock.Instant) -> Double {
  let d = ContinuousClock.now - start
  return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// Collects saved states and forwards them to the caller's observer.
private struct SaveRecorder {
  let record: Bool
  let observer: ODESolver.SaveObserver?
  var times: [Double] = []
  var states: [[Double]] = []
  var lastSavedTime = -Double.infinity

  init(record: Bool, observer: ODESolver.SaveObserver?) {
    self.record = record
    self.observer = observer
  }

  /// Saves (t, y); returns a termination when the observer failed.
  mutating func save(_ t: Double, _ y: UnsafeBufferPointer<Double>) -> Termination? {
    lastSavedTime = t
    if record {
      times.append(t)
      states.append(Array(y))
    }
    do {
      try observer?(t, y)
    } catch let request as StopRequest {
      return .stopCondition(name: request.name, t: t)
    } catch {
      return .saveFailed(t: t, message: String(describing: error))
    }
    return nil
  }
}
