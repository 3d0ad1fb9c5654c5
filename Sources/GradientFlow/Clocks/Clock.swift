/// The independent variable a run is integrated in (THEORY §7.3). A path of the flow is invariant
/// under a monotone change of clock, so the clock changes the cost of reaching the asymptotic regime,
/// never the answer.
///
/// - `t`: plain time. Fine for the transient; hopeless for asymptotics, since the forces underflow
///   once ρ·γ ≳ 745 and a double caps log t at 709.78.
/// - `log-t`: s = log t after a t-phase on [0, 1]: d(state)/ds = exp(s + logScale) · direction, whose
///   exponent log(tL) stays O(log log t) along the true path. Works for every depth; the recommended
///   clock for long runs.
/// - `rho`: the product norm ρ after the loss first falls below 1 (THEORY §7.3): d(state)/dρ =
///   direction/(ρ ν̃ Σ_k ρ_k⁻²), with s = log t carried in the state; t-free and non-stiff, direction
///   error ≈ C/ρ. Needs ν > 0, which L < 1 guarantees.
/// - `auto`: t until the later of t = 1 and the first time L < 1, then log t. The switch carries the
///   state over exactly and is recorded in run.json.
public enum Clock: String, CaseIterable, Sendable, Codable {
  case t
  case logT = "log-t"
  case rho
  case auto

  /// Where the log-t and auto clocks leave the t clock at the earliest: t = 1, where s = log t = 0.
  public static let switchTime = 1.0
}
