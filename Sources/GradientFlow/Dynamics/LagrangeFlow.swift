import CGSL
import ODE

/// Lagrange-normalized gradient flow (THEORY §3.1): the flow in (ρ_k, V_k) with ‖V_k‖ = 1 held by a
/// multiplier λ_k (2λ_k = ν, the same for every layer):
///
///   ρ̇_k = ν/ρ_k,   V̇_k = ρ Σ_n a_n (∇_k q_n(V) − q_n(V) V_k) = ρ_k² · V̇_k^(unconstrained),
///
/// with ν = Σ_n a_n q_n(W), ρ = ∏_k ρ_k and W_k = ρ_k V_k. In terms of the forces at W
/// (``NetworkForces``, −∇_k L = e^s G_k) the V-equation reads V̇_k = e^s ρ_k P_k(G_k), P_k the
/// projection onto the tangent space of the unit sphere at V_k.
///
/// State: (ρ_1 … ρ_K, V_1 … V_K), K + P entries, the V_k in the layout of ``Architecture``.
/// The right-hand side is evaluated at V̂_k = V_k/‖V_k‖, so the drift of ‖V_k‖ that an explicit
/// stepper lets in cannot bend the direction (THEORY §7.6); the drift ‖V_k‖ − 1 is reported as
/// `v_norm_drift_k`.
/// Invariants: ‖V_k‖ = 1 and ρ_k² − ρ_j² (d ρ_k²/dt = 2ν for every k, any loss). Identical to weight
/// normalization with c_k = 1 (THEORY §4.3). Same V-critical points as the unconstrained flow, but not
/// the same trajectories (THEORY §3.2).
/// Failure modes: stiff at large ρ — the V-rates grow like ρ_k² (THEORY §7.4); ρ_k shrinks while
/// ν < 0 (before separation) and the equations are singular at ρ_k = 0.
public final class LagrangeFlow: NormParametrizedFlow {
  public let kind = DynamicsKind.lagrange
  public let forces: NetworkForces
  public var architecture: Architecture { forces.network.architecture }
  public var dimension: Int { architecture.depth + architecture.parameterCount }
  private let blocks: LayerBlocks
  private let unitScales: [Double]
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  private let theta: UnsafeMutablePointer<Double>
  private let gradient: UnsafeMutablePointer<Double>
  /// The unconstrained flow whose direction at W is G (``FilippovFlow`` for `--sliding filippov`: the Filippov
  /// slopes on sliding pairs), or nil for the ReLU slopes of ``NetworkForces`` (σ'(0) = 0). With one hidden
  /// layer the Filippov slopes of this flow are those of the unconstrained one at W: on a kink, w_j·x_n = 0, so
  /// ż_nj = ρ_1² ⟨x_n, G_1[j, :]⟩ · (positive factor) — the sliding conditions ⟨x_n, G_1[j, :]⟩ = 0 and their
  /// signs are the same (the radial part ⟨W_k, G_k⟩ = ν does not depend on a kink pair's slope, since σ(0) = 0).
  /// With two or more hidden layers the slopes are ``DeepFilippovFlow``'s with the layer metric a_k = ρ_k²/‖V_k‖
  /// (Ẇ_k's tangential part is ρ_k V̇_k/‖V_k‖ = (ρ_k²/‖V_k‖) P_k(G_k)), written before each evaluation.
  public let slopes: (any FlowDynamics)?
  private let deepSlopes: DeepFilippovFlow?

  public init(network: NetworkEvaluator, loss: Loss, slopes: (any FlowDynamics)? = nil) {
    self.slopes = slopes
    deepSlopes = slopes as? DeepFilippovFlow
    deepSlopes?.usesLayerMetric = true
    forces = NetworkForces(network: network, loss: loss)
    blocks = LayerBlocks(network.architecture)
    unitScales = Array(repeating: 1, count: network.architecture.depth)
    theta = arena.buffer(count: network.architecture.parameterCount)
    gradient = arena.buffer(count: network.architecture.parameterCount)
  }

  public func velocity(state: UnsafePointer<Double>, direction: UnsafeMutablePointer<Double>) -> FlowVelocity {
    let depth = blocks.count
    let v = state + depth
    weights(from: state, into: theta)
    if let deepSlopes {
      for k in 0..<depth { deepSlopes.layerMetric[k] = state[k] * state[k] / blocks.norm(k, v) }
    }
    let forceValue =
      slopes?.velocity(state: theta, direction: gradient) ?? forces.evaluate(theta: theta, gradient: gradient)
    let nu = forceValue.weightedMargin
    for k in 0..<depth {
      // ρ̇_k = ν̃/ρ_k and V̇_k = ρ_k P_k(G_k), in units of exp(logScale).
      direction[k] = nu / state[k]
      blocks.projectTangent(k, gradient: gradient, along: v, scale: state[k], into: direction + depth)
    }
    return forceValue
  }

  /// (ρ_k, V_k) with ‖V_k‖ = 1: W_k = ρ_k V_k/‖V_k‖, invariants ‖V_k‖ − 1.
  public var parametrization: NormParametrization {
    NormParametrization(blocks: blocks, directionNorms: unitScales)
  }
}
