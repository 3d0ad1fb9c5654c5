import CGSL
import Foundation
import ODE

/// Evaluates scalar summaries of a dynamics state — log L, min_n q_n(W), ρ, γ̄ — for stop conditions
/// and clock switches, on its own buffers (allocation-free after `init`).
final class StateProbe {
  let dynamics: any FlowDynamics
  let network: NetworkEvaluator
  let loss: Loss
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  private let theta: UnsafeMutablePointer<Double>
  private let weights: UnsafeMutablePointer<Double>
  private let blocks: LayerBlocks

  init(dynamics: any FlowDynamics, network: NetworkEvaluator, loss: Loss) {
    self.dynamics = dynamics
    self.network = network
    self.loss = loss
    theta = arena.buffer(count: network.architecture.parameterCount)
    weights = arena.buffer(count: network.sampleCount)
    blocks = LayerBlocks(network.architecture)
  }

  /// Runs the forward pass for `state`; returns θ.
  private func forward(_ state: UnsafeBufferPointer<Double>) -> UnsafeMutablePointer<Double> {
    dynamics.weights(from: state.baseAddress!, into: theta)
    network.forward(theta)
    return theta
  }

  func logLoss(_ state: UnsafeBufferPointer<Double>) -> Double {
    _ = forward(state)
    return loss.evaluate(margins: network.margins, count: network.sampleCount, weights: weights).logLoss
  }

  /// min_n q_n(W).
  func minimumMargin(_ state: UnsafeBufferPointer<Double>) -> Double {
    _ = forward(state)
    var qMin = Double.infinity
    for i in 0..<network.sampleCount { qMin = min(qMin, network.margins[i]) }
    return qMin
  }

  /// ρ = ∏_k ‖W_k‖.
  func rho(_ state: UnsafeBufferPointer<Double>) -> Double {
    dynamics.weights(from: state.baseAddress!, into: theta)
    var product = 1.0
    for k in 0..<blocks.count { product *= blocks.norm(k, theta) }
    return product
  }

  /// γ̄ = min_n q_n(W)/ρ.
  func margin(_ state: UnsafeBufferPointer<Double>) -> Double {
    minimumMargin(state) / rho(state)
  }
}
