/// The result of a solve: the saved states (when recorded), the final state, statistics, and why it ended.
public struct ODESolution: Sendable {
  /// Saved times, in increasing order (empty when states are not recorded).
  public var times: [Double]
  /// Saved states, one per saved time (empty when states are not recorded).
  public var states: [[Double]]
  /// The time where the run ended.
  public var finalTime: Double
  /// The state where the run ended.
  public var finalState: [Double]
  /// Work counters.
  public var statistics: SolverStatistics
  /// Why the run ended.
  public var termination: Termination

  public init(
    times: [Double], states: [[Double]], finalTime: Double, finalState: [Double],
    statistics: SolverStatistics, termination: Termination
  ) {
    self.times = times
    self.states = states
    self.finalTime = finalTime
    self.finalState = finalState
    self.statistics = statistics
    self.termination = termination
  }
}
