import CGSL
import ODE

/// The ODE that integrates a ``FlowDynamics`` in the t clock: d(state)/dt = exp(logScale) · direction.
///
/// In plain t-time the factor exp(logScale) (for the exponential loss, L(t)) underflows to 0 once
/// ρ·γ ≳ 745 and the run would falsely look converged (THEORY §7.2).
public final class FlowSystem: ODESystem {
  public let dynamics: any FlowDynamics
  /// The dynamics' dimension, stored: the right-hand side reads it on every call.
  public let dimension: Int

  public init(dynamics: any FlowDynamics) {
    self.dynamics = dynamics
    dimension = dynamics.dimension
  }

  public func evaluate(t: Double, y: UnsafePointer<Double>, dydt: UnsafeMutablePointer<Double>) {
    let scale = exp(dynamics.velocity(state: y, direction: dydt).logScale)
    if scale != 1 { cblas_dscal(Int32(dimension), scale, dydt, 1) }
  }
}
