import CGSL

/// GSL's odeiv2 stepping methods (GSL reference manual, "Stepping Functions").
///
/// Guidance for gradient flows on ReLU networks (THEORY §7.5): the right-hand side jumps at
/// activation kinks, so prefer the low-order embedded pairs ``rkf45`` and ``rkck``; ``rk8pd``
/// and ``msadams`` crawl there. The implicit methods need a Jacobian: the solver passes the
/// system's analytic one or a finite-difference one (GSL calls it unconditionally).
public enum Stepper: String, CaseIterable, Sendable, Codable {
  /// Explicit embedded Runge–Kutta (2, 3).
  case rk2
  /// Explicit 4th-order Runge–Kutta; error estimate by step doubling.
  case rk4
  /// Explicit embedded Runge–Kutta–Fehlberg (4, 5). The default for ReLU networks.
  case rkf45
  /// Explicit embedded Runge–Kutta Cash–Karp (4, 5).
  case rkck
  /// Explicit embedded Runge–Kutta Prince–Dormand (8, 9). Best for smooth problems at tight tolerance.
  case rk8pd
  /// Implicit Gaussian first-order Runge–Kutta (implicit Euler). Needs a Jacobian.
  case rk1imp
  /// Implicit Gaussian second-order Runge–Kutta (implicit midpoint). Needs a Jacobian.
  case rk2imp
  /// Implicit Gaussian 4th-order Runge–Kutta. Conserves quadratic invariants. Needs a Jacobian.
  case rk4imp
  /// Implicit Bulirsch–Stoer (Bader–Deuflhard). Needs a Jacobian.
  case bsimp
  /// Variable-coefficient linear multistep Adams (orders 1–12), functional iteration.
  case msadams
  /// Variable-coefficient linear multistep BDF (orders 1–5), for stiff problems. Needs a Jacobian.
  case msbdf
  /// Not a GSL method: rkf45 (or the solve's own explicit step engine) while the problem is not
  /// stiff, msbdf (with the system's analytic Jacobian, or a finite-difference one) while it is,
  /// switching by a stiffness test during the solve (``StiffnessSwitchingEngine``). Every switch is
  /// recorded in the solve's ``SolverStatistics/stepperSwitches``.
  case auto

  /// Whether GSL calls the Jacobian for this method (``auto``: it may, while the problem is stiff).
  public var needsJacobian: Bool {
    switch self {
    case .rk1imp, .rk2imp, .rk4imp, .bsimp, .msbdf, .auto: true
    case .rk2, .rk4, .rkf45, .rkck, .rk8pd, .msadams: false
    }
  }

  /// Whether the method is explicit (no Newton iteration).
  public var isExplicit: Bool { !needsJacobian && self != .msadams }

  /// The GSL method a solve with this stepper starts with (rkf45 for ``auto``).
  public var initialMethod: Stepper { self == .auto ? .rkf45 : self }

  /// The largest system ``auto`` switches to its implicit method for: msbdf keeps n × n Jacobian and
  /// iteration matrices and factors the latter (O(n³)); larger systems stay explicit, and the solve's
  /// statistics say when they were found stiff.
  public static let autoMaximumImplicitDimension = 1500

  var gslType: UnsafePointer<gsl_odeiv2_step_type> {
    switch self {
    case .rk2: gf_step_rk2()
    case .rk4: gf_step_rk4()
    case .rkf45: gf_step_rkf45()
    case .rkck: gf_step_rkck()
    case .rk8pd: gf_step_rk8pd()
    case .rk1imp: gf_step_rk1imp()
    case .rk2imp: gf_step_rk2imp()
    case .rk4imp: gf_step_rk4imp()
    case .bsimp: gf_step_bsimp()
    case .msadams: gf_step_msadams()
    case .msbdf: gf_step_msbdf()
    case .auto: gf_step_rkf45()  // the method ``auto`` starts with
    }
  }
}
