import CGSL
import Foundation

/// GSL step-size control with the root-mean-square error norm (``ErrorNorm/rms``), as a
/// `gsl_odeiv2_control_type` that replaces the standard/scaled control of a driver.
///
/// With D_i = absolute · s_i + relative · (yWeight · |y_i| + dydtWeight · h · |y'_i|) (s_i = 1 or the
/// per-component absolute scale) the error ratio of a step with error estimate e is
///
///   r = sqrt( (1/n) Σ_i (e_i / D_i)² )            (GSL's standard control: r = max_i |e_i| / D_i),
///
/// and the step adjustment is GSL's (`ode-initval2/cstd.c`) with r in place of the max: with
/// q the stepper's order and S = 0.9,
/// - r > 1.1: reject and retry with h · max(0.2, S · r^(−1/p))                 (`GSL_ODEIV_HADJ_DEC`),
/// - r < 0.5: accept and grow the next step to h · clamp(S · r^(−1/(q+1)), 1, 5) (`GSL_ODEIV_HADJ_INC`),
/// - otherwise accept with h unchanged                                          (`GSL_ODEIV_HADJ_NIL`).
/// (GSL's scaled control caps the growth at 4.9×; this one uses 5× with or without a scale.)
///
/// **Observed order on retries.** GSL shrinks with p = q, which assumes the error scales like h^q. A
/// step across a ReLU kink (a jump in the right-hand side) has an error first order in h, so each
/// retry cuts r by only 0.2^{1/1}… the bound, and a kink costs several rejections in a row. On the
/// second and later rejections of one step, p is the order the attempts showed,
/// p = log(r_prev/r)/log(h_prev/h) clamped to [1, q]; the first rejection, and every step of a smooth
/// problem (where p ≈ q), is GSL's rule. A step across a kink then needs fewer retries than with p = q
/// (the counts: benchmarks/RESULTS.md, "Figures behind design choices").
///
/// Since r_rms ≤ r_max ≤ √n · r_rms, every step the max control accepts is accepted here; a step
/// whose error sits in a few components out of many (a handful of ReLU pre-activations crossing
/// zero among thousands of weights) can be accepted with an error up to √n times the per-component
/// level. This is the norm of scipy's `solve_ivp` and diffrax, i.e. of the benchmark protocol.
/// The per-component level (`errlevel`, used by the multistep methods) is the same D_i.
enum RMSControl {
  /// The control's state, allocated by `alloc` and filled by `init` (tolerances) and
  /// ``setScale(_:of:)`` (the per-component absolute scale, if any).
  struct State {
    var absolute = 0.0
    var relative = 0.0
    var yWeight = 0.0
    var dydtWeight = 0.0
    /// Per-component s_i (owned, `dimension` entries), or nil for s_i = 1.
    var scale: UnsafeMutablePointer<Double>?
    var dimension = 0
    /// The last rejected attempt (h, r) of the current step, for the observed order of a retry.
    var rejectedStep = 0.0
    var rejectedRatio = 0.0
  }

  /// The control type (a process-wide constant that GSL's control objects point to).
  nonisolated(unsafe) static let type: UnsafeMutablePointer<gsl_odeiv2_control_type> = {
    let name = UnsafeRawPointer(StaticString("rms").utf8Start).assumingMemoryBound(to: CChar.self)
    let type = UnsafeMutablePointer<gsl_odeiv2_control_type>.allocate(capacity: 1)
    type.initialize(
      to: gsl_odeiv2_control_type(
        name: name, alloc: rmsAlloc, init: rmsInit, hadjust: rmsHadjust, errlevel: rmsErrlevel,
        set_driver: rmsSetDriver, free: rmsFree))
    return type
  }()

  /// Replaces `driver`'s control with an RMS control for `tolerances` (freeing the old one).
  /// Returns false when allocation failed; the driver then keeps its control.
  static func install(on driver: UnsafeMutablePointer<gsl_odeiv2_driver>, tolerances: Tolerances)
    -> Bool
  {
    guard let control = gsl_odeiv2_control_alloc(type) else { return false }
    guard
      gsl_odeiv2_control_init(
        control, tolerances.absolute, tolerances.relative, tolerances.yWeight,
        tolerances.dydtWeight) == Int32(GSL_SUCCESS)
    else {
      gsl_odeiv2_control_free(control)
      return false
    }
    if let scale = tolerances.absoluteScale { setScale(scale, of: control) }
    gsl_odeiv2_control_set_driver(control, driver)
    gsl_odeiv2_control_free(driver.pointee.c)
    driver.pointee.c = control
    return true
  }

  /// Copies the per-component absolute scale s_i into the control's state.
  static func setScale(_ scale: [Double], of control: UnsafeMutablePointer<gsl_odeiv2_control>) {
    let state = control.pointee.state.assumingMemoryBound(to: State.self)
    state.pointee.scale?.deallocate()
    let copy = UnsafeMutablePointer<Double>.allocate(capacity: scale.count)
    copy.initialize(from: scale, count: scale.count)
    state.pointee.scale = copy
    state.pointee.dimension = scale.count
  }

