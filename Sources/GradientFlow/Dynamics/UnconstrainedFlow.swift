/// Unconstrained gradient flow of the loss in the weights (THEORY §2.1):
///
///   dW_k/dt = −∂L/∂W_k = Σ_n a_n ∇_k q_n(W),   a_n = −ℓ'(q_n(W)).
///
/// In (ρ_k, V_k) this is ρ̇_k = ν/ρ_k and V̇_k = (ρ/ρ_k²) P_k(Σ_n a_n ∇_k q_n(V)) (THEORY §2.2);
/// ρ_k and V_k are reported through the observables.
///
/// State: θ = vec(W_1 … W_K) (P entries, layout of ``Architecture``).
/// Invariants (any loss, THEORY §2.3): ρ_k² − ρ_j² is constant, and for ReLU so is every
/// per-neuron difference ‖W_k[i,:]‖² − ‖W_{k+1}[:,i]‖². Explicit steppers conserve them only to
/// the integration tolerance, which makes them the cheapest accuracy monitor (THEORY §7.6).
/// Failure modes: the right-hand side jumps where a ReLU pre-activation changes sign (sliding
/// modes, THEORY §7.1); in plain t-time the forces underflow to 0 once ρ·γ ≳ 745 (THEORY §7.2).
public final class UnconstrainedFlow: WeightStateFlow {
  public let kind = DynamicsKind.unconstrained
  public let forces: NetworkForces
  public var architecture: Architecture { forces.network.architecture }
  /// P, stored: the right-hand side reads it on every call.
  public let dimension: Int

  public init(network: NetworkEvaluator, loss: Loss) {
    forces = NetworkForces(network: network, loss: loss)
    dimension = network.architecture.parameterCount
  }

  /// direction = G = Σ_n w_n ∇_θ q_n(W), so dθ/dt = exp(logScale) · G = −∇L.
  public func velocity(state: UnsafePointer<Double>, direction: UnsafeMutablePointer<Double>) -> FlowVelocity {
    forces.evaluate(theta: state, gradient: direction)
  }
}
