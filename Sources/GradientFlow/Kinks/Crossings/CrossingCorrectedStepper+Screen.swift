// The crossing screen of ``CrossingCorrectedStepper``: which samples may change pattern within a step.
//
// A first-layer z is linear in θ, so along the Hermite path it is the exact cubic
// z(s) = H00 z_0 + H10 r_0 + H01 z_1 + H11 r_1 (r = h ż at the ends, ż = X Ẇ_1ᵀ). Since 0 ≤ H00, H01 ≤ 1
// and |H10|, |H11| ≤ 4/27 on [0, 1], a pair whose two ends are farther (on its slope's side) than
// 4/27 (|r_0| + |r_1|) cannot cross; the others are decided by the cubic's roots (``cubicRoots``).
// Deeper pairs are not polynomial in s: their frozen z at s = 0, ½, 1 mark the sample when a value is on
// the wrong side, or when the quadratic through the three values comes within a quarter of their
// variation of zero (``mayCross``). Contract: every sample with a first-layer crossing is marked;
// deeper crossings are caught to the resolution of that three-point test.
extension CrossingCorrectedStepper {
  /// Marks the samples with a pair that may cross in the step: z at s = 0, ½, 1 (frozen) leaves the
  /// side its slope says, or the quadratic through the three values comes within a quarter of its
  /// variation of zero. Returns whether any sample is marked.
  func screen(h: Double) -> Bool {
    var anyMarked = false
    for n in 0..<sampleCount {
      var mark = false
      mark = firstLayerMayCross(sample: n, h: h)
      for k in 1..<layerWidths.count where !mark {
        let width = layerWidths[k]
        let row = sampleCount * layerOffsets[k] + n * width
        let (z0, zm, z1) = (startZ + row, midZ + row, endZ + row)
        let m = network.frozenSlopes(ofLayer: k + 1) + n * width
        var j = 0
        // Eight units at a time: most are far from their kink (every value beyond the margin), and are
        // passed over without the scalar test.
        while j + 8 <= width, !mark {
          let load = { (p: UnsafeMutablePointer<Double>) in
            UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Double>.self)
          }
          let sign = SIMD8<Double>(repeating: -1).replacing(with: 1, where: load(m) .== positiveSlope)
          let (a, b, c) = (sign * load(z0), sign * load(zm), sign * load(z1))
          let (ab, bc) = (a - b, b - c)
          let margin = 0.25 * (ab.replacing(with: -ab, where: ab .< 0) + bc.replacing(with: -bc, where: bc .< 0))
          if any((a .<= margin) .| (b .<= margin) .| (c .<= margin)) {
            for i in j..<(j + 8) where Self.mayCross(a[i - j], b[i - j], c[i - j]) {
              mark = true
              break
            }
          }
          j += 8
        }
        while j < width, !mark {
          let sign = m[j] == positiveSlope ? 1.0 : -1.0
          mark = Self.mayCross(sign * z0[j], sign * zm[j], sign * z1[j])
          j += 1
        }
      }
      flagged[n] = mark
      anyMarked = anyMarked || mark
    }
    return anyMarked
  }

  /// Whether a first-layer pair of sample n may cross in the step. Along the Hermite path its z is the cubic
  /// z(s) = H00 z_0 + H10 r_0 + H01 z_1 + H11 r_1 (r = h ż at the ends, exact: z is linear in θ), and since
  /// 0 ≤ H01 ≤ 1 and |H10|, |H11| ≤ 4/27 on [0, 1], it stays on its side when both ends are farther from
  /// the kink than 4/27 (|r_0| + |r_1|); the others are decided by their roots.
  func firstLayerMayCross(sample n: Int, h: Double) -> Bool {
    let width = layerWidths[0]
    let row = n * width
    let (z0, z1) = (startZ + row, endZ + row)
    let (v0, v1) = (startRateZ + row, endRateZ + row)
    let m = network.frozenSlopes(ofLayer: 1) + row
    for j in 0..<width {
      let sign = m[j] == positiveSlope ? 1.0 : -1.0
      let (a, c) = (sign * z0[j], sign * z1[j])
      let (r0, r1) = (sign * h * v0[j], sign * h * v1[j])
      if min(a, c) > (4.0 / 27) * (abs(r0) + abs(r1)) { continue }
      if Self.cubicRoots(a, c, r0, r1, into: rootScratch) > 0 || a <= 0 { return true }
    }
    return false
  }

  /// The screen's test of one pair from its signed z at s = 0, ½, 1 (positive: the side its slope says).
  @inline(__always)
  static func mayCross(_ a: Double, _ b: Double, _ c: Double) -> Bool {
    if b <= 0 || c <= 0 { return true }
    let margin = 0.25 * (abs(a - b) + abs(b - c))
    guard a <= margin || b <= margin || c <= margin else { return false }
    // Quadratic through (0, a), (½, b), (1, c): q(s) = a + βs + γs², extremum at s* = −β/(2γ).
    let gamma = 2 * (a - 2 * b + c)
    let beta = 4 * b - 3 * a - c
    if gamma > 0 {
      let sStar = -beta / (2 * gamma)
      if sStar > 0, sStar < 1, a + beta * sStar + gamma * sStar * sStar <= margin { return true }
    }
    return min(a, b, c) <= margin * 0.5
  }

  /// The roots in (0, 1] of the cubic Hermite z(s) with z(0) = a, z(1) = c, z'(0) = r0, z'(1) = r1, in
  /// increasing order (at most 3), located by the Illinois method on its monotone pieces.
  static func cubicRoots(
    _ a: Double, _ c: Double, _ r0: Double, _ r1: Double, into roots: UnsafeMutablePointer<Double>
  ) -> Int {
    // z(s) = A s³ + B s² + r0 s + a.
    let cubicA = 2 * a + r0 - 2 * c + r1
    let cubicB = -3 * a - 2 * r0 + 3 * c - r1
    func z(_ s: Double) -> Double { ((cubicA * s + cubicB) * s + r0) * s + a }
    // Critical points: 3A s² + 2B s + r0 = 0.
    let (qa, qb, qc) = (3 * cubicA, 2 * cubicB, r0)
    var (first, second) = (2.0, 2.0)  // critical points, ascending (2: none in (0, 1))
    if qa != 0 {
      let disc = qb * qb - 4 * qa * qc
      if disc > 0 {
        let root = disc.squareRoot()
        let q = -0.5 * (qb + (qb >= 0 ? root : -root))
        let (x1, x2) = (q / qa, q != 0 ? qc / q : 2)
        (first, second) = (min(x1, x2), max(x1, x2))
      }
    } else if qb != 0 {
      first = -qc / qb
    }
    if !(first > 0 && first < 1) { first = 2 }
    if !(second > 0 && second < 1) || second == first { second = 2 }
    if first > second { (first, second) = (second, first) }
    var count = 0
    var lower = 0.0
    var lowerValue = a
    for piece in 0..<3 {
      let upper = piece == 0 ? min(first, 1) : piece == 1 ? min(second, 1) : 1
      guard upper > lower else { continue }
      let upperValue = z(upper)
      if (lowerValue > 0) != (upperValue > 0) {
        roots[count] = illinois(from: lower, to: upper, endValue: upperValue, z).s
        count += 1
      }
      lower = upper
      lowerValue = upperValue
    }
    return count
  }
}
