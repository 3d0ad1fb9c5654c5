import Foundation
import Testing

@testable import GradientFlow

/// The decisive Clarke-aware check for K ≥ 3 (``DeepClarkeCheck``, ``SlopeVertexPricing``), each part
/// against an independent computation: brute-force vertex enumeration, gradients at perturbed points
/// (the Clarke subdifferential's definition) and the full vertex NNLS.
@Suite struct CheckerDeepTests {
  /// A bias-free ReLU (or leaky ReLU) net with `hidden` widths on `count` random samples, with the given
  /// (layer, sample, unit) pairs put exactly on their kinks: the row minus its component along h_{k−1,n}.
  /// Returns the architecture, inputs, labels (the net's own signs, so that it separates) and weights.
  /// The first seed from `seed` on whose net has every flagged sample's lower layers active and no
  /// vanishing output is used (deterministic).
  static func kinkedNet(
    hidden: [Int], count: Int, pairs: [(layer: Int, sample: Int, unit: Int)], seed: UInt64,
    activation: Activation = .relu
  ) throws -> (Architecture, [Double], [Double], [Double]) {
    for candidate in seed..<(seed + 100) {
      if let net = try kinkedNetIfValid(
        hidden: hidden, count: count, pairs: pairs, seed: candidate, activation: activation)
      {
        return net
      }
    }
    throw ModelError.invalidWeights("no valid seed")
  }

  private static func kinkedNetIfValid(
    hidden: [Int], count: Int, pairs: [(layer: Int, sample: Int, unit: Int)], seed: UInt64, activation: Activation
  ) throws -> (Architecture, [Double], [Double], [Double])? {
    var random = SeededRandom(seed: seed)
    let d = 3
    let architecture = try Architecture(
      inputDimension: d, hiddenWidths: hidden, activation: activation, leakySlope: 0.2)
    let inputs = (0..<(d * count)).map { _ in random.gaussian() }
    var theta = InitialWeights.gaussian(architecture: architecture, scale: 1, seed: seed + 1)
    for pair in pairs.sorted(by: { $0.layer < $1.layer }) {
      let forward = MarginJacobian(
        architecture: architecture, inputs: inputs, labels: [Double](repeating: 1, count: count), theta: theta)
      let (_, columns) = architecture.shape(ofLayer: pair.layer)
      let h: [Double] =
        pair.layer == 1
        ? Array(inputs[(pair.sample * d)..<(pair.sample * d + d)])
        : forward.preActivations[pair.sample][pair.layer - 2].map { activation.value($0, slope: 0.2) }
      let row = architecture.offset(ofLayer: pair.layer) + pair.unit * columns
      let z = (0..<columns).reduce(0.0) { $0 + theta[row + $1] * h[$1] }
      let hh = h.reduce(0.0) { $0 + $1 * $1 }
      guard hh > 0 else { return nil }
      for c in 0..<columns { theta[row + c] -= z / hh * h[c] }
    }
    let outputs = MarginJacobian(
      architecture: architecture, inputs: inputs, labels: [Double](repeating: 1, count: count), theta: theta
    ).margins
    guard outputs.allSatisfy({ abs($0) > 1e-6 }) else { return nil }
    let labels = outputs.map { $0 >= 0 ? 1.0 : -1.0 }
    return (architecture, inputs, labels, theta)
  }

  /// Every vertex of a sample's flagged units, as slope overrides.
  static func vertices(_ units: [HiddenUnit], low: Double, high: Double) -> [[Bool]] {
    (0..<(1 << units.count)).map { code in (0..<units.count).map { code & (1 << $0) != 0 } }
  }

