import ODE

/// A gradient-flow dynamics of a homogeneous network: an ``ODESystem`` whose state encodes the
/// layer weights W = (W_1 … W_K) in some coordinates (W itself, (ρ_k, V_k), or (g_k, v_k)).
///
/// The simulator drives any conformer the same way: it integrates the state and, at every save,
/// asks for the weights to compute the observables, so every dynamics writes the same columns.
public protocol FlowDynamics: ODESystem {
  /// A short name for outputs, e.g. "unconstrained".
  var name: String { get }
  /// The network the state parametrizes.
  var architecture: Architecture { get }
  /// The state that encodes the layer weights θ = vec(W_1 … W_K).
  func initialState(weights theta: [Double]) throws(ModelError) -> [Double]
  /// Writes θ = vec(W_1 … W_K) encoded by `state` into `theta` (P entries). Must not allocate.
  func weights(from state: UnsafePointer<Double>, into theta: UnsafeMutablePointer<Double>)
}
