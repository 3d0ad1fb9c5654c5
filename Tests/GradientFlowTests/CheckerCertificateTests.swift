import Foundation
import Numerics
import Testing

@testable import GradientFlow

/// The single-point KKT certificate (THEORY §5.5) on points whose status is known.
@Suite struct CheckerCertificateTests {
  @Test func xorOptimumIsKKTWithTheClarkeAwareCheck() throws {
    let certificate = try KKTCertificate(
      architecture: xorArchitecture(), inputs: xorInputs, labels: xorLabels, theta: xorOptimum())
    // γ* = √2/4 (THEORY R5); the layers have unit norm, so γ_LL = γ_P/2 exactly at this balanced point.
    #expect(certificate.gammaProduct.isApproximatelyEqual(to: 2.0.squareRoot() / 4, relativeTolerance: 1e-14))
    #expect(certificate.gammaLyuLi.isApproximatelyEqual(to: 2.0.squareRoot() / 8, relativeTolerance: 1e-14))
    let fit = try #require(certificate.fit)
    #expect(fit.method == .clarke)
    #expect(certificate.kinkTreatment == .clarkeExact)
    #expect(certificate.kinkPairs == 8)  // each neuron sits on the kinks of the two corners orthogonal to it
    // Issue requirement: ε_rel ≤ 1e-6 at the known optimum.
    #expect(fit.epsRel <= 1e-6, "ε_rel = \(fit.epsRel)")
    // λ_n = 1/√2 for every corner: exact up to rounding of a 12-entry solve.
    #expect(fit.lambdaRatio.isApproximatelyEqual(to: 1, absoluteTolerance: 1e-12))
    #expect(fit.deltaRel <= 1e-12)
    #expect(fit.support == [0, 1, 2, 3])
    #expect(fit.solverConverged)
    #expect(certificate.balanceError <= 1e-15)
    #expect(certificate.isWithinTolerance)
    #expect(certificate.knownOptimum?.gammaProduct == 2.0.squareRoot() / 4)
  }

