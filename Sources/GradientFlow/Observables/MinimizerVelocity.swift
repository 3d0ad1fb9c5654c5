/// Which −∇L the minimizer test measures (``MinimizerTest``, config key `minimizer_velocity`).
///
/// - `flow` (the default): where the run has a Filippov field (ReLU nets under `filippov`, `corrected`,
///   `exact`) and pairs slide, the velocity the flow follows, with the Filippov slopes on those pairs. A
///   minimizer of the loss on a kink (a sample with z_nj = 0 there) is Clarke-stationary: the one-sided
///   backprop gradient (σ'(0) = 0) stays of the size of that sample's force, while the velocity the flow
///   follows vanishes. Without this such runs never ended at their minimizer and, in the t clock, were held
///   to steps of the equilibrium's stability bound (benchmarks/audit.py; docs/stiff.md, "Minimizers on a kink").
/// - `backprop`: the backprop gradient everywhere, what runs recorded before the key used, so a run.json
///   without it replays bit for bit.
public enum MinimizerVelocity: String, CaseIterable, Sendable, Codable {
  case flow
  case backprop
}
