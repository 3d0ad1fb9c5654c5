import CGSL

/// Takes one accepted step at a time for ``ODESolver``. The default is GSL's evolve loop
/// (``GSLDriver``); a system with structure GSL cannot see can bring its own (e.g. a ReLU flow whose
/// steps integrate one activation pattern and correct for the crossings), and a fixed-step method
/// (gradient descent as explicit Euler) is one too.
public protocol StepEngine: AnyObject {
  /// One accepted step from t toward `target`: updates t, the next trial step h and y. An engine whose
  /// ``landsOnTargets`` is true never steps past `target`; a fixed-step engine may. On a failure the
  /// solver restores y and t.
  func step(t: inout Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> StepResult
  /// Steps rejected so far by the error control.
  var rejectedSteps: Int { get }
  /// Right-hand side evaluations the engine made itself (not through the solver's system bridge).
  var ownEvaluations: Int { get }
  /// Why the last failed step failed, in words the user can act on (`nil`: the result says it).
  var failureMessage: String? { get }
  /// Whether a step ends exactly at `target` when it reaches it (adaptive engines), so that saves land
  /// on their times and stop conditions can be located between steps. A fixed-step engine (false) is
  /// saved at the first step at or past each save time, and its stop conditions are checked per step.
  var landsOnTargets: Bool { get }
  /// Jacobians the engine took itself (an implicit method inside it), not through the system bridge.
  var ownJacobians: EngineJacobians { get }
}

extension StepEngine {
  public var landsOnTargets: Bool { true }
  public var ownJacobians: EngineJacobians { EngineJacobians() }
}

/// Finite-difference Jacobians a step engine took itself: how many, the right-hand-side evaluations they cost
/// (also counted in ``StepEngine/ownEvaluations``) and their wall-clock seconds.
public struct EngineJacobians: Sendable, Equatable {
  public var count = 0
  public var rhsEvaluations = 0
  public var seconds = 0.0
  public init() {}
}

/// What one call of ``StepEngine/step(t:target:h:y:)`` came to.
public enum StepResult: Sendable, Equatable {
  /// The step was accepted.
  case accepted
  /// No step size the error control accepts is representable at t (the step size underflowed).
  case stepSizeUnderflow
  /// The right-hand side failed or stayed non-finite; the engine's ``StepEngine/failureMessage`` or the
  /// system says why.
  case systemFailed
  /// Any other failure of the underlying integrator, in words.
  case failed(String)
}

/// Builds the engine of one solve for a system of the given dimension, with the solve's tolerances.
public typealias StepEngineFactory = (_ dimension: Int, _ tolerances: Tolerances) throws(ODEError) -> any StepEngine

extension GSLDriver: StepEngine {
  var ownEvaluations: Int { 0 }
  var failureMessage: String? { nil }

  func step(t: inout Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> StepResult {
    StepResult(gslStatus: evolve(t: &t, target: target, h: &h, y: y))
  }
}

extension StepResult {
  /// GSL's status of an `evolve_apply` or `step_apply`: `GSL_FAILURE` is GSL's step-size underflow,
  /// `GSL_EBADFUNC` a right-hand side that failed.
  init(gslStatus status: Int32) {
    switch status {
    case Int32(GSL_SUCCESS): self = .accepted
    case Int32(GSL_FAILURE): self = .stepSizeUnderflow
    case Int32(GSL_EBADFUNC): self = .systemFailed
    default: self = .failed("GSL error \(status): \(GSLRuntime.message(for: status))")
    }
  }
}
