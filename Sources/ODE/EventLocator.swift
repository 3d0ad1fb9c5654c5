/// Locates the time where a ``StopCondition`` crosses zero inside one accepted step.
///
/// Bisection on [t_prev, t] with g(t_prev) < 0 ≤ g(t): each midpoint state is obtained by
/// re-integrating from the step's start (t_prev, y_prev) with a second driver of the same stepper
/// and tolerances, so the located state is an integrated value with the run's accuracy and the
/// main stepper's history (multistep methods) is untouched. Stops when the bracket is shorter than
/// tolerance · max(1, |t|). Re-stepping from t_prev each time keeps errors from accumulating over
/// the bisection.
final class EventLocator {
  private let driver: GSLDriver
  private let dimension: Int
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  private let work: UnsafeMutablePointer<Double>

  init(bridge: SystemBridge, options: SolverOptions, initialStep: Double) throws(ODEError) {
    driver = try GSLDriver(
      bridge: bridge, stepper: options.stepper, tolerances: options.tolerances,
      initialStep: initialStep)
    dimension = bridge.dimension
    work = arena.buffer(count: bridge.dimension)
  }

  /// Narrows the crossing of `condition` between (tPrev, yPrev) and (t, y) and overwrites
  /// (t, y) with the state at the right end of the final bracket.
  func locate(
    _ condition: StopCondition, tolerance: Double, tPrev: Double,
    yPrev: UnsafePointer<Double>, t: inout Double, y: UnsafeMutablePointer<Double>
  ) {
    var lo = tPrev
    var hi = t
    while hi - lo > tolerance * max(1, abs(hi)) {
      let mid = lo + (hi - lo) / 2
      guard mid > lo, mid < hi else { break }
      work.update(from: yPrev, count: dimension)
      var tm = tPrev
      let status = driver.integrate(t: &tm, to: mid, y: work, maxSteps: 100_000)
      guard status == 0, tm == mid else { break }  // keep the bracket found so far
      if condition.function(mid, UnsafeBufferPointer(start: work, count: dimension)) >= 0 {
        hi = mid
        y.update(from: work, count: dimension)
      } else {
        lo = mid
      }
    }
    t = hi
  }
}
