import Foundation

/// Central finite-difference Jacobian for steppers that need one when the system has none.
///
/// Column j is (f(y + h_j e_j) − f(y − h_j e_j)) / (2 h_j) with
///
///   h_j = ε^{1/3} · max(|y_j|, 1)^{1/3},
///
/// ε the double-precision epsilon. The step balances the truncation error h²|f'''|/6 against the
/// rounding error of f, about ε·max(|y_j|, 1)·|∂f/∂y_j| / h (the argument y_j itself is only known to
/// ε|y_j|), for a right-hand side that varies on a scale of order one in y_j: the optimum of
/// h²/6 + ε·max(|y_j|, 1)/h is this h up to a constant. It gives about 10 correct digits at
/// order-one y and stays accurate where y is large but f varies on an absolute scale, as in a
/// gradient flow in the log-t clock, whose weights grow like log t/γ while the loss terms exp(−q_n)
/// change by a factor e when a margin moves by one. (A step relative to |y_j|, ε^{1/3}·|y_j|, is 1.2
/// at |y_j| = 2·10⁵; the central difference of exp(−x·y_j) then overestimates its derivative by
/// sinh(1.2|x|)/(1.2|x|), 1.26 for |x| = 1, and an implicit method's Newton iteration built on such a
/// Jacobian converges only for steps with h·ρ(J) of order one.) ∂f/∂t is differenced the same way.
/// Costs 2·(dimension + 1) right-hand-side evaluations; buffers are allocated once.
///
/// **A smaller relative step** (``init(dimension:relativeStep:)``, ``SolverOptions/differenceStep``) is for
/// right-hand sides that are smooth only on a thin band: a ReLU net's Filippov flow holds a sliding pair
/// inside |z| ≤ η‖w‖‖x‖ (η = 100·rtol), and a difference step that leaves the band on one side measures the
/// jump of the field across the kink, not its slope, so the Jacobian's entries are off by the ratio of the
/// jump to the step and an implicit method's Newton iteration stops converging (docs/kinks.md, "Long log-t
/// runs"). Its rounding error ε·max(|y_j|, 1)/h grows as the step shrinks, which the Newton iteration
/// tolerates: it needs a Jacobian to a few digits.
final class FiniteDifferenceJacobian {
  private let dimension: Int
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  private let yWork: UnsafeMutablePointer<Double>
  private let fPlus: UnsafeMutablePointer<Double>
  private let fMinus: UnsafeMutablePointer<Double>
  static let defaultRelativeStep = cbrt(Double.ulpOfOne)  // ε^{1/3} ≈ 6.06e-6
  /// The step's factor: ``defaultRelativeStep`` unless given.
  private let relativeStep: Double

  /// The difference step for a coordinate of size `x`: ε^{1/3}·max(|x|, 1)^{1/3}.
  static func step(at x: Double) -> Double { step(at: x, relativeStep: defaultRelativeStep) }

  /// The difference step for a coordinate of size `x` with factor `relativeStep`: relativeStep·max(|x|, 1)^{1/3}.
  static func step(at x: Double, relativeStep: Double) -> Double { relativeStep * cbrt(max(abs(x), 1)) }

  /// `relativeStep` nil (or not a positive finite number) is ``defaultRelativeStep``.
  init(dimension: Int, relativeStep: Double? = nil) {
    self.dimension = dimension
    if let relativeStep, relativeStep > 0, relativeStep.isFinite {
      self.relativeStep = relativeStep
    } else {
      self.relativeStep = Self.defaultRelativeStep
    }
    yWork = arena.buffer(count: dimension)
    fPlus = arena.buffer(count: dimension)
    fMinus = arena.buffer(count: dimension)
  }

  /// Fills `dfdy` (row-major) and `dfdt`, calling `rhs` for every perturbed point.
  func evaluate(
    t: Double, y: UnsafePointer<Double>, dfdy: UnsafeMutablePointer<Double>,
    dfdt: UnsafeMutablePointer<Double>,
    rhs: (Double, UnsafePointer<Double>, UnsafeMutablePointer<Double>) throws -> Void
  ) rethrows {
    let n = dimension
    yWork.update(from: y, count: n)
    for j in 0..<n {
      let h = Self.step(at: y[j], relativeStep: relativeStep)
      yWork[j] = y[j] + h
      let up = yWork[j]
      try rhs(t, yWork, fPlus)
      yWork[j] = y[j] - h
      let down = yWork[j]
      try rhs(t, yWork, fMinus)
      yWork[j] = y[j]
      let width = up - down  // the step actually representable
      for i in 0..<n { dfdy[i * n + j] = (fPlus[i] - fMinus[i]) / width }
    }
    let ht = Self.step(at: t, relativeStep: relativeStep)
    try rhs(t + ht, y, fPlus)
    try rhs(t - ht, y, fMinus)
    let width = (t + ht) - (t - ht)
    for i in 0..<n { dfdt[i] = (fPlus[i] - fMinus[i]) / width }
  }
}
