/// Takes one accepted step at a time for ``ODESolver``. The default is GSL's evolve loop
/// (``GSLDriver``); a system with structure GSL cannot see can bring its own (e.g. a ReLU flow whose
/// steps integrate one activation pattern and correct for the crossings, `CrossingCorrectedStepper`).
public protocol StepEngine: AnyObject {
  /// One accepted step from t toward at most `target`: updates t, the next trial step h and y.
  /// Returns `GSL_SUCCESS`, or a GSL status that ends the run (y and t are then restored by the solver).
  func step(t: inout Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> Int32
  /// Steps rejected so far by the error control.
  var rejectedSteps: Int { get }
  /// Right-hand side evaluations the engine made itself (not through the solver's system bridge).
  var ownEvaluations: Int { get }
  /// Why the last failed step failed, in words the user can act on (`nil`: the status says it).
  var failureMessage: String? { get }
}

/// Builds the engine of one solve for a system of the given dimension, with the solve's tolerances.
public typealias StepEngineFactory = (_ dimension: Int, _ tolerances: Tolerances) throws(ODEError) -> any StepEngine

extension GSLDriver: StepEngine {
  var ownEvaluations: Int { 0 }
  var failureMessage: String? { nil }
}
