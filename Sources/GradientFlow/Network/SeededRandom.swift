import Foundation

/// A small, fast, seedable pseudo-random generator whose stream is the same on every platform.
///
/// **Algorithm.** xoshiro256** (Blackman & Vigna, 2018) with its 256-bit state filled from the
/// 64-bit seed by four successive outputs of SplitMix64, the seeding procedure the authors recommend.
/// SplitMix64's output function is a bijection applied to four distinct counter values, so the state is
/// never all zero (the one forbidden state of xoshiro).
///
/// **Why not `SystemRandomNumberGenerator`.** Runs must be reproducible from the seed stored in `run.json`
/// (STYLE §2), and Swift's standard library does not promise a stable algorithm for its own generators.
/// Everything here is integer arithmetic with wrapping operators, so ``next()`` and ``uniform()`` are
/// bit-identical on every platform and Swift version.
///
/// **Floating point caveat.** ``gaussian()`` calls `log` and `sqrt`. `sqrt` is correctly rounded
/// everywhere (IEEE 754); `log` comes from the platform's libm, which is accurate to < 1 ulp but not
/// guaranteed correctly rounded, so Gaussian draws can in principle differ in the last bit between libms
/// (glibc vs. Darwin). On one platform they are always bit-identical for a given seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
  private var s0: UInt64
  private var s1: UInt64
  private var s2: UInt64
  private var s3: UInt64

  /// Seeds the generator: the four state words are SplitMix64 outputs 1–4 started from `seed`.
  /// Every seed, including 0, gives a valid, distinct stream.
  public init(seed: UInt64) {
    var counter = seed
    s0 = Self.splitMix64(&counter)
    s1 = Self.splitMix64(&counter)
    s2 = Self.splitMix64(&counter)
    s3 = Self.splitMix64(&counter)
  }

  /// Sets the raw xoshiro state (for checking against the published reference vectors).
  /// The state must not be all zero.
  init(state: (UInt64, UInt64, UInt64, UInt64)) {
    precondition(state != (0, 0, 0, 0), "xoshiro256** state must not be all zero")
    (s0, s1, s2, s3) = state
  }

  /// The next 64 random bits: `rotl(s1 · 5, 7) · 9`, then the xoshiro256 state transition.
  public mutating func next() -> UInt64 {
    let result = Self.rotateLeft(s1 &* 5, by: 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = Self.rotateLeft(s3, by: 45)
    return result
  }

  /// A uniform double in [0, 1): the top 53 bits of ``next()`` times 2⁻⁵³.
  ///
  /// Every value is a multiple of 2⁻⁵³, so all 2⁵³ outcomes are equally likely and 1 is never returned.
  /// Exact (no rounding), hence platform-independent.
  public mutating func uniform() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A standard normal draw N(0, 1) by the Marsaglia polar method.
  ///
  /// Draw u, v uniform in (−1, 1) until s = u² + v² ∈ (0, 1); then u·√(−2 ln s / s) is N(0, 1).
  /// The method produces a second independent value, v·√(−2 ln s / s); it is **discarded**, not cached,
  /// so the generator's whole state stays the four xoshiro words, a copy of the generator always
  /// continues identically, and interleaving ``gaussian()`` with ``next()``/``uniform()`` is simple to
  /// reason about. Each call consumes an even number (on average 2·4/π ≈ 2.55) of ``next()`` outputs.
  /// Avoids `sin`/`cos` (unlike Box–Muller); see the type's floating-point caveat about `log`.
  public mutating func gaussian() -> Double {
    while true {
      let u = 2 * uniform() - 1
      let v = 2 * uniform() - 1
      let s = u * u + v * v
      if s > 0 && s < 1 {
        return u * (-2 * log(s) / s).squareRoot()
      }
    }
  }

  private static func splitMix64(_ counter: inout UInt64) -> UInt64 {
    counter &+= 0x9E37_79B9_7F4A_7C15
    var z = counter
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  private static func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 {
    (x << k) | (x >> (64 - k))
  }
}
