/// Which −∇L the minimizer test measures (``MinimizerTest``, config key `minimizer_velocity`).
///
/// - `clarke` (the default): where the run has a Filippov field (ReLU nets under `filippov`, `corrected`,
///   `exact`), the least-norm element of the Filippov set over the pairs in the kink band: the box QP's own
///   slopes, without the integrator's crossing rule or pull-back (``FilippovFlow/keepsCrossings``). At a
///   minimizer where a pair's slope is 0 or 1 exactly (it leaves its kink at the limit, an "edge share"),
///   round-off puts the state on either side of that kink; `flow` then held the pair at the slope of its side,
///   and its velocity jumped back to the size of that sample's force (diabetes, 10 → 8 → 1: r fell to 1.1e-11,
///   then stayed at 0.06–0.5 to the end of the run). The least-norm element is continuous there.
/// - `flow` (what runs recorded the key with before `clarke`): where the run has a Filippov field (ReLU nets under `filippov`, `corrected`,
///   `exact`) and pairs slide, the velocity the flow follows, with the Filippov slopes on those pairs. A
///   minimizer of the loss on a kink (a sample with z_nj = 0 there) is Clarke-stationary: the one-sided
///   backprop gradient (σ'(0) = 0) stays of the size of that sample's force, while the velocity the flow
///   follows vanishes. Without this such runs never ended at their minimizer and, in the t clock, were held
///   to steps of the equilibrium's stability bound (benchmarks/audit.py; docs/stiff.md, "Minimizers on a kink").
/// - `backprop`: the backprop gradient everywhere, what runs recorded before the key used, so a run.json
///   without it replays bit for bit.
public enum MinimizerVelocity: String, CaseIterable, Sendable, Codable {
  case clarke
  case flow
  case backprop
}
