import Foundation
import Numerics
import Testing

@testable import GradientFlow

@Suite struct LossTests {
  @Test func exponentialLossAtHugeMarginsIsFiniteAndExact() {
    // q_n ~ 1e4: e^{−q} underflows, but log L = −1e4 + Foundation.log(e^0 + e^{−1} + e^{−2}) exactly.
    let q = [1e4, 1e4 + 1, 1e4 + 2]
    var w = [0.0, 0, 0]
    let value = Loss.exponential.evaluate(margins: q, count: 3, weights: &w)
    let expected = -1e4 + Foundation.log(1 + Foundation.exp(-1.0) + Foundation.exp(-2.0))
    // One rounding of a number of size 1e4.
    #expect(value.logLoss.isApproximatelyEqual(to: expected, relativeTolerance: 1e-15))
    #expect(value.logForceScale == value.logLoss)
    let z = 1 + Foundation.exp(-1.0) + Foundation.exp(-2.0)
    for (i, weight) in w.enumerated() {
      #expect(weight.isApproximatelyEqual(to: Foundation.exp(-Double(i)) / z, relativeTolerance: 1e-15))
    }
  }

  @Test func logisticLossAtHugeMarginsIsFiniteAndExact() {
    let q = [1e4, 1e4 + 1]
    var w = [0.0, 0]
    let value = Loss.logistic.evaluate(margins: q, count: 2, weights: &w)
    // softplus(−q) = e^{−q}(1 + O(e^{−q})): the same as the exponential loss to double precision.
    #expect(
      value.logLoss.isApproximatelyEqual(to: -1e4 + Foundation.log(1 + Foundation.exp(-1.0)), relativeTolerance: 1e-15))
    #expect(w[0].isApproximatelyEqual(to: 1 / (1 + Foundation.exp(-1.0)), relativeTolerance: 1e-14))
  }

  @Test func lossesMatchTheirDefinitionsAtModerateMargins() {
    let q = [-1.5, 0.2, 2.0, 0.7]
    var w = [Double](repeating: 0, count: 4)
    let cases: [(Loss, (Double) -> Double, (Double) -> Double)] = [
      (.exponential, { Foundation.exp(-$0) }, { Foundation.exp(-$0) }),
      (.logistic, { Foundation.log(1 + Foundation.exp(-$0)) }, { 1 / (1 + Foundation.exp($0)) }),
      (.square, { (1 - $0) * (1 - $0) }, { 2 * (1 - $0) }),
    ]
    for (loss, ell, force) in cases {
      let value = loss.evaluate(margins: q, count: 4, weights: &w)
      let direct = q.map(ell).reduce(0, +)
      // A handful of roundings.
      #expect(Foundation.exp(value.logLoss).isApproximatelyEqual(to: direct, relativeTolerance: 1e-14), "\(loss)")
      for i in 0..<4 {
        #expect(
          (Foundation.exp(value.logForceScale) * w[i]).isApproximatelyEqual(to: force(q[i]), relativeTolerance: 1e-14))
        // One margin's force, unscaled (the crossing-corrected stepper's per-sample work).
        #expect(loss.force(margin: q[i]).isApproximatelyEqual(to: force(q[i]), relativeTolerance: 1e-14))
      }
    }
  }

  @Test func inverseLossInvertsASingleSampleLoss() {
    // ℓ^{-1}(ℓ(u)) = u on the decreasing branch; the logistic small-L branch is checked at u = 40.
    for u in [-0.5, 0.3, 2.0, 40.0] {
      #expect(Loss.exponential.inverse(logLoss: -u).isApproximatelyEqual(to: u, relativeTolerance: 1e-15))
      let logistic = Foundation.log(Foundation.log1p(Foundation.exp(-u)))
      #expect(
        Loss.logistic.inverse(logLoss: logistic).isApproximatelyEqual(
          to: u, absoluteTolerance: 1e-12, relativeTolerance: 1e-12))
    }
    #expect(
      Loss.square.inverse(logLoss: 2 * Foundation.log(0.25)).isApproximatelyEqual(to: 0.75, relativeTolerance: 1e-15))
  }
}
