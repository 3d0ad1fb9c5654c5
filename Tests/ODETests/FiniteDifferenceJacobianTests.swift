import Foundation
import Testing

@testable import ODE

@Suite("Finite-difference Jacobian")
struct FiniteDifferenceJacobianTests {
  /// f0 = y0³ + y1·sin t, f1 = e^{y1}·y0 + t²·y0.
  static func f(_ t: Double, _ y: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>) {
    out[0] = y[0] * y[0] * y[0] + y[1] * sin(t)
    out[1] = exp(y[1]) * y[0] + t * t * y[0]
  }

  /// The exact ∂f/∂y (row-major) and ∂f/∂t.
  static func exact(_ t: Double, _ y: [Double]) -> (dfdy: [Double], dfdt: [Double]) {
    (
      [3 * y[0] * y[0], sin(t), exp(y[1]) + t * t, exp(y[1]) * y[0]],
      [y[1] * cos(t), 2 * t * y[0]]
    )
  }

  func evaluate(t: Double, y: [Double], calls: inout Int) -> (dfdy: [Double], dfdt: [Double]) {
    let jacobian = FiniteDifferenceJacobian(dimension: 2)
    var dfdy = [Double](repeating: .nan, count: 4)
    var dfdt = [Double](repeating: .nan, count: 2)
    var count = 0
    y.withUnsafeBufferPointer { y in
      dfdy.withUnsafeMutableBufferPointer { dfdy in
        dfdt.withUnsafeMutableBufferPointer { dfdt in
          jacobian.evaluate(
            t: t, y: y.baseAddress!, dfdy: dfdy.baseAddress!, dfdt: dfdt.baseAddress!
          ) { t, y, out in
            count += 1
            Self.f(t, y, out)
          }
        }
      }
    }
    calls = count
    return (dfdy, dfdt)
  }

