/// Work counters of one solve (deterministic for a given problem, unlike wall time).
public struct SolverStatistics: Sendable, Equatable, Codable {
  /// Right-hand-side evaluations, including those of finite-difference Jacobians and event location.
  public var rhsEvaluations: Int = 0
  /// Jacobian evaluations (analytic or finite-difference).
  public var jacobianEvaluations: Int = 0
  /// Accepted steps of the main integration.
  public var stepsAccepted: Int = 0
  /// Steps rejected by the error control (or retried after a failed right-hand side).
  public var stepsRejected: Int = 0
  /// Wall time of the solve in seconds.
  public var wallSeconds: Double = 0
  /// The step size proposed for the next step when the run ended.
  public var lastStepSize: Double = 0
  /// ``Stepper/auto``: every switch between the explicit and the implicit method, in order.
  public var stepperSwitches: [StepperSwitch] = []
  /// Accepted steps taken by an implicit method (all of them for a fixed implicit stepper).
  public var implicitSteps: Int = 0
  /// Wall time of the implicit steps (their Newton iterations, linear solves and Jacobians).
  public var implicitSeconds: Double = 0
  /// Wall time spent evaluating Jacobians (analytic or finite-difference).
  public var jacobianSeconds: Double = 0
  /// Right-hand-side evaluations spent on finite-difference Jacobians (2·(n + 1) per Jacobian).
  public var jacobianRHSEvaluations: Int = 0
  /// Right-hand-side evaluations spent on ``Stepper/auto``'s stiffness tests.
  public var stiffnessRHSEvaluations: Int = 0
  /// The largest h·ρ(J) (step times the estimated spectral radius of ∂f/∂y) of an explicit method:
  /// measured by ``Stepper/auto``'s tests, or once at the end of an explicit solve that hit a limit.
  /// Near 3 the steps were limited by stability: the problem is stiff there. 0 when not measured.
  public var explicitStiffness: Double = 0
  /// ``Stepper/auto`` found the problem stiff but the system is too large for the implicit method.
  public var stiffButTooLarge = false

  public init() {}

  /// Adds a later solve's work (a run's next phase): counts and times add, switches append, the step size,
  /// and h·ρ(J) are the later solve's (an earlier phase's stiffness is not the failure's), and "stiff but too
  /// large" holds if it held in either.
  public mutating func append(_ later: SolverStatistics) {
    rhsEvaluations += later.rhsEvaluations
    jacobianEvaluations += later.jacobianEvaluations
    stepsAccepted += later.stepsAccepted
    stepsRejected += later.stepsRejected
    wallSeconds += later.wallSeconds
    lastStepSize = later.lastStepSize
    stepperSwitches += later.stepperSwitches
    implicitSteps += later.implicitSteps
    implicitSeconds += later.implicitSeconds
    jacobianSeconds += later.jacobianSeconds
    jacobianRHSEvaluations += later.jacobianRHSEvaluations
    stiffnessRHSEvaluations += later.stiffnessRHSEvaluations
    explicitStiffness = later.explicitStiffness
    stiffButTooLarge = stiffButTooLarge || later.stiffButTooLarge
  }

  /// The counters alone, wall times set to 0 (for comparing two solves of the same problem).
  public var withoutTimes: SolverStatistics {
    var copy = self
    copy.wallSeconds = 0
    copy.implicitSeconds = 0
    copy.jacobianSeconds = 0
    return copy
  }
}

extension SolverStatistics {
  /// h·ρ(J) at or above which an explicit method's steps are held by stability rather than accuracy
  /// (rkf45's stability interval on the negative real axis is about 3; ``StiffnessSwitchingEngine``).
  public static let stabilityLimited = 1.5

  /// Whether ``Stepper/auto`` used up its switches (``StiffnessSwitchingEngine/maximumSwitches``) and ended on
  /// its explicit method because the implicit one cost more (``StiffnessSwitching/SwitchBack/cost``, the rule
  /// of ReLU nets): tried and handed back as costlier, every time.
  public var implicitGaveUp: Bool {
    guard stepperSwitches.count >= StiffnessSwitchingEngine.maximumSwitches, let last = stepperSwitches.last else {
      return false
    }
    return last.from == StiffnessSwitchingEngine.implicitStepper.rawValue && last.reason.hasPrefix("costlier")
  }

  /// Whether a solve that ended with `termination` failed because the problem is stiff for the explicit
  /// method that ran it (its last h·ρ(J) at the stability limit, and no implicit steps or an implicit method
  /// that gave up: ``implicitGaveUp``), or because ``Stepper/auto`` found it stiff but too large for its
  /// implicit method.
  public func isStiffFailure(_ termination: Termination) -> Bool {
    guard !termination.isSuccess, termination.kind != .interrupted, termination.kind != .saveFailed else {
      return false
    }
    return stiffButTooLarge || (explicitStiffness >= Self.stabilityLimited && (implicitSteps == 0 || implicitGaveUp))
  }

  /// Why a stiff failure (``isStiffFailure(_:)``) happened, in solver terms; nil for any other ending.
  public func stiffnessDiagnosis(_ termination: Termination) -> String? {
    guard isStiffFailure(termination) else { return nil }
    if stiffButTooLarge {
      return "the problem is stiff here, but the system has more than \(Stepper.autoMaximumImplicitDimension) "
        + "unknowns, too many for the automatic switch to the implicit method (its n × n matrices)"
    }
    if implicitGaveUp {
      return
        "the steps were limited by stability, not accuracy (h·ρ(J) = \(String(format: "%.3g", explicitStiffness))), "
        + "and the implicit method, tried \(stepperSwitches.count / 2) times, cost more each time "
        + "(more steps or a looser tolerance would not help)"
    }
    return "the steps were limited by stability, not accuracy (h·ρ(J) = \(String(format: "%.3g", explicitStiffness))): "
      + "the problem is stiff here; an implicit method takes steps at the accuracy asked "
      + "(more steps or a looser tolerance would not help)"
  }
}
