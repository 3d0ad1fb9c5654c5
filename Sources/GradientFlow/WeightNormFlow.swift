import CGSL

/// Gradient flow under weight normalization (Salimans & Kingma 2016; THEORY §4): W_k = g_k v_k/‖v_k‖
/// with free g_k ∈ ℝ and v_k, and gradient flow on (g, v). By the chain rule, with −∇_k L = e^s G_k
/// (``NetworkForces``), v̂_k = v_k/‖v_k‖ and c_k = ‖v_k‖:
///
///   ġ_k = −∂L/∂g_k = e^s ⟨v̂_k, G_k⟩,   v̇_k = −∂L/∂v_k = e^s (g_k/c_k) P_k(G_k),
///
/// which for g_k > 0 is THEORY §4.1: ġ_k = (ρ/g_k) Σ_n a_n q_n(v̂), v̇_k = (ρ/c_k) P_k(Σ_n a_n ∇_k q_n(v̂)).
/// The chain-rule form also covers a sign change of g_k in the early phase (then ρ_k = |g_k| and
/// V_k = sign(g_k) v̂_k, which is what W_k = g_k v̂_k encodes).
///
/// State: (g_1 … g_K, v_1 … v_K), K + P entries. Initial v_k = c_k W_k/‖W_k‖ with c_k from
/// `--wn-scale` (default 1).
/// Invariants: ⟨v_k, v̇_k⟩ = 0, so ‖v_k‖ = c_k is conserved in continuous time (reported as
/// `v_norm_drift_k` = ‖v_k‖ − c_k); g_k² − g_j² is conserved (it is ρ_k² − ρ_j²).
/// With every c_k = 1 this *is* the Lagrange flow (THEORY §4.3); general c_k slows layer k's
/// direction by 1/c_k². Stiff at large ρ like the Lagrange flow.
public final class WeightNormFlow: FlowDynamics {
  public let name = "weightnorm"
  public let forces: NetworkForces
  /// The initial norms c_k of the v_k.
  public let scales: [Double]
  public var architecture: Architecture { forces.network.architecture }
  public var dimension: Int { architecture.depth + architecture.parameterCount }
  private let blocks: LayerBlocks
  private let theta: UnsafeMutablePointer<Double>
  private let gradient: UnsafeMutablePointer<Double>

  /// `scales` holds one c_k per layer, or a single value for all layers.
  public init(network: NetworkEvaluator, loss: Loss, scales: [Double] = [1]) throws(ModelError) {
    let depth = network.architecture.depth
    let resolved = scales.count == 1 ? Array(repeating: scales[0], count: depth) : scales
    guard resolved.count == depth else {
      throw .invalidArchitecture("--wn-scale needs 1 or \(depth) values (one per layer), got \(scales.count)")
    }
    guard resolved.allSatisfy({ $0 > 0 && $0.isFinite }) else {
      throw .invalidArchitecture("--wn-scale values must be positive (got \(scales))")
    }
    self.scales = resolved
    forces = NetworkForces(network: network, loss: loss)
    blocks = LayerBlocks(network.architecture)
    theta = .allocate(capacity: network.architecture.parameterCount)
    gradient = .allocate(capacity: network.architecture.parameterCount)
  }

  deinit {
    theta.deallocate()
    gradient.deallocate()
  }

  public func velocity(state: UnsafePointer<Double>, direction: UnsafeMutablePointer<Double>) -> FlowVelocity {
    let depth = blocks.count
    let v = state + depth
    weights(from: state, into: theta)
    let forceValue = forces.evaluate(theta: theta, gradient: gradient)
    for k in 0..<depth {
      let g = state[k]
      let size = Int32(blocks.sizes[k])
      let offset = blocks.offsets[k]
      let c = blocks.norm(k, v)
      let along = blocks.dot(k, v, gradient) / c  // ⟨v̂_k, G_k⟩
      direction[k] = along
      // (g/c) P_k(G_k) = (g/c) G_k − (g/c) ⟨v̂_k, G_k⟩ v_k/c.
      let out = direction + depth + offset
      out.update(from: gradient + offset, count: blocks.sizes[k])
      cblas_dscal(size, g / c, out, 1)
      cblas_daxpy(size, -g * along / (c * c), v + offset, 1, out, 1)
    }
    return forceValue
  }

  public func initialState(weights theta: [Double]) throws(ModelError) -> [Double] {
    guard theta.count == architecture.parameterCount else { throw .weightCount(theta.count, architecture) }
    var state = [Double](repeating: 0, count: dimension)
    let depth = blocks.count
    for k in 0..<depth {
      let range = blocks.offsets[k]..<(blocks.offsets[k] + blocks.sizes[k])
      let norm = range.reduce(0) { $0 + theta[$1] * theta[$1] }.squareRoot()
      guard norm > 0 else { throw .zeroLayer(k + 1) }
      state[k] = norm
      for i in range { state[depth + i] = scales[k] * theta[i] / norm }
    }
    return state
  }

  /// W_k = g_k v_k/‖v_k‖.
  public func weights(from state: UnsafePointer<Double>, into theta: UnsafeMutablePointer<Double>) {
    let depth = blocks.count
    let v = state + depth
    for k in 0..<depth {
      let offset = blocks.offsets[k]
      theta.advanced(by: offset).update(from: v + offset, count: blocks.sizes[k])
      cblas_dscal(Int32(blocks.sizes[k]), state[k] / blocks.norm(k, v), theta + offset, 1)
    }
  }

  public var invariantNames: [String] { (1...blocks.count).map { "v_norm_drift_\($0)" } }

  /// ‖v_k‖ − c_k.
  public func invariants(state: UnsafePointer<Double>, into values: UnsafeMutablePointer<Double>) {
    for k in 0..<blocks.count { values[k] = blocks.norm(k, state + blocks.count) - scales[k] }
  }
}
