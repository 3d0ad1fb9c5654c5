/// What the crossing-corrected steps do with the pairs that slide at a step's end (config key
/// `sliding_correction`, docs/kinks.md "Projected sliding").
///
/// A sliding pair (n, j) of a one-hidden-layer net lies on its kink surface w_j·x_n = 0, and the Filippov
/// slopes keep ż_nj = 0 (up to the pull-back −κ z_nj) at every evaluation. A step's end still carries the
/// step's local error in z_nj, O(rtol)‖w_j‖‖x_n‖, and the sliding motion that follows starts from it: the
/// pull-back removes it only at the unit's own rate, so over many steps the offsets add up in the loss.
///
/// - `projected` (the default): at each accepted step's end the first-layer rows of the sliding pairs are
///   projected back onto their surfaces (``SlidingProjection``), so every step starts on them to round-off.
///   On the zoo's random labels this took the final loss from 3.5e-6 to below 1e-6 of the reference.
/// - `free`: no projection, what runs recorded before the key used (a run.json without it replays so, bit
///   for bit).
public enum SlidingCorrection: String, CaseIterable, Sendable, Codable {
  case projected
  case free
}
