import Foundation
import ODE
import Testing

@testable import GradientFlow

/// ``DeepFilippovFlow``: the Filippov slopes of a ReLU net with K ≥ 3 layers (THEORY §7.1).
@Suite struct DeepSlidingTests {
  /// A three-layer version of ``SlidingTests``' problem: x_1 = (1, 0), y = +1; x_2 = (1, 1), y = −1;
  /// 2 → 2 → 1 → 1. W_1 has positive entries, so h_1 = W_1 x > 0 for both samples; the single unit of
  /// layer 2 starts on its kink for sample 2 (w_2 ⊥ h_1(x_2) = (1.2, 1.3)). With a = 0.8 > 0 and y_2 = −1
  /// the pair is attracting, and the pull of sample 1 (h_1(x_1)·h_1(x_2) > 0) keeps it on the surface.
  static let inputs: [Double] = [1, 0, 1, 1]
  static let labels: [Double] = [1, -1]
  static let architecture = try! Architecture(inputDimension: 2, hiddenWidths: [2, 1])
  static let theta0: [Double] = [1, 0.2, 0.3, 1, 0.65, -0.6, 0.8]

  static func solve(filippov: Bool, tEnd: Double, rtol: Double) throws -> ODESolution {
    let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
    let flow: any FlowDynamics =
      filippov
      ? try DeepFilippovFlow(network: network, inputs: inputs, loss: .exponential)
      : UnconstrainedFlow(network: network, loss: .exponential)
    var options = SolverOptions()
    options.tolerances = Tolerances(relative: rtol, absolute: rtol * 1e-2)
    options.maxSteps = 2_000_000
    return try ODESolver(system: FlowSystem(dynamics: flow), options: options)
      .solve(from: 0, to: tEnd, initialState: theta0)
  }

  /// z of the layer-2 unit for sample 2: w_2 · σ(W_1 x_2).
  static func slidingPreActivation(_ w: [Double]) -> Double {
    let h = [max(w[0] + w[1], 0), max(w[2] + w[3], 0)]
    return w[4] * h[0] + w[5] * h[1]
  }

  @Test func deepFlowSlidesAndAgreesWithTheChatteringLimit() throws {
    let tEnd = 0.2
    let filippov = try Self.solve(filippov: true, tEnd: tEnd, rtol: 1e-10)
    let looser = try Self.solve(filippov: true, tEnd: tEnd, rtol: 1e-8)
    let plain = try Self.solve(filippov: false, tEnd: tEnd, rtol: 1e-6)
    #expect(filippov.termination.isSuccess && looser.termination.isSuccess && plain.termination.isSuccess)
    // The pair stays on its kink (held to rounding by the pull-back).
    #expect(abs(Self.slidingPreActivation(filippov.finalState)) < 1e-10)
    for i in 0..<7 {
      let exact = filippov.finalState[i]
      // Converged in the tolerance: rtol 1e-8 vs 1e-10 (a smooth field: error ∝ tol).
      #expect(abs(looser.finalState[i] - exact) < 1e-7 * max(abs(exact), 1))
      // The plain flow reaches the same Filippov solution only by chattering, error first order in its
      // tolerance (the two-layer problem of ``SlidingTests``: 1e-5 at rtol 1e-6).
      #expect(abs(plain.finalState[i] - exact) < 1e-5 * max(abs(exact), 1))
    }
    // The plain flow moved the state (it did not sit still at the kink): a test that can fail.
    #expect(abs(filippov.finalState[6] - Self.theta0[6]) > 1e-3)
    #expect(plain.statistics.rhsEvaluations > 20 * looser.statistics.rhsEvaluations)
  }

  @Test func balanceIsConservedOnTheSlidingSolution() throws {
    // ⟨W_k, Ẇ_k⟩ = ⟨W_{k+1}, Ẇ_{k+1}⟩ holds for any slope on a pair with z = 0 (σ(z) = s·z there).
    let solution = try Self.solve(filippov: true, tEnd: 5, rtol: 1e-10)
    let start = layerSquaredNorms(Self.theta0, Self.architecture)
    let end = layerSquaredNorms(solution.finalState, Self.architecture)
    // 1e-7: rkf45 conserves quadratic invariants only to O(tol × steps) (THEORY §7.6; measured 6.6e-8 for
    // layers 2–3 at rtol 1e-10, 2.5e-9 at 1e-12), and a pair entering the band at |z| ≤ η‖w‖‖h‖ (η = 1e-7)
    // breaks σ(z) = s·z until the pull-back has brought z to 0 (measured 1.6e-8 for layers 1–2 at every
    // rtol, from a layer-1 pair that reaches its kink at t ≈ 2.3).
    #expect(abs((end[0] - end[1]) - (start[0] - start[1])) < 1e-7)
    #expect(abs((end[1] - end[2]) - (start[1] - start[2])) < 1e-7)
    #expect(abs(Self.slidingPreActivation(solution.finalState)) < 1e-10)
  }

