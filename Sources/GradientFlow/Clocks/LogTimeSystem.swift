import CGSL
import Foundation
import ODE

/// A ``FlowDynamics`` in the logarithmic clock s = log t (THEORY §7.3):
///
///   d(state)/ds = t · d(state)/dt = exp(s + logScale) · direction.
///
/// For the exponential loss the exponent is log(tL) + log p_n, which stays O(log log t) along the true
/// path, so nothing under- or overflows at log t in the thousands. A trial stage that overshoots makes
/// the factor overflow; the solver then sees a non-finite derivative and retries with a smaller step.
/// The right-hand side depends on s explicitly (∂f/∂s = f), which the finite-difference Jacobian of
/// the implicit steppers picks up.
public final class LogTimeSystem: ODESystem {
  public let dynamics: any FlowDynamics
  public var dimension: Int { dynamics.dimension }

  public init(dynamics: any FlowDynamics) {
    self.dynamics = dynamics
  }

  public func evaluate(t s: Double, y: UnsafePointer<Double>, dydt: UnsafeMutablePointer<Double>) {
    let velocity = dynamics.velocity(state: y, direction: dydt)
    cblas_dscal(Int32(dimension), exp(s + velocity.logScale), dydt, 1)
  }
}
