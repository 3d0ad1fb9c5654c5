/// Running work counters of the solves that share it, readable by observers while a solve runs
/// (set ``SolverOptions/liveStatistics``). Totals accumulate across consecutive solves (the phases of
/// one run); each solve updates them right before it calls its step observer.
public final class LiveStatistics {
  /// Accepted steps, rejected steps and right-hand-side evaluations so far, over all solves.
  public private(set) var stepsAccepted = 0
  public private(set) var stepsRejected = 0
  public private(set) var rhsEvaluations = 0
  private var base = (accepted: 0, rejected: 0, rhs: 0)

  public init() {}

  /// Called by ``ODESolver`` when a solve starts: its counters start from 0 on top of the totals.
  func beginSolve() {
    base = (stepsAccepted, stepsRejected, rhsEvaluations)
  }

  /// Called by ``ODESolver`` after each accepted step with the solve's own counters.
  func update(accepted: Int, rejected: Int, rhsEvaluations rhs: Int) {
    stepsAccepted = base.accepted + accepted
    stepsRejected = base.rejected + rejected
    rhsEvaluations = base.rhs + rhs
  }
}
