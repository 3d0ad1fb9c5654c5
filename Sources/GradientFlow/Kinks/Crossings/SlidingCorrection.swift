/// What the crossing-corrected steps do with the pairs that slide at a step's end (config key
/// `sliding_correction`, docs/kinks.md "Projected sliding").
///
/// A sliding pair (n, j) of a one-hidden-layer net lies on its kink surface w_j·x_n = 0, and the Filippov
/// slopes keep ż_nj = 0 (up to the pull-back −κ z_nj) at every evaluation. A step's end still carries the
/// step's local error in z_nj, O(rtol)‖w_j‖‖x_n‖, and the sliding motion that follows starts from it: the
/// pull-back removes it only at the unit's own rate, so over many steps the offsets add up in the loss.
///
/// - `kept` (the default): `projected`, and inside a step with crossings the correction keeps the sliding
///   pairs on their surfaces. A pair (m, j) slides because its Filippov slope makes x_m·ẇ_j = 0; when another
///   sample n crosses unit j's kink inside the step, the correction δ adds n's force to w_j, and with the
///   slopes re-solved (to first order) the part of δ_j along the sliding samples' inputs is cancelled:
///   δ_j ← δ_j − X_Sᵀ(X_S X_Sᵀ)⁻¹X_S δ_j, X_S the inputs of unit j's sliding pairs at the frozen step's end
///   (``SlidingProjection``'s operator applied to δ_j). Without it such a crossing knocks the sliding pair off
///   its kink by far more than the band (2.5e-5 relative on a moons net, docs/kinks.md "Crossings next to
///   sliding pairs"), the pair leaves the sliding set and the run follows another branch.
/// - `projected`: at each accepted step's end the first-layer rows of the sliding pairs are
///   projected back onto their surfaces (``SlidingProjection``), so every step starts on them to round-off.
///   On the zoo's random labels this took the final loss from 3.5e-6 to below 1e-6 of the reference. What
///   run.json files recorded with this value replay with.
/// - `free`: no projection, what runs recorded before the key used (a run.json without it replays so, bit
///   for bit).
public enum SlidingCorrection: String, CaseIterable, Sendable, Codable {
  case kept
  case projected
  case free
}
