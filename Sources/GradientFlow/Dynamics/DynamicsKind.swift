/// The three dynamics of THEORY §2–§4, by name (`--dynamics`).
public enum DynamicsKind: String, CaseIterable, Sendable, Codable {
  /// ``UnconstrainedFlow``: dW/dt = −∇L.
  case unconstrained
  /// ``LagrangeFlow``: (ρ_k, V_k) with ‖V_k‖ = 1 held by a multiplier.
  case lagrange
  /// ``WeightNormFlow``: W_k = g_k v_k/‖v_k‖, gradient flow on (g, v).
  case weightnorm

  /// Builds the dynamics on `network`; `wnScale` (the c_k) applies to weight normalization only.
  public func make(network: NetworkEvaluator, loss: Loss, wnScale: [Double] = [1]) throws(ModelError)
    -> any FlowDynamics
  {
    switch self {
    case .unconstrained: UnconstrainedFlow(network: network, loss: loss)
    case .lagrange: LagrangeFlow(network: network, loss: loss)
    case .weightnorm: try WeightNormFlow(network: network, loss: loss, scales: wnScale)
    }
  }
}
