/// The hidden-layer nonlinearity σ. Every choice is positively 1-homogeneous, σ(cz) = c σ(z) for
/// c > 0, which makes the network homogeneous in each layer (THEORY §1.1, H1–H5).
///
/// Derivative convention at the kink: σ'(0) = 0 for ReLU and σ'(0) = α for leaky ReLU. Euler's
/// identity ⟨W_k, ∇_k q_n⟩ = q_n holds exactly for backprop with *any* value of σ'(0), because it
/// only uses σ'(z)·z = σ(z) (THEORY H3); the convention matters only on the kink itself (THEORY §7.1).
public enum Activation: String, CaseIterable, Sendable, Codable {
  /// σ(z) = max(z, 0).
  case relu
  /// σ(z) = z: deep linear networks.
  case identity
  /// σ(z) = max(z, αz) with slope α ∈ (0, 1) for z < 0 (`leakySlope`, default 0.01).
  case leakyRelu = "leaky-relu"
  /// σ(w, h) = (w·h)·S((w·h)/(ε‖w‖‖h‖)), S logistic: a smooth, exactly 1-homogeneous gate (THEORY
  /// §7.1(e), ``SmoothGate``). A different model from ReLU, with width ε (`gateWidth`).
  case smoothRelu = "smooth-relu"

  /// σ(z) for slope α (used by leaky ReLU only).
  @inline(__always)
  func value(_ z: Double, slope: Double) -> Double {
    switch self {
    case .relu: z > 0 ? z : 0
    case .identity: z
    case .leakyRelu: z > 0 ? z : slope * z
    case .smoothRelu: preconditionFailure("the smooth gate is not elementwise: use SmoothGate")
    }
  }

  /// σ'(z), with the kink convention above.
  @inline(__always)
  func derivative(_ z: Double, slope: Double) -> Double {
    switch self {
    case .relu: z > 0 ? 1 : 0
    case .identity: 1
    case .leakyRelu: z > 0 ? 1 : slope
    case .smoothRelu: preconditionFailure("the smooth gate is not elementwise: use SmoothGate")
    }
  }

  /// Whether σ has a kink at 0 (its activation pattern can change).
  public var hasKink: Bool { self == .relu || self == .leakyRelu }
}
