import CGSL
import Foundation

/// The step engine of ``Stepper/auto``: an explicit method (GSL's rkf45, or the solve's own explicit
/// ``StepEngine``) while the problem is not stiff, GSL's msbdf (BDF orders 1–5, with the system's
/// analytic Jacobian or the bridge's finite-difference one) while it is, and back.
///
/// **Stiffness test** (in the spirit of Hairer–Wanner's test for embedded pairs, IV.2): every
/// ``checkInterval`` accepted steps the spectral radius ρ(J) of ∂f/∂y is estimated by a few power
/// iterations on right-hand-side differences (``StiffnessEstimator``). An explicit method is
/// stability-limited when its steps satisfy h·ρ(J) ≈ β, β ≈ 3 being the length of rkf45's stability
/// interval on the negative real axis (accepted steps on y' = −λy settle at h·λ ≈ 3.0–3.3). So
///
/// - explicit → implicit after ``stiffChecks`` consecutive checks with h·ρ(J) ≥ ``stiffThreshold``
///   (steps at the stability limit, not at the accuracy the tolerance asks for);
/// - implicit → explicit after ``nonStiffChecks`` consecutive checks with h·ρ(J) ≤ ``nonStiffThreshold``
///   (an explicit method could take the implicit method's steps with a wide stability margin).
///
/// **An implicit engine** (``SolverOptions/implicitEngine``) takes msbdf's place when given: a step engine of its
/// own built at the first switch (the exact engine of a ReLU net with bsimp pieces, `stiff_kinks` `exact`), whose
/// evaluations count in the cost windows as the system's do. With ``SolverOptions/implicitEngineEscalates``
/// (`stiff_kinks` `escalate`) msbdf stays the implicit method, and the engine takes over only when msbdf has been
/// handed back as costlier so often that the next hand-back would use up the ``maximumSwitches``: instead of
/// ending on the explicit method, held by stability for the rest of the phase, the run goes on with the engine
/// and does not switch again.
///
/// **The implicit method's step.** msbdf keeps its own history (the Nordsieck array, the order, the
/// step sizes) and takes the state of its next step from that history, not from the `y` it is given;
/// it starts afresh (order 1, history from `y`) only after a reset. So the engine resets it at every
/// switch to it.
///
/// **Kinked right-hand sides** (``StiffnessSwitching/kinked``, a ReLU net's Filippov flow): no checks in the
/// first ``StiffnessSwitching/warmUpSteps`` accepted steps, ``StiffnessSwitching/stiffChecks`` stiff checks in
/// a row to switch (under ``StiffnessVerdict/pair`` each judged by the larger h·ρ(J) of its estimate and the
/// previous check's), and back when the implicit method costs more evaluations per unit time than the explicit
/// one did over its stiff stretch (the evaluations and the time from the first of those checks to the switch).
/// The rule's numbers are in ``StiffnessSwitching``; ``smooth`` is the rule above. Under ``ImplicitReturn/cost``
/// a hand-back by cost is itself undone by cost: the explicit steps return to the implicit method once they cost
/// ``StiffnessSwitching/returnFactor`` times its last window (``returnByCost(t:)``). With
/// ``SolverOptions/nearStationaryFactor`` set, while the solve's stationary stop is within that factor of holding
/// (``nearStationary``, set by the solver), the warm-up is waived and ``nearStationaryChecks`` verdicts switch.
///
/// After ``maximumSwitches`` switches the engine stays where it is (a problem at the border would
/// otherwise ping-pong). Systems larger than ``Stepper/autoMaximumImplicitDimension`` never switch;
/// the solve's statistics then say the problem was found stiff. Every switch is recorded
/// (``StepperSwitch``) with the time, the two methods, h·ρ(J) and why.
final class StiffnessSwitchingEngine: StepEngine {
  /// Checks every this many accepted steps (a check costs ``StiffnessEstimator/iterations`` + 1 RHS
  /// evaluations, 4 by default: 20 steps of rkf45 cost 120).
  static let checkInterval = 20
  /// h·ρ(J) at or above which an explicit step is stability-limited (β ≈ 3 for rkf45, with margin
  /// for the step-size controller's oscillation below the limit).
  static let stiffThreshold = 1.5
  /// h·ρ(J) at or below which an explicit method is far from its stability limit.
  static let nonStiffThreshold = 0.5
  static let maximumSwitches = 20
  /// Growth of the step size between two checks above which the steps are taken to be accuracy-limited.
  static let freeGrowth = 2.0
  static let maximumInterval = 320
  /// The implicit method.
  static let implicitStepper = Stepper.msbdf