  /// A random 3 → 4 → 3 → 1 net with two pairs forced onto their kinks: (layer 1, sample 0, unit 1) and
  /// (layer 2, sample 3, unit 2), labels chosen so both attract; nil when sample 3 has no active unit.
  static func forcedKinks(seed: UInt64) throws -> (network: NetworkEvaluator, inputs: [Double], theta: [Double])? {
    var random = SeededRandom(seed: seed)
    let architecture = try Architecture(inputDimension: 3, hiddenWidths: [4, 3])
    let n = 6
    let inputs = (0..<(n * 3)).map { _ in random.gaussian() }
    var theta = (0..<architecture.parameterCount).map { _ in random.gaussian() }
    let offset2 = architecture.offset(ofLayer: 2)
    let offset3 = architecture.offset(ofLayer: 3)
    /// σ(W_1 x_m).
    func hidden(_ m: Int) -> [Double] {
      (0..<4).map { j in
        var z = 0.0
        for i in 0..<3 { z += theta[j * 3 + i] * inputs[m * 3 + i] }
        return max(z, 0)
      }
    }
    /// Removes from `count` entries of θ at `start` their component along v.
    func project(start: Int, onto v: [Double]) {
      var dot = 0.0
      var norm = 0.0
      for i in 0..<v.count {
        dot += theta[start + i] * v[i]
        norm += v[i] * v[i]
      }
      for i in 0..<v.count { theta[start + i] -= dot / norm * v[i] }
    }
    project(start: 3, onto: Array(inputs[0..<3]))  // layer 1, unit 1 ⊥ x_0
    guard hidden(3).contains(where: { $0 > 0 }) else { return nil }  // sample 3 dead at layer 1
    project(start: offset2 + 8, onto: hidden(3))  // layer 2, unit 2 ⊥ h_1(x_3)
    // Attracting: c_n g_p < 0. For the top pair g = a_2 (the output weight); label sample 3 against it.
    // For the layer-1 pair, g = Σ_r W_2[r, 1] σ'(z_2r) a_r at sample 0.
    let h0 = hidden(0)
    var signal = 0.0
    for r in 0..<3 {
      var z = 0.0
      for i in 0..<4 { z += theta[offset2 + r * 4 + i] * h0[i] }
      if z > 0 { signal += theta[offset2 + r * 4 + 1] * theta[offset3 + r] }
    }
    var labels = (0..<n).map { $0 % 2 == 0 ? 1.0 : -1.0 }
    labels[0] = signal > 0 ? -1 : 1
    labels[3] = theta[offset3 + 2] > 0 ? -1 : 1
    let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
    return (network, inputs, theta)
  }

