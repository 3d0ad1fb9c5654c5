/// How the crossing-corrected steps of the Lagrange and weight-normalized flows (stepped in W,
/// ``NormalizedCrossingStepper``) treat sliding pairs and weigh their correction (config key `normalized_kinks`,
/// docs/kinks.md "Lagrange and weight-normalized flows").
///
/// On a kink z_nj = w_j·x_n = 0 these flows move z_nj by a_1 = ρ_1²/c_1² times the unconstrained flow's ż_nj,
/// since the radial part of M(W) adds (1 − a_1)⟨W_1, G_1⟩ z_nj/ρ_1² = 0 there (``NormalizedWeightField``). So the
/// sliding set, its Filippov slopes and its surfaces are the unconstrained flow's, and what keeps that flow's
/// sliding pairs on their surfaces applies unchanged: the sliding projection (``SlidingProjection``, when
/// `sliding_correction` is `projected`) moves a sliding row of W_1 by O(rtol)‖w_j‖ back onto its surfaces (the map
/// back to (g, v) is exact), and the chatter hold (``ChatterMonitor``, when `chatter` is `hold`) widens a
/// chattering pair's band.
///
/// - `relaxed` (the default): the projection and the hold, and the correction weight
///   (``CrossingCorrectedStepper/correctionWeight``) 0.1 instead of 0.3. Half of S's rejected steps are rejected
///   by the correction's estimate alone, yet with a third of the weight the final loss and γ̄ stay within 3.1e-10
///   and 3.9e-10 of the tight reference. Against `shared` at rtol 1e-8: S 19,072 → 17,259 evaluations, M 77,536 →
///   73,890, the zoo's blobs_w16_lagrange 4,867 → 3,948, blobs_w16_wn_c2 3,712 → 2,885, orthosep_w8_lagrange
///   3,019 → 2,581, iris_std_w8_wn_c1_logt 5,809 → 4,841, every error within 2.5× of its `shared` value and far
///   inside issue 17's bounds (a weight of 0.03 took blobs_w16_lagrange's γ̄ error to 8.9e-8, too near 1e-7).
///   An explicit `correction_weight` wins.
/// - `exponential`: `relaxed`, and exponential steps for the frozen field's one stiff mode once the explicit pair's
///   steps would pass h|λ_1| = 2 (``ExponentialFrozenStep``; one hidden layer). Past t ≈ 1 the normalized flows'
///   explicit steps sit at the pair's stability limit, with λ_1 about a_1 times the unconstrained flow's top
///   eigenvalue (docs/kinks.md, "Where the evaluations go"). Not the default yet: measured on S and M only.
/// - `shared`: the projection and the hold, with the unconstrained flow's weight 0.3.
/// - `separate`: neither, weight 0.3: what runs recorded before the key existed did, so a run.json without it
///   replays bit for bit.
public enum NormalizedKinks: String, CaseIterable, Sendable, Codable {
  case relaxed
  case exponential
  case shared
  case separate

  /// Whether the sliding projection and the chatter hold act on the normalized flows.
  public var sharesSliding: Bool { self != .separate }

  /// Whether the stiff mode gets exponential steps (``ExponentialFrozenStep``).
  public var stepsStiffModeExponentially: Bool { self == .exponential }

  /// The correction weight of the normalized flows' corrected steps when `correction_weight` is not set.
  public var correctionWeight: Double {
    self == .relaxed || self == .exponential ? 0.1 : CrossingCorrectedStepper.defaultCorrectionWeight
  }
}
