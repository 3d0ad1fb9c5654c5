/// How the integration treats ReLU sliding modes (`--sliding`, THEORY §7.1; README "ReLU kinks").
///
/// - `off`: backprop with σ'(0) = 0. Where the flow is pushed onto z_nj = 0 from both sides an
///   adaptive explicit stepper chatters across the surface: the local error is first order in h there,
///   so the cost grows like 1/tol and about half of all steps are rejected.
/// - `filippov`: pairs near the kink (``SlidingPairDetector``) get the Filippov convex-combination slope
///   that keeps z_nj = 0 (``FilippovFlow``): the same trajectory as the exact Filippov solution, with the
///   sliding stretches smooth for the stepper (``DeepFilippovFlow`` for K ≥ 3). ReLU nets, unconstrained
///   dynamics only.
/// - `auto` (the default): `filippov` where it applies — the unconstrained flow (not gradient descent) of
///   a ReLU net with a hidden layer — and `off` otherwise. ``SimulationSetup`` resolves it, so a run.json
///   records `filippov` or `off`.
/// - `corrected`: steps that integrate one activation pattern and correct for the pattern changes
///   inside them, sample by sample (``CrossingCorrectedStepper``): crossings of z = 0 no longer limit the
///   step. Unconstrained flow of a relu or leaky-relu net with a hidden layer, in the t clock (later
///   log-t or ρ phases integrate σ'(0) = 0 with GSL).
public enum SlidingMode: String, CaseIterable, Sendable, Codable {
  case off
  case filippov
  case corrected
  case auto

  /// `auto` resolved for a run: `filippov` for the unconstrained flow of a ReLU net with K ≥ 2.
  public func resolved(architecture: Architecture, dynamics: DynamicsKind, gradientDescent: Bool) -> SlidingMode {
    guard self == .auto else { return self }
    let applies =
      architecture.depth >= 2 && architecture.activation == .relu && dynamics == .unconstrained && !gradientDescent
    return applies ? .filippov : .off
  }
}
