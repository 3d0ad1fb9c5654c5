import CGSL

/// The Lagrange and weight-normalized flows written in the weights W_k themselves (docs/dynamics.md).
///
/// With W_k = g_k v̂_k (ρ_k = |g_k| = ‖W_k‖, c_k = ‖v_k‖; the Lagrange flow is c_k = 1) and the forces at W,
/// −∇_k L = e^s G_k, both flows move W as
///
///   Ẇ_k = ġ_k v̂_k + g_k v̂̇_k = e^s [ a_k G_k + (1 − a_k) R_k G_k ],   a_k = ρ_k²/c_k²,
///   R_k G_k = ⟨W_k, G_k⟩ W_k/ρ_k²  (the radial part of G_k),
///
/// since ġ_k = e^s ⟨v̂_k, G_k⟩ and v̂̇_k = v̇_k/c_k = e^s (g_k/c_k²) P_k(G_k). So the normalized flow's field
/// in W is M(W)·G(W), with M(W) smooth wherever every W_k ≠ 0: the flows jump only where G does, at the
/// ReLU kinks, and the activation pattern of a state depends only on its directions. This is what lets
/// the crossing-corrected steps (``CrossingCorrectedStepper``) integrate them: the frozen pattern's field
/// M·G_0 is smooth between crossings, and a crossing changes the field by M·ΔG.
///
/// On a first-layer kink, z_nj = W_1[j, :]·x_n = 0, a slope change of pair (n, j) changes G only in row j
/// of G_1 by a multiple of x_n, and ⟨W_1, ΔG_1⟩ is that multiple times z_nj = 0: M·ΔG = a_1 ΔG there. So
/// a flip moves ż_nj by a_1 times the unconstrained flow's jump, and the unconstrained Filippov slopes
/// hold the normalized flows on the kink too (``LagrangeFlow/slopes``).
public struct NormalizedWeightField: Sendable {
  /// c_k for each layer (1 for the Lagrange flow).
  public let scales: [Double]
  /// The flow this field writes in W (Lagrange: every c_k = 1).
  public let dynamics: DynamicsKind
  let offsets: [Int]
  let sizes: [Int]

  public init(architecture: Architecture, scales: [Double], dynamics: DynamicsKind = .weightnorm) {
    self.dynamics = dynamics
    offsets = (1...architecture.depth).map { architecture.offset(ofLayer: $0) }
    sizes = (1...architecture.depth).map { architecture.size(ofLayer: $0) }
    self.scales = scales.count == 1 ? Array(repeating: scales[0], count: offsets.count) : scales
  }

  /// a_k = ρ_k²/c_k² of layer k (0-based) at θ: the factor of the tangential velocity against the
  /// unconstrained flow's.
  public func tangentFactor(layer k: Int, theta: UnsafePointer<Double>) -> Double {
    let size = Int32(sizes[k])
    let squared = cblas_ddot(size, theta + offsets[k], 1, theta + offsets[k], 1)
    return squared / (scales[k] * scales[k])
  }

  /// vector ← M(θ)·vector, block by block: a_k G_k + (1 − a_k) ⟨W_k, G_k⟩ W_k/ρ_k². Allocates nothing.
  public func apply(theta: UnsafePointer<Double>, to vector: UnsafeMutablePointer<Double>) {
    for k in 0..<offsets.count {
      let size = Int32(sizes[k])
      let (w, g) = (theta + offsets[k], vector + offsets[k])
      let squared = cblas_ddot(size, w, 1, w, 1)
      guard squared > 0 else { continue }
      let a = squared / (scales[k] * scales[k])
      let radial = cblas_ddot(size, w, 1, g, 1) / squared
      cblas_dscal(size, a, g, 1)
      cblas_daxpy(size, (1 - a) * radial, w, 1, g, 1)
    }
  }

  /// out ← M(θ)⁻¹·vector, block by block: (1/a_k) P_k v_k + R_k v_k (M = a_k P_k + R_k, R_k the projection onto W_k,
  /// P_k = I − R_k). Allocates nothing.
  public func applyInverse(
    theta: UnsafePointer<Double>, to vector: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>
  ) {
    for k in 0..<offsets.count {
      let size = Int32(sizes[k])
      let (w, v, o) = (theta + offsets[k], vector + offsets[k], out + offsets[k])
      o.update(from: v, count: sizes[k])
      let squared = cblas_ddot(size, w, 1, w, 1)
      guard squared > 0 else { continue }
      let a = squared / (scales[k] * scales[k])
      let radial = cblas_ddot(size, w, 1, v, 1) / squared
      cblas_dscal(size, 1 / a, o, 1)
      cblas_daxpy(size, (1 - 1 / a) * radial, w, 1, o, 1)
    }
  }
}

/// A normalized flow (Lagrange or weight normalization) as a field on θ = vec(W_1 … W_K): the velocity
/// of `base` (the unconstrained flow, or its Filippov flow) mapped by ``NormalizedWeightField``. The
/// state is θ itself (P entries), so ‖v_k‖ = c_k holds by construction; the crossing-corrected steps
/// of the normalized flows use it (``NormalizedCrossingStepper``).
public final class NormalizedWeightFlow: WeightStateFlow, FilippovCounting {
  public var kind: DynamicsKind { field.dynamics }
  public let base: any FlowDynamics
  public let field: NormalizedWeightField
  public var architecture: Architecture { base.architecture }
  public let dimension: Int

  public init(base: any FlowDynamics, field: NormalizedWeightField) {
    self.base = base
    self.field = field
    dimension = base.architecture.parameterCount
  }

  public func velocity(state: UnsafePointer<Double>, direction: UnsafeMutablePointer<Double>) -> FlowVelocity {
    let velocity = base.velocity(state: state, direction: direction)
    field.apply(theta: state, to: direction)
    return velocity
  }

  public var overflowCount: Int { (base as? any FilippovCounting)?.overflowCount ?? 0 }
  public var slidingPairCount: Int { (base as? any FilippovCounting)?.slidingPairCount ?? 1 }
}
