/// A named event that ends a run: the run stops where `function(t, y)` first becomes ≥ 0.
///
/// GSL has no event support, so the solver provides it: the sign is checked after every
/// accepted step; when it changes from negative to non-negative, the crossing time is located
/// by bisection, re-integrating from the start of that step with the same stepper and
/// tolerances, until the bracket is shorter than the solver's `eventTolerance`. The run ends at
/// the right end of the final bracket, where the function is already ≥ 0. A condition that
/// already holds at t0 ends the run at t0.
///
/// Examples: "loss < 1" is `log 1 − log L ≥ 0`; "the data are separated" is `min_n q_n ≥ 0`.
public struct StopCondition {
  /// The name shown in the termination reason, e.g. "separated".
  public var name: String
  /// The event function g(t, y); the run stops when g ≥ 0. It must not allocate on long runs.
  public var function: (_ t: Double, _ y: UnsafeBufferPointer<Double>) -> Double
  /// What the condition means for the run.
  public var kind: Kind

  /// What a stop condition means for the run.
  public enum Kind: Sendable {
    /// An event: located by bisection; the run ends with ``Termination/stopCondition(name:t:)``.
    case event
    /// The state is at an equilibrium (for a gradient flow: a minimizer, its gradient at round-off):
    /// not located (the flow no longer moves); the run ends with ``Termination/reachedMinimizer(t:)``
    /// at the first step where it holds.
    case stationary
    /// A boundary the caller crosses in another variable: not located; the run ends at the start of the step
    /// in which g reaches 0 (that step is discarded, and no step observer sees it), with
    /// ``Termination/stopCondition(name:t:)`` there. For an end that bisection cannot reach with every
    /// stepper (the ρ clock's log-t end: msbdf's re-integrations from the step's start fail there).
    case atStepStart
  }

  public init(
    name: String, kind: Kind = .event, function: @escaping (Double, UnsafeBufferPointer<Double>) -> Double
  ) {
    self.name = name
    self.kind = kind
    self.function = function
  }
}

/// Thrown by a save observer to end the run at the saved state, for conditions that are checked
/// only at saves (e.g. a certificate too costly or too non-smooth to locate by bisection). The run
/// ends with ``Termination/stopCondition(name:t:)`` at that save time.
public struct StopRequest: Error, Sendable, Equatable {
  public let name: String
  public init(name: String) { self.name = name }
}
