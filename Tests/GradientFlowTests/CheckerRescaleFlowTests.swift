import Foundation
import Numerics
import Testing

@testable import GradientFlow

/// THEORY §5.5 item 2 (the "as-is" rescaling) and item 7 (multipliers from the flow itself).
@Suite struct CheckerRescaleFlowTests {
  private func certificate(_ theta: [Double], rescale: KKTCertificate.Rescale) throws -> KKTCertificate {
    var options = KKTCertificate.Options()
    options.rescale = rescale
    return try KKTCertificate(
      architecture: xorArchitecture(), inputs: xorInputs, labels: xorLabels, theta: theta, options: options)
  }

  @Test func asIsAgreesWithBalancedAtAKKTPoint() throws {
    // The XOR optimum with unit layers is balanced: both rescalings give the same θ̃ up to rounding, so
    // the same certificate (THEORY §5.5 item 2: "at a true KKT point both agree").
    let balanced = try #require(try certificate(xorOptimum(), rescale: .balanced).fit)
    let asIs = try #require(try certificate(xorOptimum(), rescale: .asIs).fit)
    #expect(asIs.epsRel <= 1e-6)
    #expect(asIs.lambdaRatio.isApproximatelyEqual(to: balanced.lambdaRatio, absoluteTolerance: 1e-12))
    #expect(asIs.support == balanced.support)
  }

  @Test func asIsSeesTheImbalanceThatBalancedRemoves() throws {
    // W_1 × 2, W_2 × ½: the same function and the same V, so the balanced certificate is unchanged; the
    // as-is θ̃ keeps ‖W̃_1‖ = 4‖W̃_2‖, which no KKT point has (‖W_k‖² = Σλ for every k): a large ε_rel.
    var theta = xorOptimum()
    for i in 0..<8 { theta[i] *= 2 }
    for i in 8..<12 { theta[i] *= 0.5 }
    let balanced = try certificate(theta, rescale: .balanced)
    let asIs = try certificate(theta, rescale: .asIs)
    #expect(balanced.isWithinTolerance)
    #expect(asIs.rescale == .asIs)
    let fit = try #require(asIs.fit)
    #expect(fit.epsRel > 0.3, "as-is ε_rel = \(fit.epsRel)")
    // Every scalar multiple μ of the optimum's λ leaves ε_rel = √(min_μ [(2 − μ/2)² + (½ − 2μ)²] / 4.25)
    // = 0.8824 (layers of equal norm b: θ̃ = (2B_1, B_2/2), Σμλ*h = (μB_1/2, 2μB_2)); the NNLS can only do better.
    #expect(fit.epsRel <= 0.8824)
    #expect(!asIs.isWithinTolerance)
  }

  @Test func flowMultipliersMeasureTheAlignmentOnR1() throws {
    // K = 1: h_n = z_n at any scale, so g ∝ −∇L(w) = Σ e^{−z_n·w} z_n and ε_rel(flow) = sin∠(w, −∇L),
    // computed here directly from the exact R1 path w(t) = (log(t + e^a), ½ log(4t + e^{2b})).
    let architecture = try Architecture(inputDimension: 2, hiddenWidths: [])
    let z: [[Double]] = [[1, 0], [0, 2]]
    var previous = Double.infinity
    for logT in [5.0, 10, 20, 40] {
      let t = Foundation.exp(logT)
      let w = [Foundation.log(t + Foundation.exp(0.3)), 0.5 * Foundation.log(4 * t + Foundation.exp(-0.4))]
      let certificate = try KKTCertificate(architecture: architecture, inputs: r1Inputs, labels: r1Labels, theta: w)
      let flow = try #require(certificate.flowFit)
      #expect(flow.method == .flow)
      let force = (0..<2).map { i in z.reduce(0.0) { $0 + Foundation.exp(-CheckerMath.dot($1, w)) * $1[i] } }
      let sine = sin(CheckerMath.angle(w, force))
      // Two computations of one sine (a 2-vector angle): rounding.
      #expect(flow.epsRel.isApproximatelyEqual(to: sine, absoluteTolerance: 1e-12), "log t = \(logT)")
      // The flow aligns (THEORY P3): the residual falls along the path.
      #expect(flow.epsRel < previous)
      previous = flow.epsRel
      // The NNLS fit is the best λ ≥ 0 on S_∞, so never worse than the flow's.
      #expect(try #require(certificate.pareto.first).epsRel <= flow.epsRel + 1e-15)
    }
  }

  @Test func flowMultipliersVanishAtTheXOROptimumLimit() throws {
    // At the XOR optimum scaled by ρ (all four margins equal), softmax(−q) is uniform, λ ∝ (1, 1, 1, 1),
    // which are the optimum's multipliers (λ_n = 1/√2 each); with σ'(0) = 0 at the exact kinks the
    // backprop gradients are the Clarke ones that certify it.
    let theta = xorOptimum().map { $0 * 30 }
    let certificate = try KKTCertificate(
      architecture: xorArchitecture(), inputs: xorInputs, labels: xorLabels, theta: theta)
    let flow = try #require(certificate.flowFit)
    #expect(flow.epsRel <= 1e-12)
    #expect(flow.lambdaRatio.isApproximatelyEqual(to: 1, absoluteTolerance: 1e-12))
  }
}
