/// The coordinates of the normalized flows: the state is (r_1 … r_K, V_1 … V_K), K + P entries, with
/// W_k = r_k V_k/‖V_k‖ — the Lagrange flow's (ρ_k, V_k), ‖V_k‖ = 1, and weight normalization's (g_k, v_k),
/// ‖v_k‖ = c_k. Both conserve ‖V_k‖ in continuous time; an explicit stepper lets it drift, and the drift
/// ‖V_k‖ − (its initial value) is the invariant column `v_norm_drift_k`.
public struct NormParametrization {
  let blocks: LayerBlocks
  /// ‖V_k‖ at the start and, in continuous time, for ever: 1 (Lagrange) or c_k (weight normalization).
  public let directionNorms: [Double]
}

/// A flow in ``NormParametrization`` coordinates; the encoding of θ, the weights of a state and the
/// norm-drift invariants follow from the parametrization.
public protocol NormParametrizedFlow: FlowDynamics {
  var parametrization: NormParametrization { get }
}

extension NormParametrizedFlow {
  /// r_k = ‖W_k‖ and V_k = ‖V_k‖ · W_k/‖W_k‖; a zero layer is a ``ModelError``.
  public func initialState(weights theta: [Double]) throws(ModelError) -> [Double] {
    guard theta.count == architecture.parameterCount else { throw .weightCount(theta.count, architecture) }
    let p = parametrization
    return try p.blocks.normParametrization(of: theta, scales: p.directionNorms)
  }

  /// W_k = r_k V_k/‖V_k‖. Allocates nothing.
  public func weights(from state: UnsafePointer<Double>, into theta: UnsafeMutablePointer<Double>) {
    parametrization.blocks.weights(fromNormParametrization: state, into: theta)
  }

  public var invariantNames: [String] { (1...parametrization.blocks.count).map { "v_norm_drift_\($0)" } }

  /// ‖V_k‖ minus its initial value.
  public func invariants(state: UnsafePointer<Double>, into values: UnsafeMutablePointer<Double>) {
    let p = parametrization
    p.blocks.normDrift(state, scales: p.directionNorms, into: values)
  }
}
