/// How a system is integrated: method, error control, limits, what to save and when to stop.
public struct SolverOptions {
  /// The stepping method. Default ``Stepper/rkf45`` (robust at ReLU kinks). ``Stepper/auto`` runs
  /// ``stepEngine`` (or rkf45) while the problem is not stiff and msbdf while it is.
  public var stepper: Stepper = .rkf45
  /// When ``Stepper/auto`` checks for stiffness, switches to msbdf and back (``StiffnessSwitching``): the rule
  /// for smooth right-hand sides unless set.
  public var switching = StiffnessSwitching.smooth
  /// Local error control.
  public var tolerances = Tolerances()
  /// First trial step; `nil` picks 1e-6 · max(1, |t0|), which the error control grows within a few steps.
  public var initialStep: Double?
  /// Smallest acceptable step size; a run whose step falls below it ends with
  /// ``Termination/stepTooSmall(t:stepSize:minimum:)``. 0 disables the check.
  public var minStep: Double = 0
  /// Largest step size.
  public var maxStep: Double = .infinity
  /// Limit on accepted steps. Always set, so that no run can hang: the default, one million, is well
  /// above what the benchmark problems need at rtol 1e-8 (benchmarks/RESULTS.md, "Figures behind design choices").
  public var maxSteps: Int = 1_000_000
  /// Wall-clock limit in seconds (`nil`: none).
  public var wallClockLimit: Double?
  /// What to save.
  public var saveSchedule: SaveSchedule = .endpoints
  /// Whether saved states are kept in the ``ODESolution`` (turn off for long runs that consume
  /// saves through the `onSave` observer).
  public var recordStates = true
  /// Events that end the run.
  public var stopConditions: [StopCondition] = []
  /// Event location stops when the bracket is shorter than eventTolerance · max(1, |t|).
  public var eventTolerance: Double = 1e-10
  /// Counters updated after every accepted step, for observers that report work per interval.
  public var liveStatistics: LiveStatistics?
  /// Builds the step engine of a solve (`nil`: GSL's evolve loop with ``stepper``).
  public var stepEngine: StepEngineFactory?
  /// The name ``Stepper/auto`` records for the engine of ``stepEngine`` when it switches away from it.
  public var stepEngineName = "custom"
  /// The engine ``Stepper/auto`` switches to while the problem is stiff (`nil`: GSL's msbdf on the system),
  /// built with the implicit tolerances of ``switching``, and the name its switches record.
  public var implicitEngine: StepEngineFactory?
  public var implicitEngineName = "custom"
  /// Whether ``implicitEngine`` only takes over from msbdf when msbdf has cost more at every switch up to the
  /// last one allowed (``StiffnessSwitchingEngine``), instead of replacing it from the first switch.
  public var implicitEngineEscalates = false
  /// With ``Stepper/auto``: while the solve's stationary stop condition (``StopCondition/Kind/stationary``, the
  /// minimizer test) is within this factor of holding — its value, a log ratio, at least −log(factor) — the
  /// switching rule's warm-up is waived and ``StiffnessSwitchingEngine/nearStationaryChecks`` stiff verdicts in a
  /// row switch (a stiff approach to an equilibrium needs no transient's caution). `nil`: the rule as it is.
  public var nearStationaryFactor: Double?
  /// The relative step of the finite-difference Jacobian that implicit steppers get when the system has no
  /// analytic one: column j is differenced with h_j = differenceStep·max(|y_j|, 1)^{1/3}. `nil` is
  /// ε^{1/3} ≈ 6.06e-6 (``FiniteDifferenceJacobian``); a right-hand side smooth only on a thin band (the
  /// Filippov flow's kink band) needs a step inside the band.
  public var differenceStep: Double?

  public init() {}

  func validate(dimension: Int) throws(ODEError) {
    try tolerances.validate(dimension: dimension)
    try saveSchedule.validate()
    guard maxSteps >= 1 else { throw .invalidOptions("max steps must be at least 1 (got \(maxSteps))") }
    if let h = initialStep, !(h > 0 && h.isFinite) {
      throw .invalidOptions("initial step must be positive and finite (got \(h))")
    }
    guard minStep >= 0, minStep.isFinite else {
      throw .invalidOptions("minimum step must be finite and non-negative (got \(minStep))")
    }
    guard maxStep > 0 else { throw .invalidOptions("maximum step must be positive (got \(maxStep))") }
    guard minStep <= maxStep else {
      throw .invalidOptions("minimum step \(minStep) exceeds maximum step \(maxStep)")
    }
    if let limit = wallClockLimit, !(limit > 0) {
      throw .invalidOptions("wall-clock limit must be positive (got \(limit))")
    }
    guard eventTolerance > 0, eventTolerance.isFinite else {
      throw .invalidOptions("event tolerance must be positive (got \(eventTolerance))")
    }
  }
}
