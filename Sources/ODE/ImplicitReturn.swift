/// Whether ``Stepper/auto`` under the rule for kinked right-hand sides (``StiffnessSwitching/kinked``, switching
/// back by cost) returns to its implicit method by cost after handing it back (config key `implicit_return`;
/// docs/stiff.md, "Returning to msbdf by cost").
///
/// msbdf is handed back when one window of its steps costs more evaluations per unit time than the explicit
/// method's stiff stretch before the switch. That stretch can be long past: on the conformance zoo's wine_raw_w16
/// (64 saves, `sliding_exit` `bound`) msbdf stepped from t = 0.94 to 4.74, was handed back at 7.4e5 evaluations per
/// unit t against the 5.9e5 measured before t = 0.94, and the explicit steps then took 6.6e6 per unit t (h ≈
/// 1.1e-6) for a million steps. The stiffness checks could not bring msbdf back: their estimates alternated
/// between h·ρ(J) = 19.8 and 0.026 (the power iteration on a far-from-normal Jacobian swaps between two directions),
/// so 50 stiff verdicts in a row never came.
///
/// - `cost` (the default): after a hand-back by cost, once the explicit method has taken
///   ``StiffnessSwitching/returnSteps`` steps, it returns to the implicit method as soon as its evaluations per
///   unit time since the hand-back exceed ``StiffnessSwitching/returnFactor`` times the implicit method's over its
///   last window. The implicit method stays held to the cost of the explicit stiff stretch before its first switch,
///   so one that is still costlier is handed back again; a return and a hand-back spend two of the 20 switches, and
///   under `stiff_kinks` `escalate` the exact engine takes over when they run out. (Holding it to the explicit cost
///   since the hand-back instead kept msbdf crawling on illcond.csv with 32 units, seed 1 and 64 saves: past 120 s
///   and 25M evaluations at t = 95.7, against 17.2M under `verdicts` and 4.3M this way.) The verdicts still switch
///   as before. A run whose implicit method is never handed back by cost runs as under `verdicts`, bit for bit.
/// - `verdicts`: only stiff verdicts switch to the implicit method. Runs recorded before the key used it (a run.json
///   without the key replays so, bit for bit).
public enum ImplicitReturn: String, CaseIterable, Sendable, Codable {
  case cost
  case verdicts
}
