import Foundation

/// Estimates the spectral radius ρ(J) of the Jacobian J = ∂f/∂y at a state by power iteration on
/// directional differences of the right-hand side,
///
///   J v ≈ (f(t, y + δ v) − f(t, y)) / δ,   ‖v‖ = 1,   δ = √ε · (1 + ‖y‖),
///
/// so it needs no Jacobian: `iterations` + 1 right-hand-side evaluations per estimate. The iterate
/// is kept between estimates (warm start), so a slowly changing dominant eigenvector is tracked
/// with a few iterations per call. For the symmetric Jacobians of gradient flows (J = −∇²L in the
/// t clock, a positive multiple in the log-t clock) ‖J v‖ converges to |λ|max from below; the
/// estimate is an indicator (step limited by stability or by accuracy), not a certified bound.
/// Allocation-free after `init`.
final class StiffnessEstimator {
  private let dimension: Int
  private let vector: UnsafeMutablePointer<Double>
  private let shifted: UnsafeMutablePointer<Double>
  private let f0: UnsafeMutablePointer<Double>
  private let f1: UnsafeMutablePointer<Double>
  /// Power iterations per estimate.
  let iterations: Int

  init(dimension: Int, iterations: Int = 3) {
    self.dimension = dimension
    self.iterations = iterations
    vector = .allocate(capacity: dimension)
    shifted = .allocate(capacity: dimension)
    f0 = .allocate(capacity: dimension)
    f1 = .allocate(capacity: dimension)
    // A fixed start with every component non-zero, so no eigenvector is missed by construction.
    for i in 0..<dimension { vector[i] = 1 + Double(i % 7) / 7 }
    normalize(vector)
  }

  deinit {
    vector.deallocate()
    shifted.deallocate()
    f0.deallocate()
    f1.deallocate()
  }

  /// ‖J v‖ after the iterations (an estimate of ρ(J)); `nil` when the right-hand side failed or
  /// was not finite at a probe point (then no decision is taken).
  func estimate(
    t: Double, y: UnsafePointer<Double>, rhs: (Double, UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Bool
  ) -> Double? {
    let n = dimension
    guard rhs(t, y, f0) else { return nil }
    var yNorm = 0.0
    for i in 0..<n { yNorm += y[i] * y[i] }
    let delta = Double.ulpOfOne.squareRoot() * (1 + yNorm.squareRoot())
    var radius = 0.0
    for _ in 0..<iterations {
      for i in 0..<n { shifted[i] = y[i] + delta * vector[i] }
      guard rhs(t, shifted, f1) else { return nil }
      var norm = 0.0
      for i in 0..<n {
        let jv = (f1[i] - f0[i]) / delta
        vector[i] = jv
        norm += jv * jv
      }
      radius = norm.squareRoot()
      guard radius.isFinite else { return nil }
      if radius == 0 {  // J v = 0: restart from the fixed vector next time
        for i in 0..<n { vector[i] = 1 + Double(i % 7) / 7 }
        normalize(vector)
        return 0
      }
      for i in 0..<n { vector[i] /= radius }
    }
    return radius
  }

  private func normalize(_ v: UnsafeMutablePointer<Double>) {
    var norm = 0.0
    for i in 0..<dimension { norm += v[i] * v[i] }
    norm = norm.squareRoot()
    for i in 0..<dimension { v[i] /= norm }
  }
}
