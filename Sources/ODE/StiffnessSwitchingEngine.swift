import CGSL
import Foundation

/// The step engine of ``Stepper/auto``: an explicit method (GSL's rkf45, or a custom explicit
/// ``StepEngine``) while the problem is not stiff, GSL's msbdf (BDF orders 1–5, with the system's
/// analytic Jacobian or the bridge's finite-difference one) while it is, and back.
///
/// Stiffness test (in the spirit of Hairer–Wanner's test for the embedded pairs, IV.2): every
/// ``checkInterval`` accepted steps the spectral radius ρ(J) of ∂f/∂y is estimated by a few power
/// iterations on right-hand-side differences (``StiffnessEstimator``). An explicit method is
/// stability-limited when its steps satisfy h·ρ(J) ≈ β, β ≈ 3 being the length of its stability
/// interval on the negative real axis (measured for rkf45 on y' = −λy: accepted steps settle at
/// h·λ ≈ 3.0–3.3). So
///
/// - explicit → implicit after ``stiffChecks`` consecutive checks with h·ρ(J) ≥ ``stiffThreshold``
///   (steps at the stability limit, not at the accuracy the tolerance asks);
/// - implicit → explicit after ``nonStiffChecks`` consecutive checks with h·ρ(J) ≤ ``nonStiffThreshold``
///   (an explicit method could take the implicit method's steps with a wide stability margin).
///
/// After ``maximumSwitches`` switches the engine stays implicit (a problem at the border would
/// otherwise ping-pong). Systems larger than ``maximumImplicitDimension`` never switch (the n × n
/// Newton matrix would not fit); the solve's statistics then say the problem was found stiff.
/// Every switch is recorded (``StepperSwitch``) with the time, the two methods and h·ρ(J).
final class StiffnessSwitchingEngine: StepEngine {
  /// Checks every this many accepted steps (power iterations cost 4 RHS evaluations per check).
  static let checkInterval = 20
  static let stiffChecks = 3
  static let nonStiffChecks = 5
  /// h·ρ(J) at or above which an explicit step is stability-limited (β ≈ 3 for rkf45, with margin
  /// for the step-size controller's oscillation below the limit).
  static let stiffThreshold = 1.5
  /// h·ρ(J) at or below which an explicit method is far from its stability limit.
  static let nonStiffThreshold = 0.5
  static let maximumSwitches = 20
  /// The largest system the engine integrates implicitly (msbdf keeps several n × n matrices).
  static let maximumImplicitDimension = Stepper.autoMaximumImplicitDimension
  /// The implicit method.
  static let implicitStepper = Stepper.msbdf

  private let bridge: SystemBridge
  private let tolerances: Tolerances
  private let explicit: any StepEngine
  let explicitName: String
  private var implicit: GSLDriver?
  private let estimator: StiffnessEstimator
  /// Whether the implicit method is stepping.
  private(set) var isImplicit = false
  private var stepsSinceCheck = 0
  private var votes = 0
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

  init(bridge: SystemBridge, tolerances: Tolerances, explicit: any StepEngine, explicitName: String) {
    self.bridge = bridge
    self.tolerances = tolerances
    self.explicit = explicit
    self.explicitName = explicitName
    estimator = StiffnessEstimator(dimension: bridge.dimension)
  }

  /// The GSL method now stepping (rkf45 for a custom explicit engine, for event location).
  var activeStepper: Stepper { isImplicit ? Self.implicitStepper : .rkf45 }

  var rejectedSteps: Int {
    explicit.rejectedSteps + explicitRejected + implicitRejected + (implicit.map(\.rejectedSteps) ?? 0)
  }
  var ownEvaluations: Int { explicit.ownEvaluations }
  var failureMessage: String? { isImplicit ? nil : explicit.failureMessage }

  func step(t: inout Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> Int32 {
    let start = t
    let status: Int32
    if isImplicit, let implicit {
      let clock = ContinuousClock.now
      status = implicit.step(t: &t, target: target, h: &h, y: y)
      implicitSeconds += seconds(since: clock)
      if status == GSL_SUCCESS { implicitSteps += 1 }
    } else {
      status = explicit.step(t: &t, target: target, h: &h, y: y)
    }
    guard status == GSL_SUCCESS else { return status }
    stepsSinceCheck += 1
    if stepsSinceCheck >= Self.checkInterval {
      stepsSinceCheck = 0
      check(t: t, stepSize: max(t - start, h), y: y)
    }
    return status
  }

  /// The stiffness test after an accepted step of size `stepSize` (the larger of the step taken
  /// and the one proposed next, so a step shortened to hit a save time does not look non-stiff).
  private func check(t: Double, stepSize: Double, y: UnsafeMutablePointer<Double>) {
    let before = bridge.rhsEvaluations
    let radius = estimator.estimate(t: t, y: y) { t, y, f in
      bridge.function(t: t, y: y, dydt: f) == GSL_SUCCESS
    }
    estimateEvaluations += bridge.rhsEvaluations - before
    bridge.clearFailures()
    guard let radius else { return }
    let stiffness = stepSize * radius
    if !isImplicit {
      largestExplicitStiffness = max(largestExplicitStiffness, stiffness)
      votes = stiffness >= Self.stiffThreshold ? votes + 1 : 0
      guard votes >= Self.stiffChecks else { return }
      votes = 0
      guard bridge.dimension <= Self.maximumImplicitDimension else {
        stiffButTooLarge = true
        return
      }
      guard switches.count < Self.maximumSwitches, switchToImplicit(h: stepSize) else { return }
      switches.append(
        StepperSwitch(
          time: t, from: explicitName, to: Self.implicitStepper.rawValue,
          reason:
            "stiff: h·ρ(J) = \(fmt(stiffness)) ≥ \(fmt(Self.stiffThreshold)) in \(Self.stiffChecks) checks in a row (steps limited by stability, not accuracy)",
          stiffness: stiffness))
    } else {
      votes = stiffness <= Self.nonStiffThreshold ? votes + 1 : 0
      guard votes >= Self.nonStiffChecks, switches.count < Self.maximumSwitches - 1 else { return }
      votes = 0
      isImplicit = false
      // GSL's evolve reuses the last step's f(y) at the next start: stale after the implicit steps.
      if let driver = explicit as? GSLDriver {
        explicitRejected += driver.rejectedSteps  // reset() clears GSL's counter
        driver.reset()
      }
      switches.append(
        StepperSwitch(
          time: t, from: Self.implicitStepper.rawValue, to: explicitName,
          reason:
            "not stiff: h·ρ(J) = \(fmt(stiffness)) ≤ \(fmt(Self.nonStiffThreshold)) in \(Self.nonStiffChecks) checks in a row",
          stiffness: stiffness))
    }
  }

  /// Starts (or restarts) the implicit method at the current state; false when it cannot be allocated.
  private func switchToImplicit(h: Double) -> Bool {
    if implicit == nil {
      implicit = try? GSLDriver(
        bridge: bridge, stepper: Self.implicitStepper, tolerances: tolerances, initialStep: h)
      guard implicit != nil else { return false }
    } else if let implicit {
      implicitRejected += implicit.rejectedSteps  // reset() clears GSL's counter
      implicit.reset()
    }
    isImplicit = true
    return true
  }
}

extension Stepper {
  /// The largest system ``auto`` switches to its implicit method for (msbdf's n × n matrices).
  public static let autoMaximumImplicitDimension = 1500
}

private func seconds(since start: ContinuousClock.Instant) -> Double {
  let d = ContinuousClock.now - start
  return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
