import CGSL

/// Owns one `gsl_odeiv2_driver` (which wires GSL's step, control and evolve objects together,
/// as the multistep methods require) and frees it on deinit. The control is GSL's standard or
/// scaled one (max norm) or, for ``ErrorNorm/rms``, an ``RMSControl`` installed in its place.
final class GSLDriver {
  let pointer: UnsafeMutablePointer<gsl_odeiv2_driver>

  init(bridge: SystemBridge, stepper: Stepper, tolerances: Tolerances, initialStep: Double)
    throws(ODEError)
  {
    let driver: UnsafeMutablePointer<gsl_odeiv2_driver>?
    if let scale = tolerances.absoluteScale {
      driver = scale.withUnsafeBufferPointer { scale in
        gsl_odeiv2_driver_alloc_scaled_new(
          bridge.gslSystem, stepper.gslType, initialStep, tolerances.absolute, tolerances.relative,
          tolerances.yWeight, tolerances.dydtWeight, scale.baseAddress)
      }
    } else {
      driver = gsl_odeiv2_driver_alloc_standard_new(
        bridge.gslSystem, stepper.gslType, initialStep, tolerances.absolute, tolerances.relative,
        tolerances.yWeight, tolerances.dydtWeight)
    }
    guard let driver else {
      throw .gsl(
        status: Int32(GSL_ENOMEM),
        message: "could not allocate the \(stepper.rawValue) driver for dimension \(bridge.dimension)")
    }
    if tolerances.errorNorm == .rms, !RMSControl.install(on: driver, tolerances: tolerances) {
      gsl_odeiv2_driver_free(driver)
      throw .gsl(status: Int32(GSL_ENOMEM), message: "could not allocate the RMS error control")
    }
    pointer = driver
  }

  deinit { gsl_odeiv2_driver_free(pointer) }

  /// One accepted step from t toward at most `target` (GSL's `evolve_apply`), updating t, h and y.
  func evolve(t: inout Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>)
    -> Int32
  {
    let d = pointer.pointee
    return gsl_odeiv2_evolve_apply(d.e, d.c, d.s, d.sys, &t, target, &h, y)
  }

  /// Steps rejected so far by the error control.
  var rejectedSteps: Int { Int(pointer.pointee.e.pointee.failed_steps) }

  /// Adaptive integration from t to `target` (GSL's `driver_apply`), used to re-step during event location.
  /// The first trial step is `firstStep`, by default the whole interval.
  func integrate(
    t: inout Double, to target: Double, y: UnsafeMutablePointer<Double>, maxSteps: Int, firstStep: Double? = nil
  ) -> Int32 {
    gsl_odeiv2_driver_reset_hstart(pointer, firstStep ?? (target - t))
    gsl_odeiv2_driver_set_nmax(pointer, UInt(maxSteps))
    return gsl_odeiv2_driver_apply(pointer, &t, target, y)
  }
}

extension GSLDriver {
  /// Forgets the method's history (a multistep method's order, step sizes and past values) and GSL's
  /// step counters, for a restart at a state the driver did not produce.
  func reset() { gsl_odeiv2_driver_reset(pointer) }
}