  /// The RMS error ratio r = sqrt(mean_i (e_i / D_i)²) of a step of size h.
  static func ratio(
    _ state: State, dimension: Int, h: Double, y: UnsafePointer<Double>,
    yerr: UnsafePointer<Double>, yp: UnsafePointer<Double>
  ) -> Double {
    Tolerances.errorRatio(
      .rms, absolute: state.absolute, relative: state.relative, yWeight: state.yWeight,
      dydtWeight: state.dydtWeight, scale: state.scale.map { UnsafePointer($0) }, yerr, state: y, rate: yp, step: h,
      dimension: dimension)
  }
}

private func rmsAlloc() -> UnsafeMutableRawPointer? {
  let state = UnsafeMutablePointer<RMSControl.State>.allocate(capacity: 1)
  state.initialize(to: RMSControl.State())
  return UnsafeMutableRawPointer(state)
}

private func rmsInit(
  _ raw: UnsafeMutableRawPointer?, _ absolute: Double, _ relative: Double, _ yWeight: Double,
  _ dydtWeight: Double
) -> Int32 {
  guard let state = raw?.assumingMemoryBound(to: RMSControl.State.self) else { return Int32(GSL_EFAULT) }
  guard absolute >= 0, relative >= 0, yWeight >= 0, dydtWeight >= 0 else { return Int32(GSL_EINVAL) }
  state.pointee.absolute = absolute
  state.pointee.relative = relative
  state.pointee.yWeight = yWeight
  state.pointee.dydtWeight = dydtWeight
  return Int32(GSL_SUCCESS)
}

private func rmsHadjust(
  _ raw: UnsafeMutableRawPointer?, _ dimension: Int, _ order: UInt32, _ y: UnsafePointer<Double>?,
  _ yerr: UnsafePointer<Double>?, _ yp: UnsafePointer<Double>?, _ h: UnsafeMutablePointer<Double>?
) -> Int32 {
  guard let state = raw?.assumingMemoryBound(to: RMSControl.State.self), let y, let yerr, let yp,
    let h
  else { return Int32(GSL_ODEIV_HADJ_NIL) }
  let safety = 0.9
  let hOld = h.pointee
  // GSL starts its max at DBL_MIN, so that a zero error estimate gives the largest growth.
  let r = max(
    RMSControl.ratio(state.pointee, dimension: dimension, h: hOld, y: y, yerr: yerr, yp: yp),
    Double.leastNormalMagnitude)
  let q = Double(order)
  if r > 1.1 {
    // A retry of a rejected step: shrink with the order the two attempts showed (1 across a kink).
    var p = q
    let (h1, r1) = (state.pointee.rejectedStep, state.pointee.rejectedRatio)
    if h1 > hOld * (1 + 1e-6), r1 > r { p = min(q, max(1, log(r1 / r) / log(h1 / hOld))) }
    state.pointee.rejectedStep = hOld
    state.pointee.rejectedRatio = r
    h.pointee = hOld * max(0.2, safety / pow(r, 1 / p))
    return Int32(GSL_ODEIV_HADJ_DEC)
  }
  state.pointee.rejectedStep = 0
  state.pointee.rejectedRatio = 0
  if r < 0.5 {
    h.pointee = hOld * min(5, max(1, safety / pow(r, 1 / (q + 1))))
    return Int32(GSL_ODEIV_HADJ_INC)
  }
  return Int32(GSL_ODEIV_HADJ_NIL)
}

private func rmsErrlevel(
  _ raw: UnsafeMutableRawPointer?, _ y: Double, _ dydt: Double, _ h: Double, _ index: Int,
  _ level: UnsafeMutablePointer<Double>?
) -> Int32 {
  guard let state = raw?.assumingMemoryBound(to: RMSControl.State.self), let level else {
    return Int32(GSL_EFAULT)
  }
  let s = state.pointee.scale.map { index < state.pointee.dimension ? $0[index] : 1 } ?? 1
  level.pointee =
    state.pointee.relative
    * (state.pointee.yWeight * abs(y) + state.pointee.dydtWeight * abs(h * dydt))
    + state.pointee.absolute * s
  return level.pointee > 0 ? Int32(GSL_SUCCESS) : Int32(GSL_ESANITY)
}

private func rmsSetDriver(_ raw: UnsafeMutableRawPointer?, _ driver: UnsafePointer<gsl_odeiv2_driver>?)
  -> Int32
{ Int32(GSL_SUCCESS) }

private func rmsFree(_ raw: UnsafeMutableRawPointer?) {
  guard let state = raw?.assumingMemoryBound(to: RMSControl.State.self) else { return }
  state.pointee.scale?.deallocate()
  state.deinitialize(count: 1)
  state.deallocate()
}
