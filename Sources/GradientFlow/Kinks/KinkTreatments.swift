/// What the crossing-corrected steps do with a pair that chatters across its kink (config key `chatter`):
/// `hold` (the default) hands it to the sliding set (``ChatterMonitor``); `ignore` only counts it, as
/// runs recorded before the key existed did (a run.json without it replays so, bit for bit).
public enum ChatterTreatment: String, CaseIterable, Sendable, Codable {
  case hold
  case ignore
}

/// The sliding treatment of leaky-ReLU kinks (config key `leaky_sliding`): `filippov` (the default) gives
/// sliding pairs of a net with one hidden layer the Filippov slope in [α, 1] under `--sliding corrected`
/// (``FilippovFlow``); `none` keeps backprop's one-sided slopes, as runs recorded before the key existed did.
public enum LeakySliding: String, CaseIterable, Sendable, Codable {
  case filippov
  case none
}
