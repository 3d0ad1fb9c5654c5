/// How the log-t phases of a run under `--sliding corrected` treat ReLU kinks (config key `log_t_kinks`).
///
/// - `corrected` (the default): the log-t phase steps in t with the crossing-corrected engine, presented
///   to the solver in s = log t by ``LogClockEngine`` — the t phase's engine, with its sliding projection,
///   chatter hold and coincident entries, over the whole run, and with its stiffness switch. The path does
///   not depend on the clock, so this changes only how it is integrated. Used where the t phases switch
///   (``StiffKinks``) and the run ends at log t ≤ ``latestEnd``; elsewhere the log-t phase is `filippov`.
/// - `filippov`: the log-t phase integrates the Filippov flow in s with the phase's GSL stepper, what runs
///   recorded before the key existed did, so a run.json without it replays bit for bit.
///
/// Why: in s the Filippov flow of a pair that slides is held only by its kink band, without the corrected
/// steps' projection, merged entries and chatter hold; with them four of the zoo's five corrected log-t and
/// auto problems take 15–32 % fewer evaluations (xor4_w8_auto 8 % more), and non-separable runs reach their
/// minimizer through the stiffness switch (docs/kinks.md, "Kinks in the log-t clock").
public enum LogTimeKinks: String, CaseIterable, Sendable, Codable {
  case corrected
  case filippov

  /// The latest end, in log t, of a run whose log-t phase steps in t: 600. The t engine evaluates the
  /// forces as exp(log L-scale) with log L ≈ −log t + O(log ρ, log N) late in a separable run; they must
  /// stay normal doubles (exponent above −708), and 600 leaves a hundred for the data's spread.
  public static let latestEnd = 600.0
}
