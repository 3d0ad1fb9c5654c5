import Foundation

/// The smooth, exactly homogeneous gate of THEORY §7.1(e), `--activation smooth-relu:ε`:
///
///   σ(w, h) = z·S(u),   z = w·h,   u = z / (ε‖w‖‖h‖) ∈ [−1/ε, 1/ε],   S(u) = 1/(1 + e^{−u}).
///
/// u is the cosine of the angle between w and h over ε, so it does not change when w or h is scaled:
/// σ(cw, h) = σ(w, ch) = c·σ(w, h) for c > 0, every layer stays 1-homogeneous and Euler's identity
/// holds exactly. As ε → 0 the gate tends to ReLU away from z = 0; it is smooth everywhere else
/// (stiffness ∝ 1/ε instead of a jump), and it is a different model: its max-margin problem and γ*
/// are not ReLU's. With r = ‖w‖, s = ‖h‖ and S' = S(1 − S):
///
///   ∂σ/∂w = (S + uS')·h − (z u S'/r²)·w,   ∂σ/∂h = (S + uS')·w − (z u S'/s²)·h,
///
/// so ⟨w, ∂σ/∂w⟩ = zS = σ (Euler). Where r·s = 0 (then z = 0) it takes u = 0: σ = 0, slope 1/2.
public struct SmoothGate: Sendable, Equatable {
  /// ε: the width of the gate in units of cos∠(w, h).
  public let width: Double

  public init(width: Double) { self.width = width }

  /// The smallest ε accepted: |u| ≤ 1/ε stays finite (u·S' = ∞·0 would be NaN), and below it the gate
  /// is ReLU to double precision except within 1e-12 of the kink in cos∠(w, h).
  public static let smallestWidth = 1e-12

  /// u = z/(ε·scale) with scale = ‖w‖‖h‖ (0 when ε·scale is 0, also by underflow; then z = 0 too, or is
  /// below the smallest normal number).
  @inline(__always)
  public func argument(_ z: Double, scale: Double) -> Double {
    let denominator = width * scale
    return denominator > 0 ? z / denominator : 0
  }

  /// S(u) = 1/(1 + e^{−u}). For u ≥ 37, e^{−u} < 2⁻⁵³ and 1 + e^{−u} rounds to 1; for u ≤ −710,
  /// e^{−u} overflows to +∞ and S is 0 (no NaN). Both are returned without the exponential (most
  /// gates of a small ε; tested to give the same bits as the formula).
  @inline(__always)
  public static func logistic(_ u: Double) -> Double {
    u >= saturation ? 1 : u <= cutoff ? 0 : 1 / (1 + Foundation.exp(-u))
  }

  /// The u from which S(u) rounds to 1.
  static let saturation = 37.0
  /// The u below which e^{−u} overflows and S(u) is 0.
  static let cutoff = -710.0

  /// σ(w, h) for z = w·h and scale ‖w‖‖h‖.
  @inline(__always)
  public func value(_ z: Double, scale: Double) -> Double {
    z * Self.logistic(argument(z, scale: scale))
  }
}
