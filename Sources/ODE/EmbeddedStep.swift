import CGSL
import Foundation

/// One step of a GSL stepper on a field given as a closure, with no error control: GSL's `step_apply`,
/// y ← y + Φ_h(t, y), together with the local error estimate and the derivative at both ends (which an
/// embedded pair with the first-same-as-last property reuses).
///
/// A method that needs a Jacobian (``Stepper/needsJacobian``: bsimp, the implicit Gaussian Runge–Kutta
/// methods) gets the central finite-difference one of the field (``FiniteDifferenceJacobian``, 2·dimension
/// evaluations, the field being autonomous so ∂f/∂t = 0). The last one is kept with its point: a step
/// repeated from the same start (a rejected step retried shorter, an event located by steps of several
/// sizes from one point) reuses it.
///
/// For step engines that run their own error control around a plain Runge–Kutta step, so that only the
/// ODE layer talks to `gsl_odeiv2_step`. The field is autonomous (t is passed to GSL but not to it).
public final class EmbeddedStep {
  /// Writes the derivative at y; returns false when it is not finite or cannot be evaluated.
  public typealias Field = (_ y: UnsafePointer<Double>, _ dydt: UnsafeMutablePointer<Double>) -> Bool

  public let dimension: Int
  private let field: Field
  private let step: UnsafeMutablePointer<gsl_odeiv2_step>
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  private let system: UnsafeMutablePointer<gsl_odeiv2_system>
  /// The Jacobian of a method that needs one, the point it was taken at, and how many were taken.
  private let differences: FiniteDifferenceJacobian?
  private let jacobianPoint: UnsafeMutablePointer<Double>
  private let jacobian: UnsafeMutablePointer<Double>
  private var hasJacobian = false
  /// The Jacobians taken (a reused one is not counted again), their evaluations and seconds.
  public private(set) var jacobians = EngineJacobians()
  /// The method's order as GSL states it (bsimp: that of its extrapolation).
  public var order: Int { Int(gsl_odeiv2_step_order(step)) }

  /// `field` is kept for the life of the step; capture its owner `unowned` to avoid a cycle.
  public init(stepper: Stepper, dimension: Int, field: @escaping Field) throws(ODEError) {
    guard let step = gsl_odeiv2_step_alloc(stepper.gslType, dimension) else {
      throw .gsl(
        status: Int32(GSL_ENOMEM), message: "could not allocate the \(stepper.rawValue) step for dimension \(dimension)"
      )
    }
    self.dimension = dimension
    self.field = field
    self.step = step
    system = arena.buffer(count: 1)
    let needsJacobian = stepper.needsJacobian
    differences = needsJacobian ? FiniteDifferenceJacobian(dimension: dimension) : nil
    jacobianPoint = arena.buffer(count: needsJacobian ? dimension : 0)
    jacobian = arena.buffer(count: needsJacobian ? dimension * dimension : 0)
    system.pointee = gsl_odeiv2_system(
      function: embeddedStepField, jacobian: needsJacobian ? embeddedStepJacobian : nil, dimension: dimension,
      params: nil)
    system.pointee.params = Unmanaged.passUnretained(self).toOpaque()
  }

  deinit {
    gsl_odeiv2_step_free(step)
  }

  /// One step of size h from (t, y): y becomes the step's end, `error` its local error estimate, `rateOut`
  /// the derivative there; `rateIn` (the derivative at the start) saves one evaluation when given.
  /// Returns false when the field failed (y is then unspecified).
  public func apply(
    t: Double, h: Double, y: UnsafeMutablePointer<Double>, error: UnsafeMutablePointer<Double>,
    rateIn: UnsafePointer<Double>?, rateOut: UnsafeMutablePointer<Double>?
  ) -> Bool {
    gsl_odeiv2_step_apply(step, t, h, y, error, rateIn, rateOut, system) == GSL_SUCCESS
  }

  fileprivate func evaluate(_ y: UnsafePointer<Double>, _ dydt: UnsafeMutablePointer<Double>) -> Bool {
    field(y, dydt)
  }

  /// The finite-difference Jacobian at y into `dfdy` (row-major), ∂f/∂t = 0; false when the field failed.
  fileprivate func evaluateJacobian(
    _ y: UnsafePointer<Double>, _ dfdy: UnsafeMutablePointer<Double>, _ dfdt: UnsafeMutablePointer<Double>
  ) -> Bool {
    guard let differences else { return false }
    let n = dimension
    defer { dfdt.update(repeating: 0, count: n) }  // autonomous: the differences' ∂f/∂t is round-off
    if hasJacobian && memcmp(y, jacobianPoint, n * MemoryLayout<Double>.stride) == 0 {
      dfdy.update(from: jacobian, count: n * n)
      return true
    }
    struct FieldFailed: Error {}
    let started = DispatchTime.now().uptimeNanoseconds
    defer { jacobians.seconds += Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9 }
    jacobians.rhsEvaluations += 2 * (n + 1)
    do {
      try differences.evaluate(t: 0, y: y, dfdy: jacobian, dfdt: dfdt) { _, point, rate in
        guard field(point, rate) else { throw FieldFailed() }
      }
    } catch {
      hasJacobian = false
      return false
    }
    jacobianPoint.update(from: y, count: n)
    hasJacobian = true
    jacobians.count += 1
    dfdy.update(from: jacobian, count: n * n)
    return true
  }
}

/// GSL's Jacobian callback: forwards to the step's finite differences.
private func embeddedStepJacobian(
  t: Double, y: UnsafePointer<Double>?, dfdy: UnsafeMutablePointer<Double>?, dfdt: UnsafeMutablePointer<Double>?,
  params: UnsafeMutableRawPointer?
) -> Int32 {
  guard let params, let y, let dfdy, let dfdt else { return Int32(GSL_EFAULT) }
  let step = Unmanaged<EmbeddedStep>.fromOpaque(params).takeUnretainedValue()
  return step.evaluateJacobian(y, dfdy, dfdt) ? Int32(GSL_SUCCESS) : Int32(GSL_FAILURE)
}

/// GSL's callback: forwards to the step's field.
private func embeddedStepField(
  t: Double, y: UnsafePointer<Double>?, dydt: UnsafeMutablePointer<Double>?, params: UnsafeMutableRawPointer?
) -> Int32 {
  guard let params, let y, let dydt else { return Int32(GSL_EFAULT) }
  let step = Unmanaged<EmbeddedStep>.fromOpaque(params).takeUnretainedValue()
  return step.evaluate(y, dydt) ? Int32(GSL_SUCCESS) : Int32(GSL_FAILURE)
}
