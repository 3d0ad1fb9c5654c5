/// How `--sliding exact` takes ṡ*, the rate of a sliding surface's equivalent control, at the a_j = 0 event of
/// `repelling_exit` `rule`, whose sign decides the side the surface's pairs leave to (config key `exit_rate`;
/// ``EventDrivenStepper``, docs/kinks.md "Repelling sliding surfaces").
///
/// - `derivative` (the default): the derivative of s* along the flow at the event, dλ(θ + σθ̇)/dσ at σ = 0, by a
///   central difference. Between events the pattern is frozen, so λ(θ) = −B/A is a smooth (rational) function of
///   θ: the difference has no step noise, and it is the instantaneous rate the rule is defined by (the Filippov
///   flow's ``RepellingExitRule`` computes the same rate in forward mode).
/// - `chord`: the chord of λ over the piece's last 100 to 200 accepted steps
///   (``EventDrivenStepper/chordSteps``); what runs recorded before the key used (a run.json without it
///   replays so, bit for bit). A chord lags a turning s*: on audit seed 2026 #14 s* has its minimum at
///   t ≈ 110.77 and a_6 crosses 0 at t ≈ 110.97, and the chord, reaching back into the falling stretch, left
///   above where the rate (rising) leaves below (docs/zoo.md).
public enum ExitRate: String, CaseIterable, Sendable, Codable {
  case derivative
  case chord

  /// The central difference's step along θ̇, relative: ‖σθ̇‖ = 1e-5·‖θ‖, near the cube root of the unit round-off
  /// (6e-6), where the difference's truncation error (σ²) and its round-off (u/σ) balance.
  static let relativeStep = 1e-5
}
