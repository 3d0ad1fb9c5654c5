import ODE

/// The forces of a loss on a network, shared by every dynamics:
///
///   G = Σ_n w_n ∇_θ q_n(W)  and  ν̃ = Σ_n w_n q_n(W),  with a_n = −ℓ'(q_n) = exp(logScale) · w_n,
///
/// so that −∇L = exp(logScale) · G and ν = Σ_n a_n q_n(W) = exp(logScale) · ν̃ (THEORY §2.2).
/// One forward pass, the loss weights in log space, one backprop; allocation-free.
public final class NetworkForces {
  public let network: NetworkEvaluator
  public let loss: Loss
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  private let forceWeights: UnsafeMutablePointer<Double>
  private let outputWeights: UnsafeMutablePointer<Double>
  /// c_n = y_n w_n of the last ``evaluate(theta:gradient:)`` (the Filippov flows read them).
  public var sampleOutputWeights: UnsafePointer<Double> { UnsafePointer(outputWeights) }
  /// Σ_n |w_n| of the last ``evaluate(theta:gradient:)``: the force scale of the Filippov pull-back.
  public private(set) var forceSum = 0.0

  public init(network: NetworkEvaluator, loss: Loss) {
    self.network = network
    self.loss = loss
    forceWeights = arena.buffer(count: network.sampleCount)
    outputWeights = arena.buffer(count: network.sampleCount)
  }

  /// Writes G into `gradient` (P entries) and returns (logScale, ν̃) for weights θ.
  @discardableResult
  public func evaluate(theta: UnsafePointer<Double>, gradient: UnsafeMutablePointer<Double>) -> FlowVelocity {
    let n = network.sampleCount
    network.forward(theta)
    let value = loss.evaluate(margins: network.margins, count: n, weights: forceWeights)
    var nu = 0.0
    var sum = 0.0
    for i in 0..<n {
      outputWeights[i] = network.label(i) * forceWeights[i]
      nu += forceWeights[i] * network.margins[i]
      sum += abs(forceWeights[i])
    }
    forceSum = sum
    network.backward(theta, outputWeights: outputWeights, gradient: gradient)
    return FlowVelocity(logScale: value.logForceScale, weightedMargin: nu)
  }
}
