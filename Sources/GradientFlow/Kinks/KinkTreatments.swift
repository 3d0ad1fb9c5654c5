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

/// How ``DeepFilippovFlow`` treats a sample with pairs near their kinks in several hidden layers at once
/// (config key `deep_sliding`): `coupled` (the default) solves the Filippov slopes of all of them together
/// (``SampleCouplings``: the slope of a deeper pair scales the backprop signal, hence the slope bound, of
/// the lower ones) and folds a lower pair held at slope 1 into its upper partners' Jacobians, so that its ż
/// enters their conditions (``DeepFilippovFlow``'s coupled re-solve); `joint` solves them together without
/// the fold (the default of runs recorded between the two, which replay with it); `highest` treats only the
/// highest such layer and leaves the lower pairs their ReLU slopes, as runs recorded before the key existed
/// did (a run.json without it replays so, bit for bit).
public enum DeepSliding: String, CaseIterable, Sendable, Codable {
  case coupled
  case joint
  case highest

  /// Whether a sample's candidates in several layers are solved together (`coupled` and `joint`).
  public var solvesJointly: Bool { self != .highest }
}