  @Test(
    "central differences give about ten correct digits at well-scaled points",
    arguments: [(0.3, [1.0, 0.5]), (2.0, [-1.5, 0.1]), (0.0, [0.7, -2.0]), (0.7, [2.5, -0.3])])
  func accuracy(t: Double, y: [Double]) {
    var calls = 0
    let (dfdy, dfdt) = evaluate(t: t, y: y, calls: &calls)
    let (exactY, exactT) = Self.exact(t, y)
    // The documented step ε^{1/3}·max(|y_j|, 1)^{1/3} balances truncation (h²·f'''/6) against rounding
    // (ε·|f|/h): ≤ 1e-10 relative at these order-one points; 1e-9 is one digit below the documented
    // "about 10 correct digits".
    for i in 0..<4 {
      let scale = max(abs(exactY[i]), 1)
      #expect(
        abs(dfdy[i] - exactY[i]) <= 1e-9 * scale, "∂f/∂y[\(i)] = \(dfdy[i]), exact \(exactY[i])")
    }
    for i in 0..<2 {
      let scale = max(abs(exactT[i]), 1)
      #expect(
        abs(dfdt[i] - exactT[i]) <= 1e-9 * scale, "∂f/∂t[\(i)] = \(dfdt[i]), exact \(exactT[i])")
    }
    // Two evaluations per state component and two for t: 2·(n + 1).
    #expect(calls == 6)
  }

  @Test("a linear system's Jacobian is reproduced to rounding")
  func linear() {
    // f = A·y: the central difference is exact up to rounding, whatever the step.
    let jacobian = FiniteDifferenceJacobian(dimension: 3)
    let a: [Double] = [-2, 1, 0.5, 3, -4, 0, 0.25, 0, -1e3]
    var dfdy = [Double](repeating: .nan, count: 9)
    var dfdt = [Double](repeating: .nan, count: 3)
    let y: [Double] = [1e3, -3, 1e-8]
    y.withUnsafeBufferPointer { y in
      dfdy.withUnsafeMutableBufferPointer { dfdy in
        dfdt.withUnsafeMutableBufferPointer { dfdt in
          jacobian.evaluate(
            t: 0, y: y.baseAddress!, dfdy: dfdy.baseAddress!, dfdt: dfdt.baseAddress!
          ) {
            _, y, out in
            for i in 0..<3 { out[i] = (0..<3).reduce(0) { $0 + a[i * 3 + $1] * y[$1] } }
          }
        }
      }
    }
    for i in 0..<9 {
      // Only rounding remains: ε·|f|/h with |f| ≲ 3e3 and h ≥ ε^{1/3} ≈ 6e-6 gives ≤ 1.1e-7.
      #expect(abs(dfdy[i] - a[i]) <= 1e-6, "entry \(i): \(dfdy[i]) vs \(a[i])")
    }
    #expect(dfdt == [0, 0, 0])
  }

  @Test("a right-hand side that varies on an absolute scale at a large state is differenced accurately")
  func largeState() {
    // f_i = −exp(Σ_j x_ij (y_j − c_j)) with y = c ≈ 2e5 (a loss term exp(−q) at weights that grew like
    // log t/γ, q of order one). Exact: ∂f_i/∂y_j = −x_ij exp(0) = −x_ij. The step ε^{1/3}·|y|^{1/3} ≈ 3.5e-4
    // leaves truncation (h|x|)²/6 ≈ 2e-8 and rounding ε|y|/h ≈ 1.3e-7 (y − c is known to ε|y| ≈ 4.4e-11);
    // 1e-6 bounds both. A step relative to |y| (1.2 here) would be off by sinh(1.2|x|)/(1.2|x|) − 1 ≥ 0.24.
    let x: [Double] = [1, -0.5, 2, 0.25]
    let c: [Double] = [2e5, -1.5e5]
    let jacobian = FiniteDifferenceJacobian(dimension: 2)
    var dfdy = [Double](repeating: .nan, count: 4)
    var dfdt = [Double](repeating: .nan, count: 2)
    c.withUnsafeBufferPointer { y in
      dfdy.withUnsafeMutableBufferPointer { dfdy in
        dfdt.withUnsafeMutableBufferPointer { dfdt in
          jacobian.evaluate(t: 0, y: y.baseAddress!, dfdy: dfdy.baseAddress!, dfdt: dfdt.baseAddress!) {
            _, y, out in
            for i in 0..<2 { out[i] = -exp(x[2 * i] * (y[0] - c[0]) + x[2 * i + 1] * (y[1] - c[1])) }
          }
        }
      }
    }
    for i in 0..<4 {
      #expect(abs(dfdy[i] + x[i]) <= 1e-6 * abs(x[i]), "entry \(i): \(dfdy[i]) vs \(-x[i])")
    }
  }

  /// A field smooth only on a thin band, as a sliding ReLU pair's Filippov field: f(y) = −y for |y| ≤ b, and
  /// outside the band a push back of size one, f(y) = −sign(y)(1 + |y|) (the two sides' slopes across a
  /// kink). Its derivative at y = 0 is −1.
  static func banded(_ y: Double, band: Double) -> Double {
    abs(y) <= band ? -y : -(y > 0 ? 1 : -1) * (1 + abs(y))
  }

  func bandedDerivative(band: Double, relativeStep: Double?) -> Double {
    let jacobian = FiniteDifferenceJacobian(dimension: 1, relativeStep: relativeStep)
    var (y, dfdy, dfdt) = ([0.0], [Double.nan], [Double.nan])
    y.withUnsafeMutableBufferPointer { y in
      dfdy.withUnsafeMutableBufferPointer { dfdy in
        dfdt.withUnsafeMutableBufferPointer { dfdt in
          jacobian.evaluate(t: 0, y: y.baseAddress!, dfdy: dfdy.baseAddress!, dfdt: dfdt.baseAddress!) {
            _, y, out in out[0] = Self.banded(y[0], band: band)
          }
        }
      }
    }
    return dfdy[0]
  }

  /// A step inside the band (η/100 for the kink band η = 1e-6 of rtol 1e-8, as ``SolverOptions/differenceStep``
  /// gets it on kinked nets) differences the smooth piece; the default ε^{1/3} ≈ 6e-6 straddles the band and
  /// returns the jump over the step, about −1/h ≈ −1.6e5.
  @Test func aStepInsideTheBandSeesTheBandsSlope() {
    let band = 1e-6
    let inside = bandedDerivative(band: band, relativeStep: band / 100)
    // f is linear on the band: the difference is exact up to rounding, ε/h ≈ 2e-8 relative.
    #expect(abs(inside + 1) < 1e-7, "in-band step: \(inside)")
    let straddling = bandedDerivative(band: band, relativeStep: nil)
    #expect(straddling < -1e4, "default step: \(straddling)")
    // An invalid step falls back to the default.
    #expect(bandedDerivative(band: band, relativeStep: 0) == straddling)
  }
}
