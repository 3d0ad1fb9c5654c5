/// The user's stop conditions (`--stop-*`, and `--rho-end` outside the ρ clock). Each is located between
/// steps by bisection to the solver's event tolerance (see ``RunStops``), except `kkt`, which is
/// tested at saves.
public struct StopOptions: Sendable, Equatable {
  /// Stop when every sample is classified correctly (min_n q_n ≥ 0).
  public var whenSeparated = false
  /// Stop when the loss falls to this value.
  public var loss: Double?
  /// Stop when the normalized margin γ̄ = min_n q_n(V) reaches this value.
  public var margin: Double?
  /// Stop when the product norm ρ reaches this value (in the t, log-t and auto clocks).
  public var rho: Double?
  /// Stop at the first save where the checker's KKT certificate is within this tolerance.
  public var kkt: Double?
  /// End the run with `reachedMinimizer` when the state is at a minimizer of the loss (``MinimizerTest``).
  public var minimizer = false
  /// Which −∇L the minimizer test measures (``MinimizerVelocity``).
  public var minimizerVelocity = MinimizerVelocity.clarke

  public init() {}
}