  @Test(arguments: [([5, 4], Activation.relu), ([4, 4, 4], .relu), ([5, 4], .leakyRelu), ([4, 4, 4], .leakyRelu)])
  func branchAndBoundFindsTheBruteForceMaximum(hidden: [Int], activation: Activation) throws {
    // Sample 0 on kinks in every hidden layer (up to 9 units, 512 vertices); random residuals r.
    var pairs: [(layer: Int, sample: Int, unit: Int)] = []
    for (k, width) in hidden.enumerated() { for j in 0..<min(width, 3) { pairs.append((k + 1, 0, j)) } }
    let (architecture, inputs, labels, theta) = try Self.kinkedNet(
      hidden: hidden, count: 5, pairs: pairs, seed: 7, activation: activation)
    let jacobian = MarginJacobian(architecture: architecture, inputs: inputs, labels: labels, theta: theta)
    let units = jacobian.kinks(band: 1e-9)[0]
    #expect(units.count == pairs.count)
    let pricing = SlopeVertexPricing(jacobian: jacobian, sample: 0, units: units)
    let (low, high) = jacobian.kinkSlopeRange
    var random = SeededRandom(seed: 11)
    for _ in 0..<10 {
      let r = (0..<architecture.parameterCount).map { _ in random.gaussian() }
      var brute = -Double.infinity
      for vertex in Self.vertices(units, low: low, high: high) {
        let slopes = Dictionary(uniqueKeysWithValues: zip(units, vertex).map { ($0, $1 ? high : low) })
        let value = CheckerMath.dot(jacobian.gradient(sample: 0, slopes: slopes), r)
        // The forward-mode value agrees with the backprop gradient's inner product (rounding of P terms).
        #expect(abs(pricing.value(residual: r, pattern: vertex) - value) <= 1e-12 * (abs(value) + 1))
        brute = max(brute, value)
      }
      let result = pricing.maximize(residual: r)
      #expect(result.exact)
      #expect(abs(result.value - brute) <= 1e-12 * (abs(brute) + 1), "\(result.value) vs \(brute)")
      // A budget of 3 nodes cannot finish, but its bound stays an upper bound.
      let cut = pricing.maximize(residual: r, nodeBudget: 3)
      #expect(cut.upperBound >= brute - 1e-12 * (abs(brute) + 1))
      #expect(cut.value <= brute + 1e-12 * (abs(brute) + 1))
    }
  }

  @Test func everyVertexGradientIsALimitOfNearbyGradients() throws {
    // The Clarke claim behind the check: at exact kinks in two layers, moving each flagged row by
    // ±ε_k h_{k−1}/‖h_{k−1}‖², ε_1 ≪ ε_2, realizes every sign pattern, and the gradient there is the vertex
    // gradient up to O(ε). So ∂°q_n = conv{h_n(v)} (all vertices), not a smaller set.
    let pairs = [(layer: 1, sample: 0, unit: 0), (1, 0, 2), (2, 0, 1), (2, 0, 3)]
    let (architecture, inputs, labels, theta) = try Self.kinkedNet(hidden: [4, 4], count: 3, pairs: pairs, seed: 5)
    let base = MarginJacobian(architecture: architecture, inputs: inputs, labels: labels, theta: theta)
    let units = base.kinks(band: 1e-9)[0]
    #expect(units.count == 4)
    let scales = [1e-10, 1e-6]  // ε_1, ε_2
    for vertex in Self.vertices(units, low: 0, high: 1) {
      var moved = theta
      var h = [Array(inputs[0..<3])]
      h.append(base.preActivations[0][0].map { max($0, 0) })
      for (unit, up) in zip(units, vertex) {
        let (_, columns) = architecture.shape(ofLayer: unit.layer)
        let input = h[unit.layer - 1]
        let hh = input.reduce(0.0) { $0 + $1 * $1 }
        let row = architecture.offset(ofLayer: unit.layer) + unit.unit * columns
        for c in 0..<columns { moved[row + c] += (up ? 1 : -1) * scales[unit.layer - 1] * input[c] / hh }
      }
      let there = MarginJacobian(architecture: architecture, inputs: inputs, labels: labels, theta: moved)
      for (unit, up) in zip(units, vertex) {
        #expect((there.preActivations[0][unit.layer - 1][unit.unit] > 0) == up)
      }
      let limit = base.gradient(
        sample: 0, slopes: Dictionary(uniqueKeysWithValues: zip(units, vertex).map { ($0, $1 ? 1.0 : 0.0) }))
      let nearby = there.gradient(sample: 0)
      let gap = CheckerMath.norm(zip(limit, nearby).map { $0 - $1 })
      // The gradient is Lipschitz on a fixed pattern: the gap is of the size of the largest move, 1e-6.
      #expect(gap <= 1e-4 * CheckerMath.norm(limit), "vertex \(vertex): gap \(gap)")
    }
  }

