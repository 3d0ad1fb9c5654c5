/// Whether the crossing-corrected steps of the Lagrange and weight-normalized flows (stepped in W,
/// ``NormalizedCrossingStepper``) get the unconstrained flow's sliding machinery (config key `normalized_kinks`,
/// docs/kinks.md "Lagrange and weight-normalized flows").
///
/// On a kink z_nj = w_j·x_n = 0 these flows move z_nj by a_1 = ρ_1²/c_1² times the unconstrained flow's ż_nj,
/// since the radial part of M(W) adds (1 − a_1)⟨W_1, G_1⟩ z_nj/ρ_1² = 0 there (``NormalizedWeightField``). So the
/// sliding set, its Filippov slopes and its surfaces are the unconstrained flow's, and what keeps that flow's
/// sliding pairs on their surfaces applies unchanged:
///
/// - `shared` (the default): the sliding projection (``SlidingProjection``, when `sliding_correction` is
///   `projected`) and the chatter hold (``ChatterMonitor``, when `chatter` is `hold`) act on the normalized
///   flows too. The projection moves a sliding row of W_1 by O(rtol)‖w_j‖ back onto its surfaces; the map back
///   to (g, v) is exact, so the normalized coordinates follow.
/// - `separate`: neither does, what runs recorded before the key existed did, so a run.json without it replays
///   bit for bit.
public enum NormalizedKinks: String, CaseIterable, Sendable, Codable {
  case shared
  case separate
}
