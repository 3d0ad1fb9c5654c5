import CGSL

/// Connects an ``ODESystem`` to GSL: owns the heap-allocated `gsl_odeiv2_system` (GSL's driver keeps
/// its address for its whole life), passes itself to the C callbacks through `params` (no global
/// state, so independent solves can run in parallel), counts evaluations, and turns Swift errors and
/// non-finite values into GSL status codes.
///
/// Status mapping: a thrown error → `GSL_EBADFUNC` (GSL aborts the step and returns at once); a
/// non-finite derivative, or an ``ODEDomainError`` → `GSL_FAILURE` (GSL retries the step with half the
/// step size, which is the right response to a trial stage that overshot; if no step size works, the solve
/// ends with ``Termination/nonFinite(t:)``, or with the domain error's message).
final class SystemBridge {
  let system: any ODESystem
  let dimension: Int
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  let gslSystem: UnsafeMutablePointer<gsl_odeiv2_system>
  private let finiteDifference: FiniteDifferenceJacobian?

  var rhsEvaluations = 0
  var jacobianEvaluations = 0
  /// Right-hand-side evaluations made for finite-difference Jacobians.
  var jacobianRHSEvaluations = 0
  /// Wall time spent in Jacobian evaluations.
  var jacobianSeconds = 0.0
  /// The message of the first error thrown by the system since the last ``clearFailures()``.
  var failure: String?
  /// The time of the last non-finite derivative since the last ``clearFailures()``.
  var nonFiniteAt: Double?

  /// `differenceStep`: the finite-difference Jacobian's relative step (``SolverOptions/differenceStep``).
  init(system: any ODESystem, differenceStep: Double? = nil) {
    self.system = system
    dimension = system.dimension
    finiteDifference =
      system.hasAnalyticJacobian
      ? nil : FiniteDifferenceJacobian(dimension: system.dimension, relativeStep: differenceStep)
    gslSystem = arena.buffer(count: 1)
    gslSystem.pointee =
      (gsl_odeiv2_system(
        function: bridgeFunction, jacobian: bridgeJacobian, dimension: system.dimension,
        params: nil))
    gslSystem.pointee.params = Unmanaged.passUnretained(self).toOpaque()
  }

  func clearFailures() {
    failure = nil
    nonFiniteAt = nil
  }

  /// The counted right-hand side, as GSL sees it.
  func function(t: Double, y: UnsafePointer<Double>, dydt: UnsafeMutablePointer<Double>) -> Int32 {
    rhsEvaluations += 1
    do {
      try system.evaluate(t: t, y: y, dydt: dydt)
    } catch {
      if failure == nil { failure = String(describing: error) }
      return error is any ODEDomainError ? Int32(GSL_FAILURE) : Int32(GSL_EBADFUNC)
    }
    for i in 0..<dimension where !dydt[i].isFinite {
      nonFiniteAt = t
      return Int32(GSL_FAILURE)
    }
    return Int32(GSL_SUCCESS)
  }

  func jacobian(
    t: Double, y: UnsafePointer<Double>, dfdy: UnsafeMutablePointer<Double>,
    dfdt: UnsafeMutablePointer<Double>
  ) -> Int32 {
    jacobianEvaluations += 1
    let clock = ContinuousClock.now
    defer {
      let d = ContinuousClock.now - clock
      jacobianSeconds += Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
    do {
      if let finiteDifference {
        try finiteDifference.evaluate(t: t, y: y, dfdy: dfdy, dfdt: dfdt) { t, y, f in
          rhsEvaluations += 1
          jacobianRHSEvaluations += 1
          try system.evaluate(t: t, y: y, dydt: f)
        }
      } else {
        try system.jacobian(t: t, y: y, dfdy: dfdy, dfdt: dfdt)
      }
    } catch {
      if failure == nil { failure = String(describing: error) }
      return error is any ODEDomainError ? Int32(GSL_FAILURE) : Int32(GSL_EBADFUNC)
    }
    for i in 0..<(dimension * dimension) where !dfdy[i].isFinite {
      nonFiniteAt = t
      return Int32(GSL_FAILURE)
    }
    return Int32(GSL_SUCCESS)
  }
}

private func bridgeFunction(
  t: Double, y: UnsafePointer<Double>?, dydt: UnsafeMutablePointer<Double>?,
  params: UnsafeMutableRawPointer?
) -> Int32 {
  guard let params, let y, let dydt else { return Int32(GSL_EFAULT) }
  let bridge = Unmanaged<SystemBridge>.fromOpaque(params).takeUnretainedValue()
  return bridge.function(t: t, y: y, dydt: dydt)
}

private func bridgeJacobian(
  t: Double, y: UnsafePointer<Double>?, dfdy: UnsafeMutablePointer<Double>?,
  dfdt: UnsafeMutablePointer<Double>?, params: UnsafeMutableRawPointer?
) -> Int32 {
  guard let params, let y, let dfdy, let dfdt else { return Int32(GSL_EFAULT) }
  let bridge = Unmanaged<SystemBridge>.fromOpaque(params).takeUnretainedValue()
  return bridge.jacobian(t: t, y: y, dfdy: dfdy, dfdt: dfdt)
}