  /// θ̃ = γ^{−1/K} V and its Jacobian, as the certificate builds them.
  static func rescaled(_ architecture: Architecture, _ inputs: [Double], _ labels: [Double], _ theta: [Double])
    -> (MarginJacobian, [Double], [Double], Double)
  {
    var v = theta
    for k in 1...architecture.depth {
      let range = architecture.offset(ofLayer: k)..<(architecture.offset(ofLayer: k) + architecture.size(ofLayer: k))
      let norm = CheckerMath.norm(theta[range])
      for i in range { v[i] /= norm }
    }
    let gamma = MarginJacobian(architecture: architecture, inputs: inputs, labels: labels, theta: v).margins.min()!
    let target = v.map { $0 * Foundation.pow(gamma, -1 / Double(architecture.depth)) }
    let jacobian = MarginJacobian(architecture: architecture, inputs: inputs, labels: labels, theta: target)
    return (jacobian, target, jacobian.margins, gamma)
  }

  @Test(arguments: [[4, 4], [4, 5, 4]])
  func columnGenerationMatchesTheFullVertexNNLS(hidden: [Int]) throws {
    // Second method: every vertex column of every sample enumerated, one NNLS. The same optimum, and the
    // certified lower bound equals it when the pricing is exact.
    var pairs: [(layer: Int, sample: Int, unit: Int)] = []
    for n in 0..<4 { for k in 1...hidden.count { pairs.append((k, n, (n + k) % hidden[k - 1])) } }
    let (architecture, inputs, labels, theta) = try Self.kinkedNet(hidden: hidden, count: 6, pairs: pairs, seed: 9)
    let (jacobian, target, margins, gamma) = Self.rescaled(architecture, inputs, labels, theta)
    let kinks = jacobian.kinks(band: 1e-9)
    let outcome = DeepClarkeCheck.fit(
      jacobian: jacobian, target: target, candidates: Array(0..<6), kinks: kinks, eta: .infinity,
      normalizedMargins: margins, gamma: gamma)
    var columns: [[Double]] = []
    for n in 0..<6 {
      for vertex in Self.vertices(kinks[n], low: 0, high: 1) {
        columns.append(
          jacobian.gradient(
            sample: n, slopes: Dictionary(uniqueKeysWithValues: zip(kinks[n], vertex).map { ($0, $1 ? 1.0 : 0.0) })))
      }
    }
    #expect(columns.count > 6 * 2)
    let full = NNLS.solve(columns: columns, rhs: target)
    #expect(full.converged)
    let fullEps = full.residualNorm / CheckerMath.norm(target)
    // Two certified NNLS optima of the same problem: equal to rounding of the O(P) sums.
    #expect(abs(outcome.fit.epsRel - fullEps) <= 1e-9, "\(outcome.fit.epsRel) vs \(fullEps)")
    #expect(outcome.fit.solverConverged)
    #expect(outcome.openSamples == 0)
    #expect(outcome.epsRelLowerBound <= fullEps + 1e-12)
    #expect(outcome.epsRelLowerBound >= fullEps - 1e-9)
    // The fit can fail: these random nets are far from KKT points.
    #expect(fullEps > 1e-2)

    // With a 2-node budget the pricing cannot finish on samples with kinks in several layers; the bound
    // stays below the true minimum and the fit above it.
    let cut = DeepClarkeCheck.fit(
      jacobian: jacobian, target: target, candidates: Array(0..<6), kinks: kinks, eta: .infinity,
      normalizedMargins: margins, gamma: gamma, nodeBudget: 2)
    #expect(cut.epsRelLowerBound <= fullEps + 1e-12)
    #expect(cut.fit.epsRel >= fullEps - 1e-12)
  }

