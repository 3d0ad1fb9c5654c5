/// Small dense linear systems by Gaussian elimination with partial pivoting, in place.
enum DenseSolve {
  /// Solves A x = b (A k × k row-major, both overwritten); false when a pivot is zero or not finite.
  static func solve(
    _ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, size k: Int,
    into x: UnsafeMutablePointer<Double>
  ) -> Bool {
    var scale = 0.0
    for i in 0..<(k * k) { scale = max(scale, abs(a[i])) }
    guard scale > 0, scale.isFinite else { return false }
    for col in 0..<k {
      var pivot = col
      for r in (col + 1)..<max(k, col + 1) where abs(a[r * k + col]) > abs(a[pivot * k + col]) { pivot = r }
      // A pivot at rounding level of the matrix: the system is singular (e.g. a duplicated surface).
      guard abs(a[pivot * k + col]) > 1e-13 * scale else { return false }
      if pivot != col {
        for c in 0..<k { (a[col * k + c], a[pivot * k + c]) = (a[pivot * k + c], a[col * k + c]) }
        (b[col], b[pivot]) = (b[pivot], b[col])
      }
      for r in (col + 1)..<max(k, col + 1) {
        let factor = a[r * k + col] / a[col * k + col]
        guard factor != 0 else { continue }
        for c in col..<k { a[r * k + c] -= factor * a[col * k + c] }
        b[r] -= factor * b[col]
      }
    }
    for r in stride(from: k - 1, through: 0, by: -1) {
      var s = b[r]
      for c in (r + 1)..<max(k, r + 1) { s -= a[r * k + c] * x[c] }
      x[r] = s / a[r * k + r]
    }
    return true
  }
}
