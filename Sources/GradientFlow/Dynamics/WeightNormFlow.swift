import CGSL
import ODE

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
public final class WeightNormFlow: NormParametrizedFlow {
  public let kind = DynamicsKind.weightnorm
  public let forces: NetworkForces
  /// The initial norms c_k of the v_k.
  public let scales: [Double]
  public var architecture: Architecture { forces.network.architecture }
  public var dimension: Int { architecture.depth + architecture.parameterCount }
  private let blocks: LayerBlocks
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  private let theta: UnsafeMutablePointer<Double>
  private let gradient: UnsafeMutablePointer<Double>
  /// The unconstrained flow whose direction at W is G (``FilippovFlow`` for `--sliding filippov`: the Filippov
  /// slopes on sliding pairs), or nil for the ReLU slopes of ``NetworkForces`` (σ'(0) = 0). With one hidden
  /// layer the Filippov slopes of this flow are those of the unconstrained one at W: on a kink, w_j·x_n = 0, so
  /// ż_nj = ρ_1² ⟨x_n, G_1[j, :]⟩ · (positive factor) — the sliding conditions ⟨x_n, G_1[j, :]⟩ = 0 and their
  /// signs are the same (the radial part ⟨W_k, G_k⟩ = ν does not depend on a kink pair's slope, since σ(0) = 0).
  /// With two or more hidden layers the slopes are ``DeepFilippovFlow``'s with the layer metric a_k = g_k²/‖v_k‖²
  /// (Ẇ_k's tangential part is g_k v̇_k/‖v_k‖ = (g_k²/‖v_k‖²) P_k(G_k)), written before each evaluation.
  public let slopes: (any FlowDynamics)?
  private let deepSlopes: DeepFilippovFlow?

  /// `scales` holds one c_k per layer, or a single value for all layers.
  public init(network: NetworkEvaluator, loss: Loss, scales: [Double] = [1], slopes: (any FlowDynamics)? = nil)
    throws(ModelError)
  {
    self.slopes = slopes
    deepSlopes = slopes as? DeepFilippovFlow
    deepSlopes?.usesLayerMetric = true
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
    theta = arena.buffer(count: network.architecture.parameterCount)
    gradient = arena.buffer(count: network.architecture.parameterCount)
  }

  public func velocity(state: UnsafePointer<Double>, direction: UnsafeMutablePointer<Double>) -> FlowVelocity {
    let depth = blocks.count
    let v = state + depth
    weights(from: state, into: theta)
    if let deepSlopes {
      for k in 0..<depth {
        let norm = blocks.norm(k, v)
        deepSlopes.layerMetric[k] = state[k] * state[k] / (norm * norm)
      }
    }
    let forceValue =
      slopes?.velocity(state: theta, direction: gradient) ?? forces.evaluate(theta: theta, gradient: gradient)
    for k in 0..<depth {
      // ġ_k = ⟨v̂_k, G_k⟩ and v̇_k = (g_k/c_k) P_k(G_k), in units of exp(logScale).
      let c = blocks.norm(k, v)
      direction[k] = blocks.projectTangent(
        k, gradient: gradient, along: v, scale: state[k] / c, into: direction + depth)
    }
    return forceValue
  }

  /// (g_k, v_k) with ‖v_k‖ = c_k: W_k = g_k v_k/‖v_k‖, invariants ‖v_k‖ − c_k.
  public var parametrization: NormParametrization { NormParametrization(blocks: blocks, directionNorms: scales) }
}