  @Test func plainCheckGivesTheFalseNegativeNextToTheOptimum() throws {
    // Within 1e-9 of the optimum, each neuron's two kinks have pre-activations of opposite signs, as in a
    // sliding mode (THEORY §7.1, T8): backprop takes slope 1 on one side and 0 on the other.
    let certificate = try KKTCertificate(
      architecture: xorArchitecture(), inputs: xorInputs, labels: xorLabels, theta: xorOptimum(tilt: 1e-9))
    let plain = try #require(certificate.plainFit)
    let aware = try #require(certificate.fit)
    // THEORY T8 reports 0.50 for the plain NNLS at a flow limit; anything above the 1e-2 tolerance is a false negative.
    #expect(plain.epsRel > 0.1, "plain ε_rel = \(plain.epsRel)")
    #expect(plain.score > 1e-2)
    // The Clarke-aware fit sees a point 1e-9 away from a KKT point: ε_rel of order 1e-9.
    #expect(aware.epsRel <= 1e-6, "Clarke ε_rel = \(aware.epsRel)")
    #expect(aware.method == .clarke)
    #expect(certificate.isWithinTolerance)
    // The slopes the Clarke fit chose sit strictly inside [0, 1] where the signs disagree.
    #expect(aware.kinkSlopes.count == 8)
    for slope in aware.kinkSlopes { #expect(slope.slope >= 0 && slope.slope <= 1) }
  }

  @Test func clarkeColumnGenerationMatchesTheFullVertexNNLS() throws {
    // Second method on the same problem: the QP over the cone {0 ≤ μ ≤ λ} equals the NNLS over all
    // 2^{|J_n|} vertex columns; enumerate them and compare the optimal residuals.
    var random = SeededRandom(seed: 3)
    let architecture = try xorArchitecture(width: 6)
    var theta = xorOptimum(tilt: 0)
    // Width 6: two extra neurons, slightly off the optimum so the residual is not zero.
    theta = Array(theta[0..<8]) + [0.3, -0.2, -0.1, 0.25] + Array(theta[8..<12]) + [0.05, -0.04]
    theta = theta.map { $0 + 1e-3 * random.gaussian() }
    var options = KKTCertificate.Options()
    options.kinkBand = 0.1  // flag many pairs so that the enumeration is not trivial
    let certificate = try KKTCertificate(
      architecture: architecture, inputs: xorInputs, labels: xorLabels, theta: theta, options: options)
    let fit = try #require(certificate.pareto.first { $0.eta == .infinity })
    #expect(fit.method == .clarke)

    let gamma = certificate.gammaProduct
    let norms = certificate.layerNorms
    var target = theta
    for k in 1...2 {
      let offset = architecture.offset(ofLayer: k)
      for i in offset..<(offset + architecture.size(ofLayer: k)) {
        target[i] = theta[i] / norms[k - 1] * Foundation.pow(gamma, -0.5)
      }
    }
    let jacobian = MarginJacobian(architecture: architecture, inputs: xorInputs, labels: xorLabels, theta: target)
    let kinks = jacobian.kinks(band: options.kinkBand)
    var columns: [[Double]] = []
    for n in 0..<4 {
      for code in 0..<(1 << kinks[n].count) {
        let pattern = ClarkeAwareCheck.pattern(code, kinks[n].count)
        columns.append(
          jacobian.gradient(sample: n, slopes: ClarkeAwareCheck.slopes(units: kinks[n], pattern: pattern, 0, 1)))
      }
    }
    #expect(columns.count > 8)
    let full = NNLS.solve(columns: columns, rhs: target)
    #expect(full.converged)
    let fullEps = full.residualNorm / CheckerMath.norm(target)
    // Both are exact optima of the same convex problem: equal up to rounding of the residual norms.
    #expect(fit.epsRel.isApproximatelyEqual(to: fullEps, absoluteTolerance: 1e-12), "\(fit.epsRel) vs \(fullEps)")
  }

  /// The smooth gate checks the checker's own per-sample derivation against the evaluator's blocked one.
  @Test(arguments: [Activation.relu, .smoothRelu])
  func marginJacobianMatchesBackpropAndEuler(activation: Activation) throws {
    var random = SeededRandom(seed: 11)
    let architecture = try Architecture(
      inputDimension: 3, hiddenWidths: [5, 4], activation: activation, gateWidth: 0.2)
    let n = 7
    let inputs = (0..<(3 * n)).map { _ in random.gaussian() }
    let labels = (0..<n).map { $0 % 2 == 0 ? 1.0 : -1.0 }
    let theta = InitialWeights.gaussian(architecture: architecture, scale: 1.3, seed: 5)
    let jacobian = MarginJacobian(architecture: architecture, inputs: inputs, labels: labels, theta: theta)
    let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
    network.forward(theta)
    for sample in 0..<n {
      var c = [Double](repeating: 0, count: n)
      c[sample] = labels[sample]
      var reference = [Double](repeating: 0, count: theta.count)
      network.backward(theta, outputWeights: c, gradient: &reference)
      let mine = jacobian.gradient(sample: sample)
      let difference = CheckerMath.norm(zip(mine, reference).map { $0 - $1 })
      // Same products, different summation order: rounding level.
      #expect(difference <= 1e-13 * max(1, CheckerMath.norm(reference)), "sample \(sample)")
      #expect(jacobian.margins[sample].isApproximatelyEqual(to: network.margins[sample], absoluteTolerance: 1e-13))
      // Euler (THEORY H3), per layer.
      for k in 1...3 {
        let range = architecture.offset(ofLayer: k)..<(architecture.offset(ofLayer: k) + architecture.size(ofLayer: k))
        let inner = CheckerMath.dot(Array(theta[range]), Array(mine[range]))
        #expect(inner.isApproximatelyEqual(to: jacobian.margins[sample], absoluteTolerance: 1e-13))
      }
    }
  }

  @Test func notSeparatingWeightsGetNoCertificate() throws {
    // Flip the output layer of the XOR optimum: every margin becomes −√2/4.
    var theta = xorOptimum()
    for i in 8..<12 { theta[i] = -theta[i] }
    let certificate = try KKTCertificate(
      architecture: xorArchitecture(), inputs: xorInputs, labels: xorLabels, theta: theta)
    #expect(!certificate.isSeparating)
    #expect(certificate.gammaProduct < 0)
    #expect(certificate.fit == nil)
    #expect(!certificate.isWithinTolerance)
  }

  @Test func imbalancedScalingLeavesTheProductMarginButNotLyuLi() throws {
    // Layer rescaling (H1) leaves V, γ_P and the certificate unchanged; γ_LL drops by AM–GM.
    var theta = xorOptimum()
    for i in 0..<8 { theta[i] *= 3 }
    for i in 8..<12 { theta[i] *= 0.5 }
    let certificate = try KKTCertificate(
      architecture: xorArchitecture(), inputs: xorInputs, labels: xorLabels, theta: theta)
    #expect(certificate.gammaProduct.isApproximatelyEqual(to: 2.0.squareRoot() / 4, relativeTolerance: 1e-14))
    // q_min(W) = 1.5·γ_P, ‖θ‖² = 9 + 0.25.
    let expected = 1.5 * 2.0.squareRoot() / 4 / 9.25
    #expect(certificate.gammaLyuLi.isApproximatelyEqual(to: expected, relativeTolerance: 1e-14))
    #expect(certificate.isWithinTolerance)
  }

  @Test func aPointAwayFromKKTFails() throws {
    // A random separating 2-layer net on XOR at width 8 is nowhere near stationary.
    let architecture = try xorArchitecture(width: 8)
    var seed: UInt64 = 0
    var theta = InitialWeights.gaussian(architecture: architecture, scale: 1, seed: seed)
    var certificate = try KKTCertificate(
      architecture: architecture, inputs: xorInputs, labels: xorLabels, theta: theta)
    while !certificate.isSeparating, seed < 200 {
      seed += 1
      theta = InitialWeights.gaussian(architecture: architecture, scale: 1, seed: seed)
      certificate = try KKTCertificate(architecture: architecture, inputs: xorInputs, labels: xorLabels, theta: theta)
    }
    try #require(certificate.isSeparating)
    #expect(certificate.gammaProduct < 2.0.squareRoot() / 4)
    #expect(certificate.score > 1e-2, "score \(certificate.score)")
    #expect(!certificate.isWithinTolerance)
  }
}
