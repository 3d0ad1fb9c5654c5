/// Where the crossing-corrected steps place a crossing that follows another of the same unit in one step (config
/// key `crossing_times`).
///
/// The follower finds each pair's crossing on the frozen path θ̃(s). After a first crossing of unit j the true
/// path's row j leaves θ̃ linearly in s, so a later crossing of the same unit, by another sample, happens at a
/// different time; the correction, built on the frozen path's time, is then off by the flip's force times h times
/// the shift. The shift is |g_k (x_i·x_k) h (s_i − s_k) / (h ż_i)|: second order in h, but large where a unit
/// sweeps slowly across nearly parallel or antiparallel samples, and the correction's error estimate does not
/// contain it. On random problem 13 of `benchmarks/audit.py --count 40 --seed 99` (XOR corners with noise, 80
/// samples, init scale 0.1), two such steps at t < 4e-4 left unit 15's w 6.7e-8 off (2.4e-6 relative) while the
/// estimate passed them at rtol 1e-10, and the run ended 1.5e-7 off in γ̄ (docs/kinks.md, "Crossing times on the
/// corrected path").
///
/// - `shifted` (opt-in): a net with one hidden layer, unconstrained flow: every crossing of a unit
///   crossed two or more times in the step is moved onto the corrected path, by Newton steps on the frozen cubic plus
///   the earlier crossings' linear drift (``CrossingCorrectedStepper/shiftFirstLayerCrossings(h:)``).
/// - `frozen` (the default, and what runs recorded before the key used): the frozen path's times.
///
/// `shifted` is not the default: on four audit draws (160 problems) it changed 64 runs' evaluations by about ±10%
/// and their errors by a median factor of 1.0. It fixed one run's γ̄ (9.9e-8 → 2.5e-9), and two others moved past
/// the audit's 1e-7 (to 1.0e-7 and 2.1e-7). In those two, the weights are 1e-7 to 1e-5 off with either setting
/// during phases with sliding pairs, and that error, not the crossing times, decides the result
/// (docs/kinks.md).
public enum CrossingTimes: String, CaseIterable, Sendable, Codable {
  case shifted
  case frozen

  /// The largest shift applied, in units of the step (a larger one means the first-order shift is not to be
  /// trusted: the time is left as it was).
  static let largestShift = 0.25
  /// The most crossings of one unit in one step that are shifted (their sum is quadratic in the count).
  static let largestGroup = 64
  /// Newton steps on the shifted crossing (z̃ is a cubic in s, the shift linear): the first is the first-order
  /// shift, the second and third take in the cubic's curvature.
  static let newtonSteps = 3
}
