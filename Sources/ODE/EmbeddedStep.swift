import CGSL

/// One step of a GSL stepper on a field given as a closure, with no error control: GSL's `step_apply`,
/// y ← y + Φ_h(t, y), together with the local error estimate and the derivative at both ends (which an
/// embedded pair with the first-same-as-last property reuses).
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
    system.pointee = (gsl_odeiv2_system(function: embeddedStepField, jacobian: nil, dimension: dimension, params: nil))
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
}

/// GSL's callback: forwards to the step's field.
private func embeddedStepField(
  t: Double, y: UnsafePointer<Double>?, dydt: UnsafeMutablePointer<Double>?, params: UnsafeMutableRawPointer?
) -> Int32 {
  guard let params, let y, let dydt else { return Int32(GSL_EFAULT) }
  let step = Unmanaged<EmbeddedStep>.fromOpaque(params).takeUnretainedValue()
  return step.evaluate(y, dydt) ? Int32(GSL_SUCCESS) : Int32(GSL_FAILURE)
}
