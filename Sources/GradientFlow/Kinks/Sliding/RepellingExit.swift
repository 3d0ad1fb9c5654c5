/// Where a first-layer pair leaves its kink when the surface it slides on turns repelling (config key
/// `repelling_exit`, docs/kinks.md "Repelling sliding surfaces").
///
/// For pair (n, j) on its kink, ż_nj = g (s − s*) with g = a_j c_n ‖x_n‖² and s* = −B/A the equivalent control
/// (``RepellingExitRule``). When a_j crosses 0 while the pair slides, g turns positive: both sides push away
/// from z = 0 and the Filippov solution is not unique. The smooth-ReLU limit (σ_ε → ReLU) leaves at that
/// instant to the side of −ṡ*: below (slope α) if s* rises, above (slope 1) if s* falls.
///
/// - `rule` (the default): a pair in its kink band whose surface repels (a_j c_n > 0) while s* lies inside its
///   slope range gets the slope of the side of −ṡ*, so the repelling field carries it to that side from
///   every evaluation on (``RepellingExitRule``). Units with two or more such pairs keep their ReLU slopes: the
///   smooth limit's side there depends on how the kink is smoothed, so the ReLU problem has no rule.
/// - `rounding`: such a pair keeps the ReLU slope of the side its z lies on, a side set by round-off when it
///   was dropped from the sliding set (which step sequence ran); what runs recorded before the key used
///   (a run.json without it replays so, bit for bit).
///
/// Applies to the unconstrained Filippov flow of a net with one hidden layer (``FilippovFlow``), under
/// `filippov` and `corrected`, in every clock that evaluates it.
public enum RepellingExit: String, CaseIterable, Sendable, Codable {
  case rule
  case rounding
}
