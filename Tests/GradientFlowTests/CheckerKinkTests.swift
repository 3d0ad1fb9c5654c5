import Foundation
import Testing

@testable import GradientFlow

/// The checker flags kinks with the runs' sliding-pair test (issue "ReLU kinks"): the same pairs as
/// ``SlidingPairDetector``, and the same pairs however the weights are scaled.
@Suite struct CheckerKinkTests {
  /// A 3 → 6 → 5 → 1 ReLU (or leaky ReLU, α = 0.2) net on 9 random samples with four pairs (two per hidden layer) put on their
  /// kinks: w_j minus (1 − 1e-6) of its component along h_n, so |z| / (‖w_j‖‖h_n‖) ≈ 1e-6.
  private func problem(activation: Activation = .relu) throws -> (
    Architecture, inputs: [Double], labels: [Double], theta: [Double], forced: Set<KinkPair>
  ) {
    var random = SeededRandom(seed: 21)
    let architecture = try Architecture(
      inputDimension: 3, hiddenWidths: [6, 5], activation: activation, leakySlope: 0.2)
    let count = 9
    let inputs = (0..<(3 * count)).map { _ in random.gaussian() }
    let labels = (0..<count).map { $0 % 2 == 0 ? 1.0 : -1.0 }
    var theta = InitialWeights.gaussian(architecture: architecture, scale: 1, seed: 4)
    let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
    let forced: [KinkPair] = [
      .init(layer: 1, sample: 2, unit: 1), .init(layer: 1, sample: 5, unit: 4),
      .init(layer: 2, sample: 3, unit: 0), .init(layer: 2, sample: 7, unit: 2),
    ]
    for pair in forced {
      network.forward(theta)
      let (_, columns) = architecture.shape(ofLayer: pair.layer)
      let h: [Double] =
        pair.layer == 1
        ? Array(inputs[(pair.sample * 3)..<(pair.sample * 3 + 3)])
        : (0..<columns).map {
          activation.value(network.preActivations(ofLayer: pair.layer - 1)[pair.sample * columns + $0], slope: 0.2)
        }
      let row = architecture.offset(ofLayer: pair.layer) + pair.unit * columns
      let z = (0..<columns).reduce(0.0) { $0 + theta[row + $1] * h[$1] }
      let hh = h.reduce(0.0) { $0 + $1 * $1 }
      for c in 0..<columns { theta[row + c] -= (1 - 1e-6) * z / hh * h[c] }
    }
    return (architecture, inputs, labels, theta, Set(forced))
  }

  private func flagged(_ architecture: Architecture, _ inputs: [Double], _ labels: [Double], _ theta: [Double])
    -> Set<KinkPair>
  {
    let kinks = MarginJacobian(architecture: architecture, inputs: inputs, labels: labels, theta: theta)
      .kinks(band: 1e-3)
    return Set(
      kinks.enumerated().flatMap { n, units in units.map { KinkPair(layer: $0.layer, sample: n, unit: $0.unit) } })
  }

  @Test(arguments: [Activation.relu, .leakyRelu])
  func theCheckerFlagsTheDetectorsNearKinkPairs(activation: Activation) throws {
    // Leaky ReLU: ‖h_n‖ counts the negative side α·z (the detector's own sum, the checker's σ(z)).
    let (architecture, inputs, labels, theta, forced) = try problem(activation: activation)
    let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
    network.forward(theta)
    let detector = SlidingPairDetector(inputs: inputs, inputDimension: 3, band: 1e-3)
    let detected = theta.withUnsafeBufferPointer { detector.nearKinkPairs(network: network, theta: $0.baseAddress!) }
    let mine = flagged(architecture, inputs, labels, theta)
    #expect(mine == Set(detected))
    let norms = detector.layerInputNorms(network: network, layer: 2)
    let z = network.preActivations(ofLayer: 1)
    for n in 0..<labels.count {
      let h = (0..<6).map { activation.value(z[n * 6 + $0], slope: 0.2) }
      let expected = h.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
      // The same six squares summed: rounding only.
      #expect(abs(norms[n] - expected) <= 1e-14 * expected)
    }
    #expect(forced.isSubset(of: mine))
  }

  @Test func flagsDoNotDependOnHowALastHiddenUnitIsScaled() throws {
    // Unit 3 of layer 2 (the last hidden layer): incoming weights × 1e-4, outgoing × 1e4 — the same
    // function, the same KKT status. The old test |z| ≤ τ·max|z| of the layer flagged every pair of the
    // shrunken unit. (A unit of a lower hidden layer also rescales the next layer's ‖h_n‖ and row norms,
    // which the angle test is not invariant under; gradient flow keeps units balanced, THEORY §5.3.)
    let (architecture, inputs, labels, theta, forced) = try problem()
    var scaled = theta
    let (_, columns) = architecture.shape(ofLayer: 2)
    let unit = 3
    for c in 0..<columns { scaled[architecture.offset(ofLayer: 2) + unit * columns + c] *= 1e-4 }
    scaled[architecture.offset(ofLayer: 3) + unit] *= 1e4
    let before = flagged(architecture, inputs, labels, theta)
    let after = flagged(architecture, inputs, labels, scaled)
    #expect(before == after)
    #expect(forced.isSubset(of: after))
    #expect(!after.contains { $0.layer == 2 && $0.unit == unit })
  }

  @Test func flagsDoNotDependOnHowALayerIsScaled() throws {
    // W_1 × 7 and W_2 × 1/3: z_1 and every ‖w_j‖ of layer 1 scale by 7, z_2, ‖h_1‖ and the rows of W_2 by
    // 7 and 1/3, so every ratio |z|/(‖w‖‖h‖) is unchanged (up to rounding, far from the band's edge).
    let (architecture, inputs, labels, theta, forced) = try problem()
    var scaled = theta
    for (k, factor) in [(1, 7.0), (2, 1.0 / 3)] {
      let offset = architecture.offset(ofLayer: k)
      for i in offset..<(offset + architecture.size(ofLayer: k)) { scaled[i] *= factor }
    }
    let after = flagged(architecture, inputs, labels, scaled)
    #expect(after == flagged(architecture, inputs, labels, theta))
    #expect(forced.isSubset(of: after))
  }
}