  @Test func threeLayerXORIsDecidedAtAndNextToTheKinks() throws {
    // The XOR optimum with an identity-like middle layer, 2 → 4 → 4 → 1: a KKT point (the middle layer
    // passes the first one's outputs on). Tilted by 1e-9 the kink pre-activations take both signs and the
    // backprop fit fails (ε_rel > 0.1), as before; the vertex fit certifies it at the tilt's size.
    let architecture = try Architecture(inputDimension: 2, hiddenWidths: [4, 4])
    func embed(_ two: [Double]) -> [Double] {
      var theta = Array(two[0..<8])
      for i in 0..<4 { for j in 0..<4 { theta.append(i == j ? 0.5 : 0) } }
      return theta + Array(two[8..<12])
    }
    for tilt in [0, 1e-9] {
      let certificate = try KKTCertificate(
        architecture: architecture, inputs: xorInputs, labels: xorLabels, theta: embed(xorOptimum(tilt: tilt)))
      #expect(certificate.kinkTreatment == .clarkeVertices)
      #expect(!certificate.kinkAmbiguous)
      let fit = try #require(certificate.fit)
      #expect(fit.method == .clarkeVertices)
      // 1e-9 from a KKT point: ε_rel of that order (1e-6 leaves room for the rescaling's factors).
      #expect(fit.epsRel <= 1e-6, "tilt \(tilt): ε_rel \(fit.epsRel)")
      #expect(certificate.isWithinTolerance)
      let bound = try #require(certificate.epsRelLowerBound)
      #expect(bound <= fit.epsRel + 1e-12)
      let check = TrajectoryCheck(points: [.init(t: nil, certificate: certificate)], tolerance: 1e-2)
      #expect(check.verdict == .kkt)
      if tilt > 0 { #expect((certificate.plainFit?.epsRel ?? 0) > 0.1) }
    }
  }

  @Test func aRandomDeepNetIsDefinitelyNotKKT() throws {
    // Random 3- and 4-layer nets with kinks: the certified bound exceeds the tolerance, so the verdict is
    // a definite "not a KKT point" with the bound in its reasons, not kink-ambiguous.
    for hidden in [[4, 4], [4, 5, 4]] {
      var pairs: [(layer: Int, sample: Int, unit: Int)] = []
      for n in 0..<4 { for k in 1...hidden.count { pairs.append((k, n, n % hidden[k - 1])) } }
      let (architecture, inputs, labels, theta) = try Self.kinkedNet(
        hidden: hidden, count: 8, pairs: pairs, seed: 13)
      var options = KKTCertificate.Options()
      options.kinkBand = 1e-9
      let certificate = try KKTCertificate(
        architecture: architecture, inputs: inputs, labels: labels, theta: theta, options: options)
      let bound = try #require(certificate.epsRelLowerBound)
      #expect(bound > 1e-2)
      #expect(!certificate.kinkAmbiguous)
      let check = TrajectoryCheck(points: [.init(t: nil, certificate: certificate)], tolerance: 1e-2)
      #expect(check.verdict == .notConverged)
      #expect(check.reasons.contains { $0.hasPrefix("not a KKT point") })
    }
  }

  @Test func aCutPricingIsReportedAsKinkAmbiguousWithItsBounds() throws {
    // A tolerance between the bound and the fit of a budget-limited pricing: kink-ambiguous, with both
    // numbers and the cause in the reason.
    var pairs: [(layer: Int, sample: Int, unit: Int)] = []
    for n in 0..<6 { for k in 1...3 { pairs.append((k, n, (n + k) % 3)) } }
    let (architecture, inputs, labels, theta) = try Self.kinkedNet(hidden: [6, 6, 6], count: 6, pairs: pairs, seed: 17)
    var options = KKTCertificate.Options()
    options.kinkBand = 1e-9
    options.nodeBudget = 1
    let probe = try KKTCertificate(
      architecture: architecture, inputs: inputs, labels: labels, theta: theta, options: options)
    let bound = try #require(probe.epsRelLowerBound)
    let fit = try #require(probe.fit)
    #expect(probe.openSamples > 0)
    try #require(bound < fit.score, "bound \(bound), fit \(fit.score)")
    options.tolerance = (bound + fit.score) / 2
    let certificate = try KKTCertificate(
      architecture: architecture, inputs: inputs, labels: labels, theta: theta, options: options)
    #expect(certificate.kinkAmbiguous)
    #expect(certificate.ambiguityReason?.contains("node budget") == true)
    let check = TrajectoryCheck(points: [.init(t: nil, certificate: certificate)], tolerance: options.tolerance)
    #expect(check.verdict == .kinkAmbiguous)
  }
}
