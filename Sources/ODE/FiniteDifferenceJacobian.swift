import Foundation

/// Central finite-difference Jacobian for steppers that need one when the system has none.
///
/// Column j is (f(y + h_j e_j) − f(y − h_j e_j)) / (2 h_j) with h_j = ε^{1/3} · max(|y_j|, 1),
/// ε the double-precision epsilon: the step that balances the O(h²) truncation error against the
/// O(ε/h) rounding error, giving about 10 correct digits. ∂f/∂t is differenced the same way.
/// Costs 2·(dimension + 1) right-hand-side evaluations; buffers are allocated once.
final class FiniteDifferenceJacobian {
  private let dimension: Int
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  private let yWork: UnsafeMutablePointer<Double>
  private let fPlus: UnsafeMutablePointer<Double>
  private let fMinus: UnsafeMutablePointer<Double>
  private static let relativeStep = cbrt(Double.ulpOfOne)  // ε^{1/3} ≈ 6.06e-6

  init(dimension: Int) {
    self.dimension = dimension
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
      let h = Self.relativeStep * max(abs(y[j]), 1)
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
    let ht = Self.relativeStep * max(abs(t), 1)
    try rhs(t + ht, y, fPlus)
    try rhs(t - ht, y, fMinus)
    let width = (t + ht) - (t - ht)
    for i in 0..<n { dfdt[i] = (fPlus[i] - fMinus[i]) / width }
  }
}
