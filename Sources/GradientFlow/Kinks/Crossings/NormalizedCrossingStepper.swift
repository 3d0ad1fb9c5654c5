import Foundation
import ODE

/// The crossing-corrected steps of a normalized flow (`--dynamics lagrange|weightnorm --sliding corrected`):
/// the state (g_1 … g_K, v_1 … v_K) is mapped to the weights W_k = g_k v_k/‖v_k‖, where the flow is
/// M(W)·G(W) (``NormalizedWeightField``), a ``CrossingCorrectedStepper`` takes the step in W, and the
/// result is mapped back: g_k = ±‖W_k‖ (the sign g_k had) and v_k = c_k W_k/g_k. Both maps are exact, so
/// the two coordinates describe one trajectory; in W the norms ‖v_k‖ = c_k hold by construction
/// (`v_norm_drift_k` is round-off).
///
/// The map back costs O(P) per step and no evaluation: the weights are kept between steps and mapped again
/// only when the solver hands back a state this engine did not write.
public final class NormalizedCrossingStepper: RescaledTimeEngine {
  public let inner: CrossingCorrectedStepper
  public let field: NormalizedWeightField
  public let dimension: Int
  private let depth: Int
  private let blocks: LayerBlocks
  /// Owns the buffers below.
  private let arena = ScratchArena()
  /// The weights the inner stepper steps, and the state last written into the solver's y.
  private let theta: UnsafeMutablePointer<Double>
  private let written: UnsafeMutablePointer<Double>
  private var hasWritten = false
  private var ownFailure: String?

  public init(inner: CrossingCorrectedStepper, architecture: Architecture, field: NormalizedWeightField) {
    self.inner = inner
    self.field = field
    depth = architecture.depth
    blocks = LayerBlocks(architecture)
    dimension = architecture.depth + architecture.parameterCount
    theta = arena.buffer(Double.self, count: architecture.parameterCount)
    written = arena.buffer(Double.self, count: dimension)
  }

  /// The inner stepper's unit of time (``RescaledTimeEngine``); the map between the coordinates has no t.
  public var logTimeUnit: Double {
    get { inner.logTimeUnit }
    set { inner.logTimeUnit = newValue }
  }

  public var rejectedSteps: Int { inner.rejectedSteps }
  public var ownEvaluations: Int { inner.ownEvaluations }
  public var failureMessage: String? { ownFailure ?? inner.failureMessage }

  public func step(t: inout Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> StepResult {
    ownFailure = nil
    if !hasWritten || memcmp(written, y, dimension * 8) != 0 {
      blocks.weights(fromNormParametrization: y, into: theta)
    }
    let result = inner.step(t: &t, target: target, h: &h, y: theta)
    guard result == .accepted else {
      hasWritten = false
      return result
    }
    for k in 0..<depth {
      let norm = blocks.norm(k, theta)
      guard norm > 0, norm.isFinite else {
        hasWritten = false
        ownFailure = "layer \(k + 1)'s weights reached norm \(norm) at t=\(t): its direction is undefined"
        return .systemFailed
      }
      // g_k keeps its sign; v_k = c_k W_k/g_k.
      let g = y[k] < 0 ? -norm : norm
      y[k] = g
      let (offset, size) = (blocks.offsets[k], blocks.sizes[k])
      let ratio = field.scales[k] / g
      for i in offset..<(offset + size) { y[depth + i] = ratio * theta[i] }
    }
    written.update(from: y, count: dimension)
    hasWritten = true
    return .accepted
  }
}
