/// The pre-filter of the Filippov flows' candidate scan: whether any unit of one sample is near its
/// kink, |z_j| · (1/‖w_j‖) ≤ limit, tested as z_j² · (1/‖w_j‖)² ≤ limit² four units at a time.
///
/// Most samples have no unit near a kink, so this runs over every (sample, unit) pair on every
/// right-hand side evaluation: written with `SIMD4<Double>` (two SSE2 operations on the baseline
/// x86-64 target). On benchmark D (perf) the candidate scan went from 21 % to 15 % of a run with it.
enum KinkScan {
  /// Whether z_j² · inverseSquared_j ≤ limitSquared for some j < count.
  @inline(__always)
  static func anyNear(
    _ z: UnsafePointer<Double>, inverseSquared: UnsafePointer<Double>, count: Int, limitSquared: Double
  ) -> Bool {
    let limit = SIMD4<Double>(repeating: limitSquared)
    var j = 0
    while j + 4 <= count {
      let values = UnsafeRawPointer(z + j).loadUnaligned(as: SIMD4<Double>.self)
      let scales = UnsafeRawPointer(inverseSquared + j).loadUnaligned(as: SIMD4<Double>.self)
      if any(values * values * scales .<= limit) { return true }
      j += 4
    }
    while j < count {
      if z[j] * z[j] * inverseSquared[j] <= limitSquared { return true }
      j += 1
    }
    return false
  }
}
