import Foundation
import Numerics
import ODE
import Testing

@testable import GradientFlow

/// The three dynamics of THEORY §2–§4 against each other and against finite differences.
@Suite struct DynamicsTests {
  /// A 3-layer ReLU net on blobs with a bias feature, and a generic (unbalanced) initialization.
  private static func problem(seed: UInt64 = 21) throws -> (NetworkEvaluator, [Double]) {
    let data = try ToyDataset.blobs.generate(count: 14, seed: seed).withBiasFeature()
    let architecture = try Architecture(inputDimension: data.dimension, hiddenWidths: [4, 3])
    let network = try NetworkEvaluator(architecture: architecture, inputs: data.inputs, labels: data.labels)
    return (network, InitialWeights.gaussian(architecture: architecture, scale: 1.3, seed: seed))
  }

  private static func velocity(_ flow: any FlowDynamics, _ state: [Double]) -> [Double] {
    var direction = [Double](repeating: 0, count: flow.dimension)
    let logScale = flow.velocity(state: state, direction: &direction).logScale
    return direction.map { $0 * Foundation.exp(logScale) }
  }

  private static func loss(_ network: NetworkEvaluator, _ theta: [Double], _ loss: Loss) -> Double {
    var weights = [Double](repeating: 0, count: network.sampleCount)
    network.forward(theta)
    return Foundation.exp(
      loss.evaluate(margins: network.margins, count: network.sampleCount, weights: &weights).logLoss)
  }

  @Test(arguments: Loss.allCases)
  func rhoEquationsAgreeAndVFieldsDifferByRhoSquared(loss: Loss) throws {
    let (network, theta) = try Self.problem()
    let architecture = network.architecture
    let depth = architecture.depth
    let unconstrained = UnconstrainedFlow(network: network, loss: loss)
    let lagrange = LagrangeFlow(network: network, loss: loss)
    let weightNorm = try WeightNormFlow(network: network, loss: loss, scales: [1])
    let wDot = Self.velocity(unconstrained, theta)
    let lState = try lagrange.initialState(weights: theta)
    let lDot = Self.velocity(lagrange, lState)
    let gDot = Self.velocity(weightNorm, try weightNorm.initialState(weights: theta))
    for k in 1...depth {
      let offset = architecture.offset(ofLayer: k)
      let range = offset..<(offset + architecture.size(ofLayer: k))
      let rho = lState[k - 1]
      // Unconstrained: ρ̇_k = ⟨V_k, Ẇ_k⟩ and V̇_k = (Ẇ_k − ρ̇_k V_k)/ρ_k (THEORY §2.2).
      let rhoDot = range.reduce(0) { $0 + theta[$1] * wDot[$1] } / rho
      let scale = range.reduce(0) { max($0, abs(wDot[$1])) } * rho
      // A few roundings of sums over P_k ≲ 20 terms.
      #expect(rhoDot.isApproximatelyEqual(to: lDot[k - 1], absoluteTolerance: 1e-13 * scale, relativeTolerance: 1e-12))
      #expect(rhoDot.isApproximatelyEqual(to: gDot[k - 1], absoluteTolerance: 1e-13 * scale, relativeTolerance: 1e-12))
      for i in range {
        let vDot = (wDot[i] - rhoDot * theta[i] / rho) / rho
        // THEORY §3.2: V̇_k(Lagrange) = ρ_k² V̇_k(unconstrained), and weight norm with c = 1 is Lagrange.
        #expect(abs(lDot[depth + i] - rho * rho * vDot) <= 1e-12 * scale, "k \(k), i \(i)")
        #expect(abs(gDot[depth + i] - lDot[depth + i]) <= 1e-12 * scale, "k \(k), i \(i)")
      }
    }
  }

  @Test(arguments: Loss.allCases)
  func weightNormMatchesFiniteDifferencesOfTheLossInItsCoordinates(loss: Loss) throws {
    let (network, theta) = try Self.problem(seed: 5)
    let flow = try WeightNormFlow(network: network, loss: loss, scales: [0.5, 2, 3])
    var state = try flow.initialState(weights: theta)
    state[1] = -state[1]  // g_2 < 0: the early-phase sign change is covered by the chain-rule form.
    let velocity = Self.velocity(flow, state)
    var w = [Double](repeating: 0, count: theta.count)
    func lossAt(_ s: [Double]) -> Double {
      flow.weights(from: s, into: &w)
      return Self.loss(network, w, loss)
    }
    let base = lossAt(state)
    for i in 0..<state.count {
      let h = 1e-6 * max(1, abs(state[i]))
      var plus = state
      var minus = state
      plus[i] += h
      minus[i] -= h
      let derivative = (lossAt(plus) - lossAt(minus)) / (2 * h)
      // Central differences: O(h²) truncation plus O(ε·L/h) rounding ≪ 1e-7·L (THEORY T0d saw 7e-9).
      #expect(abs(-derivative - velocity[i]) <= 1e-7 * max(base, 1), "component \(i)")
    }
    // W_2 = g_2 v̂_2 with g_2 < 0: ρ_2 = |g_2| and V_2 = −v̂_2.
    flow.weights(from: state, into: &w)
    let norms = layerSquaredNorms(w, network.architecture).map { $0.squareRoot() }
    #expect(norms[1].isApproximatelyEqual(to: abs(state[1]), relativeTolerance: 1e-14))
  }

