/// Whether `--stepper auto`'s rule for kinked right-hand sides (``StiffKinks``) waits out its warm-up when the
/// flow is already at a minimizer of the loss (config key `stiff_minimizer`).
///
/// On data a ReLU net cannot separate, the flow settles at a minimizer whose approach is stiff, and there the
/// explicit kink-aware steps sit at their stability limit: the state jitters at the tolerance's level, so the
/// minimizer test's ratio r stays near 1e-8 and never reaches its threshold (docs/stiff.md, "Minimizers on a
/// kink"). The rule's 2,000-step warm-up and 50 stiff verdicts exist for the transient, where crossings make a
/// single verdict unreliable (``ODE/StiffnessSwitching/kinked``); at a minimizer there is no transient left.
///
/// - `early` (the default for new runs): while the minimizer stop is within a factor ``factor`` of holding
///   (r ≤ 10⁴ × its threshold: 1e-6 with the least-norm velocity), the warm-up is waived and three stiff verdicts
///   in a row switch to msbdf (``ODE/SolverOptions/nearStationaryFactor``). Only the stepping changes, never
///   the stop: a state that is not a minimizer (a saddle's plateau) at worst gets msbdf early, which hands back
///   by cost. Random problems 2 and 24 of `audit.py --count 30 --seed 20261207` (2-unit nets on random labels and
///   on moons) stopped at their minimizer after ~3,000 explicit steps and 24k evaluations, 7.7 and 6.1 times
///   the exact engine's.
/// - `warm-up`: the rule as it was (what runs recorded before the key used, so they replay bit for bit).
public enum StiffMinimizer: String, CaseIterable, Sendable, Codable {
  case early
  case warmUp = "warm-up"

  /// How far above its threshold the minimizer test's ratio may be for `early` to waive the warm-up.
  static let factor = 1e4
}
