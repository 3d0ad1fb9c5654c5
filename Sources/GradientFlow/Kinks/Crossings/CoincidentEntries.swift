/// How the crossing-corrected steps treat crossings of one unit's kink that happen at the same instant
/// (config key `coincident_entries`, docs/kinks.md "Coincident entries").
///
/// Samples on one kink surface (x_m = r x_n, ``CoincidentKinks``: mirror data x and −x, XOR's corners) have
/// z_mj = r z_nj for every unit, so they cross together. Only two regions meet on that surface, so whether the
/// class starts to slide depends on the jump of ż across it summed over the class, and one Filippov share λ
/// (λ for r > 0, 1 − λ for r < 0) serves all its members.
///
/// - `merged` (the default): a member's crossing of a unit is tested for entry with the jump summed over its
///   class (the classes of ``CoincidentKinks``: inputs parallel to 1e-14, so no time window is needed), and the
///   class slides with one share (``ShallowCorrection``, batched kernel only).
/// - `per-sample`: each member's crossing is its own event with its own entry test and share, what runs
///   recorded before the key used (a run.json without it replays so, bit for bit). On mirror data it chatters
///   or slides on the wrong side, which is why `auto` chose `filippov` there.
public enum CoincidentEntries: String, CaseIterable, Sendable, Codable {
  case merged
  case perSample = "per-sample"
}
