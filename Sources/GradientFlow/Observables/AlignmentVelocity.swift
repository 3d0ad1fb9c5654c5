/// Which −∇L the `alignment` and `grad_norm` columns use (``Observables/velocityField``), config key
/// `alignment_velocity`.
///
/// - `flow` (the default): the velocity the flow follows — on pairs that slide, with their Filippov slopes.
/// - `backprop`: the one-sided backprop gradient (σ'(0) = 0), what runs recorded before the key existed used;
///   a run.json without the key replays with it, so its trajectory.csv is reproduced bit for bit.
public enum AlignmentVelocity: String, CaseIterable, Sendable, Codable {
  case flow
  case backprop
}
