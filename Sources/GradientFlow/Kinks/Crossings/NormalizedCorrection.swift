/// The correction's share of the error estimate (``CrossingCorrectedStepper/correctionWeight``) in the normalized
/// flows' corrected steps (config key `normalized_correction`, docs/kinks.md "Lagrange and weight-normalized
/// flows").
///
/// A step is accepted when the weight × the second correction term, J ∫ (t_1 − t) ΔF dt, is within tolerance;
/// the step propagates that second-order term (local extrapolation), so the weight may lie below 1. The
/// unconstrained flow's 0.3 was chosen against its benchmark references. For the normalized flows it is
/// pessimistic: on S (Lagrange, rtol 1e-8) half of the rejected steps are rejected by this estimate alone, while
/// with a third of the weight the final loss and γ̄ stay within 3.1e-10 and 3.9e-10 of the tight reference.
///
/// - `relaxed` (the default): weight 0.1. Measured against `standard` at rtol 1e-8: S 19,072 → 17,259
///   evaluations, M 77,536 → 73,890, the zoo's blobs_w16_lagrange 4,867 → 3,948, blobs_w16_wn_c2 3,712 → 2,885,
///   orthosep_w8_lagrange 3,019 → 2,581, iris_std_w8_wn_c1_logt 5,809 → 4,841, every error within 2.5× of its
///   `standard` value and far inside issue 17's bounds. (A weight of 0.03 took blobs_w16_lagrange's γ̄ error to
///   8.9e-8, too near the 1e-7 bound.)
/// - `standard`: the unconstrained flow's 0.3, what runs recorded before the key existed used, so a run.json
///   without it replays bit for bit.
public enum NormalizedCorrection: String, CaseIterable, Sendable, Codable {
  case relaxed
  case standard

  /// The correction weight of the normalized flows' corrected steps.
  public var weight: Double {
    switch self {
    case .relaxed: 0.1
    case .standard: CrossingCorrectedStepper.defaultCorrectionWeight
    }
  }
}
