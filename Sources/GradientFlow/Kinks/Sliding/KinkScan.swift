/// The pre-filter of the Filippov flows' candidate scan: whether any unit of one sample is near its
/// kink, |z_j| · (1/‖w_j‖) ≤ limit, tested as z_j² · (1/‖w_j‖)² ≤ limit² four units at a time.
///
/// Most samples have no unit near a kink, so this runs over every (sample, unit) pair on every
/// right-hand side evaluation: written with `SIMD4<Double>` (two SSE2 operations on the baseline
/// x86-64 target), keeping the smallest product per lane and testing once per row (a test per four
/// units cost a lane extraction and a branch each; the profile: benchmarks/RESULTS.md, "Figures behind design choices").
enum KinkScan {
  /// Whether z_j² · inverseSquared_j ≤ limitSquared for some j < count.
  @inline(__always)
  static func anyNear(
    _ z: UnsafePointer<Double>, inverseSquared: UnsafePointer<Double>, count: Int, limitSquared: Double
  ) -> Bool {
    // The smallest z_j² · inverseSquared_j of the row, lane-wise, without a branch per four units; a NaN
    // product (0 · ∞ for a unit with w_j = 0) never replaces a lane, as it never passes the test.
    var smallest = SIMD4<Double>(repeating: .infinity)
    var j = 0
    while j + 4 <= count {
      let values = UnsafeRawPointer(z + j).loadUnaligned(as: SIMD4<Double>.self)
      let scales = UnsafeRawPointer(inverseSquared + j).loadUnaligned(as: SIMD4<Double>.self)
      let products = values * values * scales
      smallest.replace(with: products, where: products .< smallest)
      j += 4
    }
    if any(smallest .<= SIMD4<Double>(repeating: limitSquared)) { return true }
    while j < count {
      if z[j] * z[j] * inverseSquared[j] <= limitSquared { return true }
      j += 1
    }
    return false
  }
}
