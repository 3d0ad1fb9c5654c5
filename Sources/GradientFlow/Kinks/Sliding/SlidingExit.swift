/// What the crossing-corrected steps' frozen-pattern evaluations do with a first-layer pair on its kink to
/// round-off whose Filippov slope reaches a bound (config key `sliding_exit`; docs/kinks.md "A sliding exit inside
/// a step").
///
/// A sliding pair leaves its surface when its share λ reaches 0 or 1: from then on it moves off on that bound's
/// side, and the field is continuous there (the share's bound is that side's slope). Inside a step the frozen
/// pattern P_0 decides which slopes a pair may take at a bound, and for a pair that was sliding at the step's start
/// P_0's slope is z's round-off there (z = ±1e-18), the other side half the time.
///
/// - `bound` (opt-in): a pair with |z| ≤ 1e-12‖w‖‖x‖ in a frozen-pattern evaluation takes the bound the slope
///   program gives it, and that slope is written into P_0, so the pair leaves on the bound's side with the field
///   continuous at its exit, and the crossing follower sees no crossing there (P_0 keeps the slope until it is next
///   frozen, as ``ExitPattern``'s written slopes do). The unconstrained flow of a net with one hidden layer; a
///   class of samples sharing one surface (``CoincidentKinks``) keeps `held`.
/// - `held` (the default): every pair at the bound contradicting P_0's slope is held at P_0's slope, so that a
///   crossing pair seen inside the band crosses at z = 0 where the follower locates it. A pair sliding at the start whose P_0 slope is
///   the other side's then leaves the band on the wrong side and its exit becomes a crossing placed where the
///   Hermite path's cubic through z ≈ 0 has its root — anywhere between the step's start and the exit: mistimed by
///   up to a step. Runs recorded before the key used it (a run.json without the key replays so, bit for bit).
///
/// `bound` is not the default. Over the six audit draws with three save schedules it has fewer runs past 1e-7 (43
/// against 52) and 3 % fewer evaluations, but with it as the default two tests failed (randlab_w16 under
/// `sliding_correction` `projected` ended 2.2e-6 off in log L in `SlidingProjectionTests`, past the zoo's 1e-6),
/// and the zoo's wine_raw_w16 with 64 saves stalled (explicit steps held by stability after msbdf handed back, the
/// stiffness switching's, which ``ImplicitReturn`` `cost` now undoes; 15 other schedules finished under both).
/// docs/kinks.md, "A sliding exit inside a step".
public enum SlidingExit: String, CaseIterable, Sendable, Codable {
  case bound
  case held
}
