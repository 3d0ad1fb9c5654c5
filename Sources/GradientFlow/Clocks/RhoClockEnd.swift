/// How the ρ clock ends at the log-t end (config key `rho_clock_end`).
///
/// The ρ clock integrates d(state)/dρ with log t carried in the state, so log t = log t_end is an event in ρ.
/// Bisection on it re-integrates from the start of the crossing step with a fresh driver; with msbdf (what
/// `--stepper auto` uses late in a stiff run) those re-integrations fail, and the run ended where the bracket
/// stood: log t = 1.029e8 for an end of 1e8 with `--stepper msbdf`, 1.0001e8 with `auto`, after 12,000
/// evaluations mostly spent on the bisection (`gradflow simulate --data
/// examples/data/iris-separable-small-margin.csv --widths "" --clock rho --log-t-end 1e8`).
public enum RhoClockEnd: String, CaseIterable, Sendable, Codable {
  /// The ρ phase stops at the start of the step that would cross log t_end (or at its predicted ρ when
  /// that fell short), and the flow goes on in the log-t clock, whose steps land on log t_end exactly,
  /// with the method the ρ phase ended with. The default since 2026-12-07.
  case logTime = "log-t"
  /// Bisection in ρ (runs recorded before the key).
  case bisection
}
