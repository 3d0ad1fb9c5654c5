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

  public init() {}
}
