/// Whether the crossing-corrected steps hold a ReLU unit whose input weights collapse to w_j = 0 (config key
/// `unit_collapse`).
///
/// At w_j = 0 every pair of unit j is on its kink at once (z_nj = w_j·x_n = 0 for every sample), the unit's
/// output is 0 (σ(0) = 0) and slope 0 for all its pairs is in the Filippov set, so w_j = 0 is an equilibrium
/// of the ReLU flow: a unit that reaches it may stay. Whether it does depends on the far side. If the field there
/// carries w_j on through 0 (the pattern on the far side pushes it outward), the flow crosses, and so does
/// `--sliding exact`. If the field on the far side points back to 0 as well, w_j is trapped: `exact` holds the
/// unit at 0, and so does the limit of smooth activations (softplus, z·sigmoid(βz), β → ∞), whose unit stays within
/// O(1/β) of 0. The corrected steps cannot see this: the relative kink band |z| ≤ η‖w_j‖‖x‖ does not shrink with
/// w_j, so the step overshoots 0, comes back, and leaves w_j at the tolerance's level (1e-6 to 1e-4 measured) in
/// an arbitrary direction. There it chatters for millions of evaluations on a unit of one input (5.9M against
/// `exact`'s 1,395), or leaves 0 on that noise along an escape ray that exists later in the run, a different
/// Filippov solution from the one `exact` and the smooth limit follow (docs/kinks.md, "Collapsed units").
///
/// - `hold` (the default for new runs): a first-layer unit whose steps pass through w_j = 0 twice, each time ending
///   with the field pointing back to 0, within ``passWindow`` steps with crossings, gets w_j ← 0 exactly. "Passes
///   through 0": the row reversed over an accepted step with crossings (w_0·w_1 < 0, its start and end) and the
///   origin lies within ``chordDistance`` × ‖w_1 − w_0‖ of the chord from w_0 to w_1. "Points back": ẇ_j·w_1 < 0
///   for the true field at the step's end. One pass is not enough: the far side may carry the unit on along an
///   escape ray (a pattern whose field points outward), which the step's end sees only roughly; a second pass means
///   the far side pushed it back through 0 as well. The field then keeps w_j = 0 to the last bit (every z_nj is
///   0, so the frozen field's slopes and the Filippov slopes leave ẇ_j = 0 and ȧ_j = 0). ReLU nets with one hidden
///   layer, unconstrained flow.
/// - `free`: no hold (what runs recorded before the key used, so they replay bit for bit).
public enum UnitCollapse: String, CaseIterable, Sendable, Codable {
  case hold
  case free

  /// κ: how close to the chord from w_0 to w_1, relative to its length, the origin must lie for the step to have
  /// passed through w_j = 0. A unit that turns around 0 without collapsing keeps its norm along the way (the
  /// origin then lies at about half the chord's length or more); a pass through 0 along a straight path
  /// puts the origin on the chord, and the correction's error moves the end by a small fraction of the step.
  static let chordDistance = 0.1

  /// How many steps with crossings may separate the two passes. A trapped unit passes at every step or two (the
  /// field on either side points back, so each step overshoots); 10 leaves room for steps whose end lies off the
  /// chord test, and a unit that left along an escape ray does not come back within it.
  static let passWindow = 10
}
