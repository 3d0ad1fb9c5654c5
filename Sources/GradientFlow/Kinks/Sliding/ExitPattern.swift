/// Which slope the crossing-corrected steps' frozen pattern gives a pair that leaves a repelling sliding surface
/// by ``RepellingExit`` `rule` inside a step (config key `exit_pattern`; docs/kinks.md "Repelling sliding
/// surfaces").
///
/// Inside its band the pair's slope is set by the rule at every evaluation. Outside it the frozen pattern P_0 of
/// the step's start applies, and for a pair that was sliding at the start that slope is z's round-off there
/// (z = ±1e-18). The repelling field carries a pair out of a band of a few 1e-8 within one step, so when the
/// round-off side is not the exit side the pair leaves the band on the rule's side, is pushed back by P_0's slope,
/// and ends on the wrong side.
///
/// - `exit-side` (the default): an exit slope the rule gives in a frozen-pattern evaluation is written into P_0
///   too, so the pair keeps the exit side until P_0 is next frozen (at a restart after crossings or a projection),
///   also after a rejected trial step: a later evaluation in its band overwrites it, and while the pair slides its
///   P_0 slope is not used.
/// - `start`: P_0 stays the start's pattern; what runs recorded before the key used (a run.json without it
///   replays so, bit for bit).
///
/// Audit seed 2026 #14 (`--generator random-labels --n 10 --widths 8 --init-scale 0.1 --seed 56`, t = 1000):
/// pair (0, 2) has round-off slope 1 at a step's start in which a_2 crosses 0 at t ≈ 90.55; the rule gives
/// slope 0 (s* rises), the pair leaves the band below at z = −3.8e-8, P_0's slope 1 pushes it back up, and it ends
/// above. With `start` the run ends 0.53, 0.11 and 0.11 off in log L for three save schedules (the schedule moves
/// the steps); with `exit-side` 2.8e-8, 3.2e-7 and 4.7e-8 from `exact`.
public enum ExitPattern: String, CaseIterable, Sendable, Codable {
  case exitSide = "exit-side"
  case start
}
