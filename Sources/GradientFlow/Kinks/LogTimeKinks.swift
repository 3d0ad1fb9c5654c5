import ODE

/// How the log-t phases of a run under `--sliding corrected` treat ReLU kinks: config key `log_t_kinks` for
/// the unconstrained flow, `normalized_log_t_kinks` for the Lagrange and weight-normalized flows.
///
/// - `corrected` (the default): the log-t phase steps in t with the crossing-corrected engine, presented
///   to the solver in s = log t by ``LogClockEngine`` — the t phase's engine, with its sliding projection,
///   chatter hold and coincident entries, over the whole run, and with the stiffness switch of kinked
///   right-hand sides (``StiffnessSwitching/kinked``: msbdf on the Filippov flow in s where the explicit
///   steps are held at their stability bound). The path does not depend on the clock, so this changes only
///   how it is integrated. The unconstrained flow uses it where its t phases switch (``StiffKinks``) and the
///   run ends at log t ≤ ``latestEnd`` (elsewhere its log-t phase is `filippov`); the normalized flows where
///   ``appliesToNormalizedFlow(_:stiffKinks:stepper:architecture:gradientDescent:)`` holds, up to
///   ``latestEnd``, and a longer run goes on from there with the Filippov flow in s.
/// - `filippov`: the log-t phase integrates the Filippov flow in s with the phase's GSL stepper, what runs
///   recorded before the key existed did, so a run.json without it replays bit for bit.
///
/// Why: in s the Filippov flow of a pair that slides is held only by its kink band, without the corrected
/// steps' projection, merged entries and chatter hold; with them four of the zoo's five corrected log-t and
/// auto problems take 15–32 % fewer evaluations (xor4_w8_auto 8 % more), and non-separable runs reach their
/// minimizer through the stiffness switch (docs/kinks.md, "Kinks in the log-t clock"). The normalized flows
/// need it more: a sample they hold on its kinks keeps its force a_n = 1, so in s its sliding pairs'
/// pull-back rate grows like t, and msbdf on the Filippov flow in s crawled (iris versicolor against
/// virginica, Lagrange: log t = 1.5 in 30 s), while the t engine caps that pull-back (`pull_back`
/// `flow-limited`) and reaches the run's minimizer stop at log t ≈ 24.7 in seconds (docs/kinks.md, "The
/// normalized flows in the log-t clock").
public enum LogTimeKinks: String, CaseIterable, Sendable, Codable {
  case corrected
  case filippov

  /// The latest end, in log t, of a run whose log-t phase steps in t: 600. The t engine evaluates the
  /// forces as exp(log L-scale) with log L ≈ −log t + O(log ρ, log N) late in a separable run; they must
  /// stay normal doubles (exponent above −708), and 600 leaves a hundred for the data's spread.
  public static let latestEnd = 600.0

  /// Whether a Lagrange or weight-normalized flow's log-t phases step in t: `corrected`, `--stepper auto`
  /// (an explicit choice of stepper keeps the Filippov flow in s), one hidden relu or leaky-relu layer
  /// without the smooth gate, the flow (not gradient descent) and `stiff_kinks` `switch`: the phase needs
  /// the stiffness switch, since at large ρ the normalized flows' V-rates carry ρ_k² (docs/dynamics.md) and
  /// the explicit engine alone was held at its stability bound (iris setosa against versicolor, Lagrange,
  /// to log t = 600: 608,721 evaluations against 24,830 with the switch and 7,761 for msbdf in s).
  static func appliesToNormalizedFlow(
    _ value: LogTimeKinks, stiffKinks: StiffKinks, stepper: Stepper, architecture: Architecture,
    gradientDescent: Bool
  ) -> Bool {
    value == .corrected
      && StiffKinks.switchable(
        stiffKinks, stepper: stepper, architecture: architecture, gradientDescent: gradientDescent)
  }
}
