/// How the integration treats ReLU sliding modes (`--sliding`, THEORY §7.1; README "ReLU kinks").
///
/// - `off`: backprop with σ'(0) = 0. Where the flow is pushed onto z_nj = 0 from both sides an
///   adaptive explicit stepper chatters across the surface: the local error is first order in h there,
///   so the cost grows like 1/tol and about half of all steps are rejected.
/// - `filippov`: pairs near the kink (``SlidingPairDetector``) get the Filippov convex-combination slope
///   that keeps z_nj = 0 (``FilippovFlow``): the same trajectory as the exact Filippov solution, with the
///   sliding stretches smooth for the stepper (``DeepFilippovFlow`` for K ≥ 3). ReLU nets, unconstrained
///   dynamics only.
public enum SlidingMode: String, CaseIterable, Sendable, Codable {
  case off
  case filippov
}
