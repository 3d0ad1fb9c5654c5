/// Unconstrained gradient flow of the loss in the weights (THEORY §2.1):
///
///   dW_k/dt = −∂L/∂W_k = Σ_n a_n ∇_k q_n(W),   a_n = −ℓ'(q_n(W)).
///
/// State: θ = vec(W_1 … W_K) (P entries, layout of ``Architecture``).
/// Invariants (any loss, THEORY §2.3): ρ_k² − ρ_j² is constant, and for ReLU so is every
/// per-neuron difference ‖W_k[i,:]‖² − ‖W_{k+1}[:,i]‖². Explicit steppers conserve them only to
/// the integration tolerance, which makes them the cheapest accuracy monitor (THEORY §7.6).
/// Failure modes: the right-hand side jumps where a ReLU pre-activation changes sign (sliding
/// modes, THEORY §7.1); in plain t-time the forces underflow to 0 once ρ·γ ≳ 745 (THEORY §7.2).
///
/// The right-hand side allocates nothing: one forward pass, the loss weights in log space, one
/// backprop; the direction is Σ_n w_n ∇q_n with a_n = exp(logForceScale) · w_n.
public final class UnconstrainedFlow: FlowDynamics {
  public let name = "unconstrained"
  public let network: NetworkEvaluator
  public let loss: Loss
  public var architecture: Architecture { network.architecture }
  public var dimension: Int { architecture.parameterCount }
  private let forceWeights: UnsafeMutablePointer<Double>
  private let outputWeights: UnsafeMutablePointer<Double>

  public init(network: NetworkEvaluator, loss: Loss) {
    self.network = network
    self.loss = loss
    forceWeights = .allocate(capacity: network.sampleCount)
    outputWeights = .allocate(capacity: network.sampleCount)
  }

  deinit {
    forceWeights.deallocate()
    outputWeights.deallocate()
  }

  public func velocity(state: UnsafePointer<Double>, direction: UnsafeMutablePointer<Double>) -> Double {
    let n = network.sampleCount
    network.forward(state)
    let value = loss.evaluate(margins: network.margins, count: n, weights: forceWeights)
    for i in 0..<n { outputWeights[i] = network.label(i) * forceWeights[i] }
    network.backward(state, outputWeights: outputWeights, gradient: direction)
    return value.logForceScale
  }

  public func initialState(weights theta: [Double]) throws(ModelError) -> [Double] {
    guard theta.count == dimension else {
      throw .invalidWeights(
        "the initial weights have \(theta.count) entries; the architecture \(architecture.layerSizes) needs \(dimension)"
      )
    }
    return theta
  }

  public func weights(from state: UnsafePointer<Double>, into theta: UnsafeMutablePointer<Double>) {
    theta.update(from: state, count: dimension)
  }
}
