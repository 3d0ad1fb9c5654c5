/// A Filippov flow whose first-layer pairs (sample m, unit j) can be given a wider kink band than η, so
/// that a pair the crossing-corrected steps found chattering is held on its kink (``ChatterMonitor``,
/// docs/kinks.md): within its band an attracting pair is a sliding candidate, and the pull-back takes it
/// to z_mj = 0. ``FilippovFlow`` (one hidden layer) and ``DeepFilippovFlow`` (first hidden layer of a
/// deeper net) have them.
protocol HeldPairBands: AnyObject {
  /// The band of pair (m, j): η, or the wider one ``widen(sample:unit:band:)`` gave it.
  func band(sample m: Int, unit j: Int) -> Double
  /// Widens pair (m, j)'s band to `wide` (never narrower than before).
  func widen(sample m: Int, unit j: Int, band wide: Double)
  /// Gives pair (m, j) the band `narrow` (at least η) back.
  func narrow(sample m: Int, unit j: Int, band narrow: Double)
}

extension FilippovFlow: HeldPairBands {}
extension DeepFilippovFlow: HeldPairBands {}
