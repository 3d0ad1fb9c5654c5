import ODE

/// The kink bands of a net's first-layer pairs (sample m, unit j): η for every pair until the chatter hold
/// widens one (``HeldPairBands``, ``ChatterMonitor``). Shared by ``FilippovFlow`` and ``DeepFilippovFlow``.
///
/// `samples[m]` is the widest band of sample m's pairs (the candidate scan's per-sample pre-filter);
/// `pairs` (N × width, allocated at the first widening, nil before) holds each pair's own band.
/// Invariant: samples[m] = max(η, max_j pairs[m, j]).
final class PairBands {
  /// η.
  let band: Double
  let width: Int
  private let sampleCount: Int
  let samples: UnsafeMutablePointer<Double>
  private(set) var pairs: UnsafeMutablePointer<Double>?
  private let arena = ScratchArena()

  init(band: Double, samples n: Int, width: Int) {
    self.band = band
    self.width = width
    sampleCount = n
    samples = arena.buffer(count: max(n, 1))
    samples.update(repeating: band, count: max(n, 1))
  }

  /// The band of pair (m, j).
  @inline(__always)
  func band(sample m: Int, unit j: Int) -> Double { pairs?[m * width + j] ?? band }

  /// Widens pair (m, j)'s band to `wide` (never narrower than before). Allocates the per-pair bands on first use.
  func widen(sample m: Int, unit j: Int, band wide: Double) {
    if pairs == nil {
      let count = max(sampleCount * width, 1)
      let bands = arena.buffer(Double.self, count: count)
      bands.update(repeating: band, count: count)
      pairs = bands
    }
    guard let pairs, wide > pairs[m * width + j] else { return }
    pairs[m * width + j] = wide
    samples[m] = max(samples[m], wide)
  }

  /// Gives pair (m, j) the band `narrow` (at least η) back; sample m's widest band is recomputed from its pairs.
  func narrow(sample m: Int, unit j: Int, band narrow: Double) {
    guard let pairs else { return }
    pairs[m * width + j] = max(narrow, band)
    var widest = band
    for i in 0..<width { widest = max(widest, pairs[m * width + i]) }
    samples[m] = widest
  }
}