  @Test(arguments: Loss.allCases)
  func lagrangeMatchesTheProjectedFiniteDifferenceGradient(loss: Loss) throws {
    let (network, theta) = try Self.problem(seed: 8)
    let flow = LagrangeFlow(network: network, loss: loss)
    let architecture = network.architecture
    let depth = architecture.depth
    let state = try flow.initialState(weights: theta)
    let velocity = Self.velocity(flow, state)
    // L(ρ, V) = L(ρ_1 V_1, …) without renormalizing V, as in the derivation of THEORY §3.1.
    func lossAt(_ s: [Double]) -> Double {
      var w = [Double](repeating: 0, count: theta.count)
      for k in 1...depth {
        let offset = architecture.offset(ofLayer: k)
        for i in offset..<(offset + architecture.size(ofLayer: k)) { w[i] = s[k - 1] * s[depth + i] }
      }
      return Self.loss(network, w, loss)
    }
    var gradient = [Double](repeating: 0, count: state.count)
    for i in 0..<state.count {
      let h = 1e-6
      var plus = state
      var minus = state
      plus[i] += h
      minus[i] -= h
      gradient[i] = (lossAt(plus) - lossAt(minus)) / (2 * h)
    }
    let base = lossAt(state)
    for k in 1...depth {
      // ρ̇_k = −∂L/∂ρ_k.
      #expect(abs(velocity[k - 1] + gradient[k - 1]) <= 1e-7 * max(base, 1))
      // V̇_k = P_k(−∂L/∂V_k): the multiplier removes the radial part.
      let offset = depth + architecture.offset(ofLayer: k)
      let range = offset..<(offset + architecture.size(ofLayer: k))
      let radial = range.reduce(0) { $0 + state[$1] * gradient[$1] }
      for i in range {
        #expect(abs(velocity[i] - (-gradient[i] + radial * state[i])) <= 1e-7 * max(base, 1), "component \(i)")
      }
    }
  }

  /// Integrates a dynamics and returns (the solution, the weights at every save).
  private static func integrate(_ flow: any FlowDynamics, _ theta: [Double], tEnd: Double) throws -> (
    ODESolution, [[Double]]
  ) {
    var options = SolverOptions()
    options.tolerances = Tolerances(relative: 1e-10, absolute: 1e-12)
    options.saveSchedule = .logSpaced(count: 20, from: 1e-2, to: tEnd)
    let solution = try ODESolver(system: FlowSystem(dynamics: flow), options: options)
      .solve(from: 0, to: tEnd, initialState: try flow.initialState(weights: theta))
    let weights = solution.states.map { state -> [Double] in
      var w = [Double](repeating: 0, count: theta.count)
      flow.weights(from: state, into: &w)
      return w
    }
    return (solution, weights)
  }

  /// A smooth-enough problem for integration tests: ReLU nets on general data slide along kinks and
  /// chatter at tight tolerance (THEORY §7.1), which is the subject of other tests.
  private static func integrationProblem(activation: Activation) throws -> (NetworkEvaluator, [Double]) {
    let data = try ToyDataset.blobs.generate(count: 30, seed: 5)
    let widths = activation == .identity ? [3, 2] : [8]
    let architecture = try Architecture(inputDimension: 2, hiddenWidths: widths, activation: activation)
    let network = try NetworkEvaluator(architecture: architecture, inputs: data.inputs, labels: data.labels)
    return (network, InitialWeights.gaussian(architecture: architecture, scale: 1, seed: 11))
  }

  @Test(arguments: [Activation.relu, .identity])
  func allThreeConserveLayerBalanceAndTheirOwnInvariants(activation: Activation) throws {
    let (network, theta) = try Self.integrationProblem(activation: activation)
    let architecture = network.architecture
    let flows: [any FlowDynamics] = [
      UnconstrainedFlow(network: network, loss: .exponential), LagrangeFlow(network: network, loss: .exponential),
      try WeightNormFlow(
        network: network, loss: .exponential, scales: [0.3, 3, 1].prefix(network.architecture.depth).map { $0 }),
    ]
    let initial = layerSquaredNorms(theta, architecture)
    for flow in flows {
      let (solution, weights) = try Self.integrate(flow, theta, tEnd: 100)
      #expect(solution.termination.isSuccess, "\(flow.kind)")
      let last = try #require(weights.last)
      let norms = layerSquaredNorms(last, architecture)
      for k in 1..<norms.count {
        // THEORY P5: ρ_k² − ρ_1² constant; drift O(rtol × steps) relative to ρ_k².
        #expect(
          abs((norms[k] - norms[0]) - (initial[k] - initial[0])) <= 1e-7 * norms.max()!, "\(flow.kind) layer \(k + 1)")
      }
      var drift = [Double](repeating: 0, count: flow.invariantNames.count)
      solution.finalState.withUnsafeBufferPointer { flow.invariants(state: $0.baseAddress!, into: &drift) }
      for value in drift {
        // ‖V_k‖ = 1 (Lagrange) and ‖v_k‖ = c_k (weight norm) hold exactly for the flow; the stepper drifts at rtol.
        #expect(abs(value) <= 1e-7, "\(flow.kind): \(flow.invariantNames)")
      }
    }
  }

  @Test func weightNormWithUnitScalesCoincidesWithLagrange() throws {
    let (network, theta) = try Self.integrationProblem(activation: .relu)
    let (_, lagrange) = try Self.integrate(LagrangeFlow(network: network, loss: .exponential), theta, tEnd: 200)
    let (_, weightNorm) = try Self.integrate(
      try WeightNormFlow(network: network, loss: .exponential, scales: [1]), theta, tEnd: 200)
    #expect(lagrange.count == weightNorm.count)
    for (a, b) in zip(lagrange, weightNorm) {
      let scale = a.reduce(0) { max($0, abs($1)) }
      for (x, y) in zip(a, b) {
        // THEORY §4.3: the same ODE written two ways; the difference is integration error (rtol 1e-10 × steps).
        #expect(abs(x - y) <= 1e-6 * scale)
      }
    }
  }
}