  private let bridge: SystemBridge
  private let tolerances: Tolerances
  private let explicit: any StepEngine
  let explicitName: String
  private var implicit: GSLDriver?
  /// The implicit engine, its factory and name (nil: msbdf).
  private var implicitEngine: (any StepEngine)?
  private let makeImplicitEngine: (factory: StepEngineFactory, name: String)?
  /// Whether the engine only takes over from msbdf at the last switch (`escalate`), and whether it has.
  private let escalates: Bool
  private var escalated = false
  /// Whether the implicit side is the engine (now or at the next switch) rather than msbdf.
  private var usesEngine: Bool { makeImplicitEngine != nil && (!escalates || escalated) }
  /// What the implicit side is called in the switches' records.
  private var implicitName: String {
    usesEngine ? makeImplicitEngine?.name ?? Self.implicitStepper.rawValue : Self.implicitStepper.rawValue
  }
  private let estimator: StiffnessEstimator
  private let policy: StiffnessSwitching
  /// Accepted steps so far (for the warm-up).
  private var acceptedSteps = 0
  /// Evaluations and time at the first check of the current run of stiff verdicts (the explicit method's
  /// stiff stretch), and the explicit method's evaluations per unit time over that stretch at the switch.
  private var stretchStart = (evaluations: 0, time: 0.0)
  private var explicitCost = Double.infinity
  /// Implicit steps since the switch, and evaluations and time at the start of the current cost window.
  private var implicitSinceSwitch = 0
  /// Set at a hand-back by cost under ``ImplicitReturn/cost``: the evaluations and time then, the implicit method's
  /// cost over its last window, and the explicit steps taken since.
  private var handBack: (evaluations: Int, time: Double, implicitCost: Double, steps: Int)?
  private var windowStart = (evaluations: 0, time: 0.0)
  /// Whether the implicit method is stepping.
  private(set) var isImplicit = false
  private var stepsSinceCheck = 0
  /// Accepted steps between checks: ``checkInterval``, doubled after each check of the explicit method
  /// far from its stability limit (h·ρ(J) ≤ ``nonStiffThreshold``) up to ``maximumInterval``, back to
  /// ``checkInterval`` otherwise.
  private var interval = StiffnessSwitchingEngine.checkInterval
  /// The step size at the last check (0 before the first).
  private var lastCheckedStep = 0.0
  private var votes = 0
  /// h·ρ(J) of the last check's own estimate (0 before the first, after a switch and after a skipped check).
  private var previousStiffness = 0.0
  /// Set by the solver after each accepted step: the stationary stop condition is within
  /// ``SolverOptions/nearStationaryFactor`` of holding (the warm-up is then waived).
  var nearStationary = false
  /// Stiff verdicts in a row that switch while ``nearStationary`` (as the rule for smooth right-hand sides).
  static let nearStationaryChecks = 3
  /// Rejections counted by GSL drivers since reset (GSL's reset clears its counter).
  private var implicitRejected = 0
  private var explicitRejected = 0

  private(set) var switches: [StepperSwitch] = []
  /// Accepted steps of the implicit method.
  private(set) var implicitSteps = 0
  /// Wall time of the implicit steps (Newton iterations, linear solves, Jacobians).
  private(set) var implicitSeconds = 0.0
  /// Right-hand-side evaluations of the stiffness estimates.
  private(set) var estimateEvaluations = 0
  /// The largest h·ρ(J) seen at a check of the explicit method (0 before the first check).
  private(set) var largestExplicitStiffness = 0.0
  /// Set when the problem was found stiff but the system is too large to switch.
  private(set) var stiffButTooLarge = false

  init(
    bridge: SystemBridge, tolerances: Tolerances, explicit: any StepEngine, explicitName: String,
    policy: StiffnessSwitching = .smooth, implicitEngine: (factory: StepEngineFactory, name: String)? = nil,
    escalates: Bool = false
  ) {
    self.policy = policy
    makeImplicitEngine = implicitEngine
    self.escalates = escalates
    self.bridge = bridge
    self.tolerances = tolerances
    self.explicit = explicit
    self.explicitName = explicitName
    estimator = StiffnessEstimator(dimension: bridge.dimension)
  }

  /// The GSL method now stepping (rkf45 for a custom explicit engine), for event location.
  var activeStepper: Stepper { isImplicit && implicitEngine == nil ? Self.implicitStepper : .rkf45 }

  var rejectedSteps: Int {
    explicit.rejectedSteps + explicitRejected + implicitRejected + (implicit?.rejectedSteps ?? 0)
      + (implicitEngine?.rejectedSteps ?? 0)
  }
  var ownEvaluations: Int { explicit.ownEvaluations + (implicitEngine?.ownEvaluations ?? 0) }
  var ownJacobians: EngineJacobians {
    var sum = explicit.ownJacobians
    if let own = implicitEngine?.ownJacobians {
      sum.count += own.count
      sum.rhsEvaluations += own.rhsEvaluations
      sum.seconds += own.seconds
    }
    return sum
  }
  var failureMessage: String? { isImplicit ? implicitEngine?.failureMessage : explicit.failureMessage }
  var landsOnTargets: Bool { explicit.landsOnTargets }

