/// Brent's minimization of a function of one variable on an interval (golden sections with parabolic
/// steps; R. P. Brent, "Algorithms for Minimization without Derivatives", 1973, ch. 5), used by
/// `--sliding exact` to find how far a pre-activation dips inside a step (``EventDrivenStepper``).
enum BoundedMinimum {
  /// 2 − φ, the golden section's share of an interval.
  static let golden = 0.381_966_011_250_105_1

  /// The least value of f found on [lower, upper] from `start` (inside it), to an absolute `tolerance` in x,
  /// after at most `iterations` evaluations; stops as soon as a value is at or below `stopBelow`.
  static func minimize(
    lower: Double, upper: Double, start: Double, tolerance: Double, stopBelow: Double, iterations: Int,
    _ f: (Double) -> Double
  ) -> (x: Double, value: Double) {
    var (a, b) = (lower, upper)
    var x = min(max(start, a), b)
    var fx = f(x)
    var (w, fw, v, fv) = (x, fx, x, fx)
    var (d, e) = (0.0, 0.0)
    for _ in 1..<max(iterations, 1) {
      let middle = 0.5 * (a + b)
      let tol1 = tolerance
      let tol2 = 2 * tol1
      if fx <= stopBelow || abs(x - middle) <= tol2 - 0.5 * (b - a) { break }
      var parabolic = false
      if abs(e) > tol1 {
        // The parabola through (v, w, x): its vertex, if it lies inside and moves less than half the step before last.
        let r = (x - w) * (fx - fv)
        var q = (x - v) * (fx - fw)
        var p = (x - v) * q - (x - w) * r
        q = 2 * (q - r)
        if q > 0 { p = -p } else { q = -q }
        let previous = e
        e = d
        if abs(p) < abs(0.5 * q * previous), p > q * (a - x), p < q * (b - x) {
          d = p / q
          let u = x + d
          if u - a < tol2 || b - u < tol2 { d = middle >= x ? tol1 : -tol1 }
          parabolic = true
        }
      }
      if !parabolic {
        e = x >= middle ? a - x : b - x
        d = golden * e
      }
      let u = abs(d) >= tol1 ? x + d : x + (d >= 0 ? tol1 : -tol1)
      let fu = f(u)
      if fu <= fx {
        if u >= x { a = x } else { b = x }
        (v, fv, w, fw, x, fx) = (w, fw, x, fx, u, fu)
      } else {
        if u < x { a = u } else { b = u }
        if fu <= fw || w == x {
          (v, fv, w, fw) = (w, fw, u, fu)
        } else if fu <= fv || v == x || v == w {
          (v, fv) = (u, fu)
        }
      }
    }
    return (x, fx)
  }
}
