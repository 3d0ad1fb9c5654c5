import Foundation
import Numerics
import Testing

@testable import GradientFlow

/// A random K = 3 ReLU network on random data, shared by the identity tests.
private func randomNetwork(activation: Activation = .relu, seed: UInt64 = 7) throws -> (
  NetworkEvaluator, [Double]
) {
  var random = SeededRandom(seed: seed)
  let n = 9
  let architecture = try Architecture(inputDimension: 3, hiddenWidths: [5, 4], activation: activation, gateWidth: 0.1)
  let inputs = (0..<(n * 3)).map { _ in random.gaussian() }
  let labels = (0..<n).map { $0 % 2 == 0 ? 1.0 : -1.0 }
  let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
  let theta = InitialWeights.gaussian(architecture: architecture, scale: 1.5, seed: seed)
  return (network, theta)
}

/// ∇q_n as a flat vector, by backprop with the one-hot output weight y_n e_n.
private func marginGradient(_ network: NetworkEvaluator, _ theta: [Double], sample: Int) -> [Double] {
  var c = [Double](repeating: 0, count: network.sampleCount)
  c[sample] = network.label(sample)
  var gradient = [Double](repeating: 0, count: theta.count)
  network.forward(theta)
  network.backward(theta, outputWeights: c, gradient: &gradient)
  return gradient
}

@Suite struct NetworkTests {
  @Test(arguments: [Activation.relu, .identity, .leakyRelu, .smoothRelu])
  func eulerIdentityHoldsPerLayer(activation: Activation) throws {
    let (network, theta) = try randomNetwork(activation: activation)
    let architecture = network.architecture
    network.forward(theta)
    let margins = Array(UnsafeBufferPointer(start: network.margins, count: network.sampleCount))
    for sample in 0..<network.sampleCount {
      let gradient = marginGradient(network, theta, sample: sample)
      for k in 1...architecture.depth {
        let offset = architecture.offset(ofLayer: k)
        var inner = 0.0
        var scale = 0.0
        for i in offset..<(offset + architecture.size(ofLayer: k)) {
          inner += theta[i] * gradient[i]
          scale += abs(theta[i] * gradient[i])
        }
        // THEORY H3: exact in exact arithmetic; the residual is the rounding of a sum of P_k terms.
        #expect(abs(inner - margins[sample]) <= 1e-14 * max(scale, 1), "layer \(k), sample \(sample)")
      }
    }
  }

  @Test func marginScalesWithTheProductOfLayerNorms() throws {
    let (network, theta) = try randomNetwork()
    let architecture = network.architecture
    network.forward(theta)
    let margins = Array(UnsafeBufferPointer(start: network.margins, count: network.sampleCount))
    var normalized = theta
    var rho = 1.0
    for k in 1...architecture.depth {
      let range = architecture.offset(ofLayer: k)..<(architecture.offset(ofLayer: k) + architecture.size(ofLayer: k))
      let norm = range.reduce(0) { $0 + theta[$1] * theta[$1] }.squareRoot()
      rho *= norm
      for i in range { normalized[i] /= norm }
    }
    network.forward(normalized)
    for n in 0..<network.sampleCount {
      // THEORY H1, q(W) = ρ q(V): a few roundings per layer.
      #expect(
        margins[n].isApproximatelyEqual(
          to: rho * network.margins[n], absoluteTolerance: 1e-13, relativeTolerance: 1e-13))
    }
  }

  @Test(arguments: [Loss.exponential, .logistic, .square], [Activation.relu, .smoothRelu])
  func flowIsMinusTheGradientOfTheLoss(loss: Loss, activation: Activation) throws {
    // The smooth gate (ε = 0.1) checks its two extra backprop terms: without either, entries are off
    // by O(|dθ/dt|).
    let (network, theta) = try randomNetwork(activation: activation)
    let flow = UnconstrainedFlow(network: network, loss: loss)
    var dydt = [Double](repeating: 0, count: theta.count)
    FlowSystem(dynamics: flow).evaluate(t: 0, y: theta, dydt: &dydt)
    var weights = [Double](repeating: 0, count: network.sampleCount)
    func lossValue(_ point: [Double]) -> Double {
      network.forward(point)
      return Foundation.exp(
        loss.evaluate(margins: network.margins, count: network.sampleCount, weights: &weights).logLoss)
    }
    let base = lossValue(theta)
    for i in 0..<theta.count {
      let h = 1e-6
      var plus = theta
      var minus = theta
      plus[i] += h
      minus[i] -= h
      let derivative = (lossValue(plus) - lossValue(minus)) / (2 * h)
      // Central differences: O(h²) ≈ 1e-12 truncation plus ε·L/h ≈ 1e-10·L rounding; 1e-7·L covers both
      // with margin, while a wrong factor or sign in one entry would be off by O(|dθ/dt|).
      #expect(abs(-derivative - dydt[i]) <= 1e-7 * max(base, 1), "parameter \(i)")
    }
  }
}