  func step(t: inout Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> StepResult {
    let start = t
    let result: StepResult
    if isImplicit, let implicitEngine {
      let clock = ContinuousClock.now
      result = implicitEngine.step(t: &t, target: target, h: &h, y: y)
      implicitSeconds += seconds(since: clock)
      if result == .accepted { implicitSteps += 1 }
    } else if isImplicit, let implicit {
      let clock = ContinuousClock.now
      result = StepResult(gslStatus: implicit.evolve(t: &t, target: target, h: &h, y: y))
      implicitSeconds += seconds(since: clock)
      if result == .accepted { implicitSteps += 1 }
    } else {
      result = explicit.step(t: &t, target: target, h: &h, y: y)
    }
    guard result == .accepted else { return result }
    acceptedSteps += 1
    if !isImplicit, handBack != nil, returnByCost(t: t) { return result }
    guard acceptedSteps > policy.warmUpSteps || nearStationary else { return result }
    if isImplicit, policy.switchBack == .cost {
      compareCost(t: t)
      return result
    }
    stepsSinceCheck += 1
    if stepsSinceCheck >= interval {
      stepsSinceCheck = 0
      // The larger of the step taken and the one proposed next: a step shortened to land on a save
      // time must not look non-stiff.
      let stepSize = max(t - start, h)
      // Steps still growing freely (at least doubled since the last check) are set by accuracy: a
      // stability-limited method's steps stall at β/ρ(J). Such a check is skipped (it would cost
      // ``StiffnessEstimator/iterations`` + 1 evaluations); a skipped check also ends a run of votes.
      let growing = !isImplicit && stepSize >= Self.freeGrowth * lastCheckedStep
      lastCheckedStep = stepSize
      if growing {
        votes = 0
        previousStiffness = 0
      } else {
        check(t: t, stepSize: stepSize, target: target, h: &h, y: y)
      }
    }
    return result
  }

  /// The stiffness test after an accepted step; may switch, and then sets the next trial step `h`.
  private func check(
    t: Double, stepSize: Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>
  ) {
    let before = bridge.rhsEvaluations
    let radius = estimator.estimate(t: t, y: y) { t, y, f in
      bridge.function(t: t, y: y, dydt: f) == GSL_SUCCESS
    }
    estimateEvaluations += bridge.rhsEvaluations - before
    bridge.clearFailures()
    guard let radius else { return }
    // The verdict's h·ρ(J): this estimate's, or the larger of it and the previous check's (``StiffnessVerdict``).
    let estimated = stepSize * radius
    let stiffness =
      policy.verdict == .pair && !nearStationary ? max(estimated, previousStiffness) : estimated
    previousStiffness = estimated
    // (Backing off only while explicit: an implicit method's checks count towards the switch back.)
    interval =
      !isImplicit && stiffness <= Self.nonStiffThreshold ? min(2 * interval, Self.maximumInterval) : Self.checkInterval
    if !isImplicit {
      largestExplicitStiffness = max(largestExplicitStiffness, stiffness)
      votes = stiffness >= Self.stiffThreshold ? votes + 1 : 0
      if votes == 1 { stretchStart = (evaluations, t) }
      let needed = nearStationary ? Self.nearStationaryChecks : policy.stiffChecks
      guard votes >= needed else { return }
      votes = 0
      guard bridge.dimension <= Stepper.autoMaximumImplicitDimension else {
        stiffButTooLarge = true
        return
      }
      guard switches.count < Self.maximumSwitches, startImplicit() else { return }
      handBack = nil
      explicitCost = Double(evaluations - stretchStart.evaluations) / (t - stretchStart.time)
      implicitSinceSwitch = 0
      record(
        t, from: explicitName, to: implicitName, stiffness: stiffness,
        why:
          "stiff: h·ρ(J) = \(fmt(stiffness)) ≥ \(fmt(Self.stiffThreshold)) in \(needed) checks in a row "
          + "(steps limited by stability, not accuracy)")
    } else {
      guard case .nonStiffChecks(let needed) = policy.switchBack else { return }
      votes = stiffness <= Self.nonStiffThreshold ? votes + 1 : 0
      guard votes >= needed, switches.count < Self.maximumSwitches else { return }
      votes = 0
      isImplicit = false
      record(
        t, from: implicitName, to: explicitName, stiffness: stiffness,
        why:
          "not stiff: h·ρ(J) = \(fmt(stiffness)) ≤ \(fmt(Self.nonStiffThreshold)) in \(needed) checks in a row"
      )
    }
  }

  /// Every evaluation so far: the system's (steps, Jacobians, stiffness checks) and the engines' own.
  private var evaluations: Int { bridge.rhsEvaluations + ownEvaluations }

  /// ``StiffnessSwitching/SwitchBack/cost`` after an accepted implicit step: at the end of each window of
  /// ``StiffnessSwitching/costWindow`` steps (the first starting ``StiffnessSwitching/costGrace`` steps after
  /// the switch), back to the explicit method when the window cost more evaluations per unit time than the
  /// explicit method's stiff stretch.
  private func compareCost(t: Double) {
    implicitSinceSwitch += 1
    let counted = implicitSinceSwitch - StiffnessSwitching.costGrace
    guard counted >= 0 else { return }
    if counted == 0 {
      windowStart = (evaluations, t)
      return
    }
    guard counted % StiffnessSwitching.costWindow == 0 else { return }
    let cost = Double(evaluations - windowStart.evaluations) / (t - windowStart.time)
    windowStart = (evaluations, t)
    guard cost > explicitCost, switches.count < Self.maximumSwitches else { return }
    if escalates, !escalated, switches.count + 1 >= Self.maximumSwitches, let make = makeImplicitEngine,
      let made = try? make.factory(bridge.dimension, policy.implicitTolerances(tolerances))
    {
      implicitEngine = made
      escalated = true
      record(
        t, from: Self.implicitStepper.rawValue, to: make.name, stiffness: 0,
        why:
          "escalated: \(Self.implicitStepper.rawValue) cost more than the explicit method in each of its "
          + "\((switches.count + 1) / 2) tries (now \(fmt(cost)) evaluations per unit time against "
          + "\(fmt(explicitCost))); \(make.name) takes over for the rest of the phase")
      return
    }
    isImplicit = false
    votes = 0
    stepsSinceCheck = 0
    interval = Self.checkInterval
    if policy.implicitReturn == .cost { handBack = (evaluations, t, cost, 0) }
    record(
      t, from: implicitName, to: explicitName, stiffness: 0,
      why:
        "costlier: \(fmt(cost)) evaluations per unit time over the last \(StiffnessSwitching.costWindow) steps "
        + "against the explicit method's \(fmt(explicitCost)) before the switch")
  }

  /// ``ImplicitReturn/cost`` after an accepted explicit step following a hand-back by cost: once
  /// ``StiffnessSwitching/returnSteps`` steps are taken, back to the implicit method when the explicit steps'
  /// evaluations per unit time since the hand-back exceed ``StiffnessSwitching/returnFactor`` times the implicit
  /// method's over its last window. The implicit method stays held to the explicit stiff stretch's cost
  /// (``explicitCost``, unchanged): one that is still costlier is handed back again, and each return and hand-back
  /// spend two of the ``maximumSwitches`` (under `stiff_kinks` `escalate` the exact engine takes over when they run
  /// out). True when it switched.
  private func returnByCost(t: Double) -> Bool {
    guard var back = handBack else { return false }
    back.steps += 1
    handBack = back
    guard back.steps >= StiffnessSwitching.returnSteps, t > back.time else { return false }
    let cost = Double(evaluations - back.evaluations) / (t - back.time)
    guard cost > StiffnessSwitching.returnFactor * back.implicitCost else { return false }
    handBack = nil
    guard switches.count < Self.maximumSwitches, startImplicit() else { return false }
    implicitSinceSwitch = 0
    votes = 0
    record(
      t, from: explicitName, to: implicitName, stiffness: 0,
      why:
        "returned: \(fmt(cost)) evaluations per unit time over the \(back.steps) steps since the hand-back against "
        + "\(fmt(back.implicitCost)) of the implicit method's last window")
    return true
  }

  private func record(_ t: Double, from: String, to: String, stiffness: Double, why: String) {
    previousStiffness = 0
    switches.append(StepperSwitch(time: t, from: from, to: to, reason: why, stiffness: stiffness))
  }

  /// Starts the implicit method at the current state, with no history; false when it cannot be allocated.
  private func startImplicit() -> Bool {
    if usesEngine, let makeImplicitEngine {
      // An engine starts afresh wherever the solver moves its state (``StepEngine``).
      if implicitEngine == nil {
        guard let made = try? makeImplicitEngine.factory(bridge.dimension, policy.implicitTolerances(tolerances))
        else { return false }
        implicitEngine = made
      }
    } else if let implicit {
      implicitRejected += implicit.rejectedSteps
      implicit.reset()
    } else {
      guard
        let made = try? GSLDriver(
          bridge: bridge, stepper: Self.implicitStepper, tolerances: policy.implicitTolerances(tolerances),
          initialStep: 1)
      else { return false }
      implicit = made
    }
    isImplicit = true
    return true
  }
}

private func seconds(since start: ContinuousClock.Instant) -> Double {
  let d = ContinuousClock.now - start
  return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
