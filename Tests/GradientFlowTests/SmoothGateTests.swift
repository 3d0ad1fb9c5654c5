import Foundation
import Testing

@testable import GradientFlow

/// ``SmoothGate`` on its own: the logistic's shortcuts, homogeneity and the ReLU limit.
@Suite struct SmoothGateTests {
  @Test func saturatedLogisticHasTheSameBits() {
    // From u = 37 on, 1/(1 + e^{−u}) is 1.0 in double: skipping the exponential changes no bit.
    var u = SmoothGate.saturation
    while u < 800 {
      #expect(SmoothGate.logistic(u) == 1 / (1 + Foundation.exp(-u)), "u = \(u)")
      u += 0.37
    }
    // Just below the cut the formula is not yet 1: the cut is not lower than it needs to be.
    #expect(1 / (1 + Foundation.exp(-36.0)) < 1)
    // From u = −710 down, e^{−u} overflows and the formula gives 0.
    u = SmoothGate.cutoff
    while u > -2000 {
      #expect(SmoothGate.logistic(u) == 1 / (1 + Foundation.exp(-u)), "u = \(u)")
      u -= 0.71
    }
    #expect(1 / (1 + Foundation.exp(709.0)) > 0)
  }

  @Test func gateIsHomogeneousAndTendsToReLU() {
    let gate = SmoothGate(width: 1e-3)
    var random = SeededRandom(seed: 5)
    for _ in 0..<200 {
      let w = (0..<4).map { _ in random.gaussian() }
      let h = (0..<4).map { _ in random.gaussian() }
      let z = zip(w, h).reduce(0.0) { $0 + $1.0 * $1.1 }
      let norm = { (v: [Double]) in v.reduce(0.0) { $0 + $1 * $1 }.squareRoot() }
      let scale = norm(w) * norm(h)
      let value = gate.value(z, scale: scale)
      // σ(cw, h) = cσ(w, h): z and the scale both carry c. An ulp of u (|u| ≤ 1/ε = 1e3) moves e^u by
      // |u|·2.2e-16 ≤ 2.2e-13 relative, so 1e-12.
      #expect(abs(gate.value(3 * z, scale: 3 * scale) - 3 * value) <= 1e-12 * abs(3 * value) + 1e-300)
      // |cos| ≥ 0.05 (all but a few draws): |u| ≥ 50, so S is within e^{−50} of the ReLU gate.
      if abs(z) >= 0.05 * scale {
        #expect(abs(value - max(z, 0)) <= 1e-20 * abs(z))
      }
    }
  }

  @Test func theWidthIsRequiredAndOnlyKeptForTheSmoothGate() throws {
    #expect(throws: ModelError.self) { try Architecture(inputDimension: 2, hiddenWidths: [3], activation: .smoothRelu) }
    #expect(throws: ModelError.self) {
      try Architecture(inputDimension: 2, hiddenWidths: [3], activation: .smoothRelu, gateWidth: 0)
    }
    let relu = try Architecture(inputDimension: 2, hiddenWidths: [3], gateWidth: 0.1)
    #expect(relu.gateWidth == nil && relu.smoothGate == nil)
    let smooth = try Architecture(inputDimension: 2, hiddenWidths: [3], activation: .smoothRelu, gateWidth: 0.1)
    #expect(smooth.smoothGate == SmoothGate(width: 0.1))
  }
}
