/// How fast the Filippov slopes of the crossing-corrected steps pull a sliding pair back onto its kink
/// (config key `pull_back`, docs/kinks.md "The pull-back's rate").
///
/// Inside its band a candidate pair (n, j) gets the slope that makes ż_nj = −κ_nj z_nj, with
/// κ_nj = κ₀ Σ_m|a_m| |a_j| ‖x_n‖/‖w_j‖ (``FilippovFlow``). That rate follows the force scale and the unit's
/// weights, not the flow's pace: where a sample sits dead on its kink (f_n = 0, so its force does not decay)
/// while the rest of the flow slows down — the approach to a minimizer, above all in the log-t clock —
/// the steps grow until h·κ exceeds the explicit pair's stability bound (rkck: ≈ 3.3 on the negative real
/// axis). The projection at each step's end (``SlidingCorrection/projected``) hides the instability for a
/// while; then a step blows up, its trial crosses every kink, and it is rejected. On
/// `--generator xor --n 20 --widths 2 --loss logistic --init-scale 3 --seed 61 --clock log-t --log-t-end 12`
/// that cost 86,633 evaluations (31 % of the attempts rejected, 5,443 counted chatter flips) against the
/// event-driven reference's 2,449.
///
/// - `flow-limited` (the default for new runs): each trial step of size h (in t) caps κ_nj at
///   1/(h·max(a_1, 1)), where a_1 = ρ_1²/c_1² is the factor by which the Lagrange and weight-normalized
///   flows (``NormalizedWeightField``) scale the first layer's tangential velocity — and so the pull-back's
///   rate in z — against the unconstrained flow's (a_1 = 1 there). So h·κ_eff ≤ 1 in every flow and the
///   pull-back never limits the step. It still removes a pair's offset within a few steps of the pair's own
///   motion; the projection removes the rest at the step's end. For the unconstrained flow it is
///   `step-limited` exactly.
/// - `step-limited`: the cap 1/h for the unconstrained flow only; the normalized flows keep `fixed` (runs
///   recorded between the two keys' introductions replay so). On a sample held dead on six kinks by the
///   Lagrange flow (iris versicolor against virginica, docs/kinks.md) that cost 287,822 evaluations to
///   t = 1e4 against 55,244 with `flow-limited`.
/// - `fixed`: κ as above at every step, what runs recorded before the key used (a run.json without it
///   replays so, bit for bit).
///
/// Applies to nets with one hidden relu or leaky-relu layer (deeper nets keep `fixed`).
public enum SlidingPullBack: String, CaseIterable, Sendable, Codable {
  case flowLimited = "flow-limited"
  case stepLimited = "step-limited"
  case fixed
}
