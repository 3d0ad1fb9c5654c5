import CGSL
import Foundation
import ODE

/// A ``FlowDynamics`` in the ρ clock, ρ = ∏_k ρ_k (THEORY §7.3). In every dynamics ρ̇_k = ν/ρ_k, so
/// dρ/dt = ρ ν Σ_k ρ_k⁻² and, with ν = exp(logScale) · ν̃,
///
///   d(state)/dρ = direction / (ρ ν̃ Σ_k ρ_k⁻²),   ds/dρ = exp(−s − logScale) / (ρ ν̃ Σ_k ρ_k⁻²),
///
/// where s = log t is carried as the last state component. The force scale cancels, so the system
/// is t-free and non-stiff (rates O(1/(Kγ)) per unit ρ); the direction error decays like C/ρ.
/// It needs ν̃ > 0, which holds once L < 1 (exponential loss); otherwise the right-hand side throws.
public final class RhoClockSystem: ODESystem {
  public let dynamics: any FlowDynamics
  public var dimension: Int { dynamics.dimension + 1 }
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  private let theta: UnsafeMutablePointer<Double>
  private let blocks: LayerBlocks

  public init(dynamics: any FlowDynamics) {
    self.dynamics = dynamics
    theta = arena.buffer(count: dynamics.architecture.parameterCount)
    blocks = LayerBlocks(dynamics.architecture)
  }

  public func evaluate(t rho: Double, y: UnsafePointer<Double>, dydt: UnsafeMutablePointer<Double>) throws {
    let n = dynamics.dimension
    let velocity = dynamics.velocity(state: y, direction: dydt)
    dynamics.weights(from: y, into: theta)
    var product = 1.0
    var inverseSquares = 0.0
    for k in 0..<blocks.count {
      let norm = blocks.norm(k, theta)
      product *= norm
      inverseSquares += 1 / (norm * norm)
    }
    let rate = product * velocity.weightedMargin * inverseSquares  // (dρ/dt) / exp(logScale)
    guard rate > 0 else {
      throw RhoClockError(rho: rho)
    }
    cblas_dscal(Int32(n), 1 / rate, dydt, 1)
    dydt[n] = exp(-y[n] - velocity.logScale) / rate
  }
}

/// The ρ clock was used where ρ does not grow (ν ≤ 0: the loss is not below 1). A domain error: a trial
/// stage that overshot there is retried with a smaller step (``ODEDomainError``).
public struct RhoClockError: ODEDomainError, CustomStringConvertible {
  public let rho: Double
  public var description: String {
    "the ρ clock needs dρ/dt > 0, which fails at ρ=\(rho) (the loss is not below 1); use --clock auto or log-t"
  }
}