  @Test func slopesSatisfyTheFilippovConditions() throws {
    // Independent of the implementation's Jacobians: ż_p along the returned velocity by central finite
    // differences of z_p(θ) (a smooth function of θ near θ: only the two forced pairs sit on a kink, and
    // z_p does not depend on its own slope). The change of velocity from the plain flow (ReLU slopes) must
    // lie in span{∇z_p}, and every pair whose slope was changed must slide (ż_p = 0).
    var slid = 0
    for seed: UInt64 in 1...20 {
      guard let (network, inputs, theta) = try Self.forcedKinks(seed: seed) else { continue }
      let architecture = network.architecture
      let flow = try DeepFilippovFlow(network: network, inputs: inputs, loss: .exponential)
      let plainNetwork = try NetworkEvaluator(
        architecture: architecture, inputs: inputs, labels: (0..<6).map { network.label($0) })
      let plain = UnconstrainedFlow(network: plainNetwork, loss: .exponential)
      let p = architecture.parameterCount
      var g = [Double](repeating: 0, count: p)
      var g0 = [Double](repeating: 0, count: p)
      _ = flow.velocity(state: theta, direction: &g)
      _ = plain.velocity(state: theta, direction: &g0)
      let pairs = [(layer: 1, sample: 0, unit: 1), (layer: 2, sample: 3, unit: 2)]
      func z(_ w: [Double], _ pair: (layer: Int, sample: Int, unit: Int)) -> Double {
        plainNetwork.forward(w)
        return plainNetwork.preActivations(ofLayer: pair.layer)[
          pair.sample * architecture.layerSizes[pair.layer] + pair.unit]
      }
      let eps = 1e-6
      func derivative(_ pair: (layer: Int, sample: Int, unit: Int), along v: [Double]) -> Double {
        let plus = zip(theta, v).map { $0 + eps * $1 }
        let minus = zip(theta, v).map { $0 - eps * $1 }
        return (z(plus, pair) - z(minus, pair)) / (2 * eps)
      }
      // ∇z_p by central differences, one component at a time.
      let gradients = pairs.map { pair in
        (0..<p).map { i in
          var e = [Double](repeating: 0, count: p)
          e[i] = 1
          return derivative(pair, along: e)
        }
      }
      // Least squares g − g0 = Σ u_p ∇z_p (2 × 2 normal equations), and its residual.
      let d = zip(g, g0).map { $0 - $1 }
      func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
      let a11 = dot(gradients[0], gradients[0])
      let a12 = dot(gradients[0], gradients[1])
      let a22 = dot(gradients[1], gradients[1])
      let b1 = dot(gradients[0], d)
      let b2 = dot(gradients[1], d)
      let det = a11 * a22 - a12 * a12
      let u = [(b1 * a22 - b2 * a12) / det, (a11 * b2 - a12 * b1) / det]
      var residual = 0.0
      for i in 0..<p { residual = max(residual, abs(d[i] - u[0] * gradients[0][i] - u[1] * gradients[1][i])) }
      let scale = max(g0.map(abs).max() ?? 1, 1e-300)
      // 1e-7: the finite-difference gradients carry O(eps²·curvature + rounding/eps) ≈ 1e-9 relative errors.
      #expect(residual < 1e-7 * scale, "seed \(seed)")
      for (index, pair) in pairs.enumerated() where abs(u[index]) > 1e-7 * scale {
        // The slope differs from the ReLU slope (u is relative to it). A pair whose Filippov slope sits at
        // the bound contradicting the sign of z is reset to its ReLU slope, so this pair must slide: ż = 0,
        // to the finite-difference noise of ż (as above).
        let rate = derivative(pair, along: g)
        let gradientNorm = dot(gradients[index], gradients[index]).squareRoot()
        #expect(abs(rate) <= 1e-7 * scale * gradientNorm, "seed \(seed) pair \(index)")
        slid += 1
      }
    }
    // Some pairs slide (a test of the sliding branch, not only of the bounds).
    #expect(slid >= 5, "sliding pairs: \(slid)")
  }

  @Test(arguments: [false, true])
  func kinkScanAgreesWithTheScalarTest(deadUnit: Bool) {
    // Every count (SIMD body and tail), with the near unit in every position or absent; with `deadUnit`
    // also a unit with w_j = 0 (z = 0, 1/‖w‖² = ∞: the product is NaN, never near) next to it, which must
    // not hide the near one in its lane.
    var random = SeededRandom(seed: 9)
    for count in 0...11 {
      var inverse = (0..<count).map { _ in 0.5 + random.uniform() }
      for near in -1..<count {
        var z = (0..<count).map { $0 == near ? 1e-9 : (random.uniform() < 0.5 ? -1 : 1) * (0.1 + random.uniform()) }
        let dead = count > 1 ? (near + 1 + count) % count : -1
        if deadUnit, dead >= 0, dead != near {
          z[dead] = 0
          inverse[dead] = .infinity
        }
        let limit = 1e-6
        let expected = (0..<count).contains { z[$0] * z[$0] * inverse[$0] <= limit * limit }
        #expect(KinkScan.anyNear(z, inverseSquared: inverse, count: count, limitSquared: limit * limit) == expected)
        #expect(expected == (near >= 0))
        if deadUnit, dead >= 0, dead != near { inverse[dead] = 0.5 + random.uniform() }
      }
    }
  }
}
