/// A system of ordinary differential equations dy/dt = f(t, y) of fixed dimension.
///
/// The right-hand side works on raw buffers so that an implementation can run without allocating:
/// GSL calls it several times per step (six times for rkf45), so it is the hot path of every run.
///
/// Conformers are classes because they usually own preallocated scratch buffers that
/// `evaluate` mutates. One instance serves one solve at a time; independent solves need
/// independent instances (then they may run in parallel).
public protocol ODESystem: AnyObject {
  /// The number of state components.
  var dimension: Int { get }

  /// Writes f(t, y) into `dydt`. Both buffers have `dimension` elements and do not alias.
  ///
  /// Throwing stops the run with ``Termination/rhsFailed(t:message:)``. A non-finite component of
  /// `dydt` is detected by the solver (``Termination/nonFinite(t:)``); there is no need to check here.
  func evaluate(t: Double, y: UnsafePointer<Double>, dydt: UnsafeMutablePointer<Double>) throws

  /// Whether ``jacobian(t:y:dfdy:dfdt:)`` is implemented. When it is not, steppers that need a
  /// Jacobian get a central finite-difference one (see ``FiniteDifferenceJacobian``).
  var hasAnalyticJacobian: Bool { get }

  /// Writes the Jacobian ∂f/∂y (row-major, `dfdy[i * dimension + j] = ∂f_i/∂y_j`) and ∂f/∂t.
  func jacobian(
    t: Double, y: UnsafePointer<Double>, dfdy: UnsafeMutablePointer<Double>,
    dfdt: UnsafeMutablePointer<Double>) throws
}

extension ODESystem {
  public var hasAnalyticJacobian: Bool { false }

  public func jacobian(
    t: Double, y: UnsafePointer<Double>, dfdy: UnsafeMutablePointer<Double>,
    dfdt: UnsafeMutablePointer<Double>
  ) throws {
    throw ODEError.invalidOptions("this system has no analytic Jacobian")
  }
}

/// An ``ODESystem`` given by a closure: convenient for small problems and tests.
public final class ClosureSystem: ODESystem {
  public typealias RightHandSide = (
    _ t: Double, _ y: UnsafePointer<Double>, _ dydt: UnsafeMutablePointer<Double>
  ) -> Void
  public typealias Jacobian = (
    _ t: Double, _ y: UnsafePointer<Double>, _ dfdy: UnsafeMutablePointer<Double>,
    _ dfdt: UnsafeMutablePointer<Double>
  ) -> Void

  public let dimension: Int
  private let rightHandSide: RightHandSide
  private let analyticJacobian: Jacobian?

  public init(dimension: Int, jacobian: Jacobian? = nil, rightHandSide: @escaping RightHandSide) {
    self.dimension = dimension
    self.rightHandSide = rightHandSide
    self.analyticJacobian = jacobian
  }

  public func evaluate(t: Double, y: UnsafePointer<Double>, dydt: UnsafeMutablePointer<Double>) {
    rightHandSide(t, y, dydt)
  }

  public var hasAnalyticJacobian: Bool { analyticJacobian != nil }

  public func jacobian(
    t: Double, y: UnsafePointer<Double>, dfdy: UnsafeMutablePointer<Double>,
    dfdt: UnsafeMutablePointer<Double>
  ) throws {
    guard let analyticJacobian else {
      throw ODEError.invalidOptions("this system has no analytic Jacobian")
    }
    analyticJacobian(t, y, dfdy, dfdt)
  }
}
