import ODE

/// How the log-t phases of a run under `--sliding corrected` treat ReLU kinks: config key `log_t_kinks` for
/// the unconstrained flow, `normalized_log_t_kinks` for the Lagrange and weight-normalized flows.
///
/// - `rebased` (the normalized flows' default): as `corrected`, for the whole phase however long: t is
///   measured in a unit e^σ that ``LogClockEngine`` moves to the current log t whenever log t passes
///   σ + ``latestEnd`` (the flow is autonomous, so its steps in u = t·e^{−σ} are those in t with the
///   field times e^σ), so neither t nor the forces leave the doubles. Why: past the hand-over at
///   log t = 600 the Filippov flow in s crawled (the S benchmark, Lagrange, to log t = 1000: log t 628.8
///   after 16M evaluations in 60 s). On the unconstrained flow `rebased` is `corrected` at any end, a
///   choice, not its default (its Filippov flow in s is cheap there: S to log t = 1000, 16,995
///   evaluations).
/// - `corrected` (the unconstrained flow's default): the log-t phase steps in t with the crossing-corrected engine, presented
///   to the solver in s = log t by ``LogClockEngine`` — the t phase's engine, with its sliding projection,
///   chatter hold and coincident entries, over the whole run, and with the stiffness switch of kinked
///   right-hand sides (``StiffnessSwitching/kinked``: msbdf on the Filippov flow in s where the explicit
///   steps are held at their stability bound). The path does not depend on the clock, so this changes only
///   how it is integrated. The unconstrained flow uses it where its t phases switch (``StiffKinks``) and the
///   run ends at log t ≤ ``latestEnd`` (elsewhere its log-t phase is `filippov`); the normalized flows where
///   ``appliesToNormalizedFlow(_:stiffKinks:stepper:architecture:gradientDescent:)`` holds, up to
///   ``latestEnd``, and a longer run goes on from there with the Filippov flow in s (runs recorded with it
///   replay so).
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
  case rebased
  case corrected
  case filippov

  /// The log t up to which a log-t phase steps in t with the corrected engine: ∞ for `rebased`,
  /// ``latestEnd`` for `corrected`, none (−∞) for `filippov`.
  var engineEnd: Double {
    switch self {
    case .rebased: .infinity
    case .corrected: Self.latestEnd
    case .filippov: -.infinity
    }
  }

  /// The latest end, in log t, of a run whose log-t phase steps in t with t in its own unit: 600 (and the
  /// span of one unit e^σ under `rebased`). The t engine evaluates the
  /// forces as exp(log L-scale) with log L ≈ −log t + O(log ρ, log N) late in a separable run; they must
  /// stay normal doubles (exponent above −708), and 600 leaves a hundred for the data's spread (under `rebased`,
  /// whose targets may lie ``LogClockEngine/rebaseHeadroom`` = 50 beyond, fifty-eight).
  public static let latestEnd = 600.0

  /// Whether a Lagrange or weight-normalized flow's log-t phases step in t: `rebased` or `corrected`, `--stepper auto`
  /// (an explicit choice of stepper keeps the Filippov flow in s), one hidden relu or leaky-relu layer
  /// without the smooth gate, the flow (not gradient descent) and `stiff_kinks` `switch`: the phase needs
  /// the stiffness switch, since at large ρ the normalized flows' V-rates carry ρ_k² (docs/dynamics.md) and
  /// the explicit engine alone was held at its stability bound (iris setosa against versicolor, Lagrange,
  /// to log t = 600: 608,721 evaluations against 24,830 with the switch and 7,761 for msbdf in s).
  static func appliesToNormalizedFlow(
    _ value: LogTimeKinks, stiffKinks: StiffKinks, stepper: Stepper, architecture: Architecture,
    gradientDescent: Bool
  ) -> Bool {
    value != .filippov
      && StiffKinks.switchable(
        stiffKinks, stepper: stepper, architecture: architecture, gradientDescent: gradientDescent)
  }
}
