/// The hard-margin SVM through the origin, solved exactly (THEORY §5.6):
///
///   ŵ = argmin ½‖w‖²  s.t.  z_n·w ≥ 1,   z_n = y_n x_n,
///
/// with dual max_{α ≥ 0} Σ_n α_n − ½‖Σ_n α_n z_n‖², ŵ = Σ_n α_n z_n, geometric margin γ = 1/‖ŵ‖ and
/// Σ_n α_n = ‖ŵ‖² = γ^{−2} at the optimum.
///
/// **Method: least-distance programming through NNLS** (Lawson & Hanson 1974, ch. 23, the LDP
/// algorithm). The primal is exactly LDP with G = Z and h = 1. Solve the NNLS
/// u* = argmin_{u ≥ 0} ‖E u − f‖ with E = [Zᵀ; 1ᵀ] ∈ ℝ^{(d+1)×N} and f = e_{d+1} (``NNLS``, a finite
/// active-set method). Its optimality gives ‖f − E u*‖² = 1 − Σ u*, and
///
/// - 1 − Σ u* = 0 (E u* = f): the constraints are infeasible, no w separates the data through the origin;
/// - otherwise ŵ = Zᵀu* / (1 − Σ u*) and α = u* / (1 − Σ u*), so ŵ = Σ α_n z_n by construction.
///
/// **Certificate.** Primal feasibility min_n z_n·ŵ ≥ 1 (reported as the violation max(0, 1 − min z·ŵ))
/// and the duality gap ½‖ŵ‖² − (Σα − ½‖ŵ‖²) = Σ_n α_n (z_n·ŵ − 1) (complementary slackness), reported
/// relative to ½‖ŵ‖². Both are at rounding level for a solved problem.
///
/// **Support.** The support follows the multipliers: every sample with α_n > 0 (the NNLS passive set,
/// whose other entries are exact zeros), plus the samples with α_n = 0 that tie with them, i.e.
/// z_n·ŵ − 1 ≤ τ with the scale-aware tie tolerance
///
///   τ = max(2·max_{α_m > 0} |z_m·ŵ − 1|, 64·ε_mach·d·max_m ‖z_m‖‖ŵ‖):
///
/// how far the solve itself left its active constraints from equality, or the rounding of z·ŵ, whichever
/// is larger (duplicated support vectors, as in THEORY R2, split their multiplier arbitrarily). A fixed
/// threshold such as 1e-9 drops a support vector of an ill-conditioned problem whose computed margin is
/// 1 + 1e-9 although its multiplier is large.
public struct HardMarginSVM: Sendable {
  /// ŵ (d entries).
  public let weights: [Double]
  /// α ≥ 0, one per sample.
  public let alpha: [Double]
  /// ŵ/‖ŵ‖.
  public var direction: [Double] { CheckerMath.unit(weights) }
  /// γ = 1/‖ŵ‖, the geometric (= product-normalized, K = 1) margin.
  public var margin: Double { 1 / CheckerMath.norm(weights) }
  /// Samples with α_n > 0, and those with α_n = 0 tied with them (z_n·ŵ − 1 ≤ ``tieTolerance``), ascending.
  public let supportVectors: [Int]
  /// τ of the support's tie rule (see the type's documentation).
  public let tieTolerance: Double
  /// max(0, 1 − min_n z_n·ŵ).
  public let feasibilityViolation: Double
  /// |Σ_n α_n (z_n·ŵ − 1)| / (½‖ŵ‖²).
  public let dualityGap: Double

  /// Solves the SVM for inputs x_n (row-major, `dimension` columns) and labels ±1; nil when the data
  /// are not linearly separable through the origin.
  public static func solve(inputs: [Double], labels: [Double], dimension d: Int) -> HardMarginSVM? {
    let n = labels.count
    let z = (0..<n).map { m in (0..<d).map { labels[m] * inputs[m * d + $0] } }
    let columns = z.map { $0 + [1] }
    var f = [Double](repeating: 0, count: d + 1)
    f[d] = 1
    let solution = NNLS.solve(columns: columns, rhs: f)
    let u = solution.x
    let slack = 1 - u.reduce(0, +)
    // ‖f − E u‖² = 1 − Σu at the NNLS optimum; a zero residual means the LDP is infeasible.
    guard slack > 1e-13, solution.residualNorm > 1e-7 else { return nil }
    var w = [Double](repeating: 0, count: d)
    for m in 0..<n where u[m] != 0 {
      for i in 0..<d { w[i] += u[m] * z[m][i] }
    }
    w = w.map { $0 / slack }
    var alpha = u.map { $0 / slack }
    var products = z.map { CheckerMath.dot($0, w) }
    if let smallest = products.min(), !(smallest > 1 - 1e-6),
      let exact = activeSetSolution(z: z, active: (0..<n).filter { u[$0] > 0 }, dimension: d)
    {
      // The dual's solution is off by more than 1e-6 on ill-conditioned data (its error grows like the
      // square of cond(Z_A)): the exact solution on its active set, when that one is feasible with α ≥ 0.
      let exactProducts = z.map { CheckerMath.dot($0, exact.w) }
      if let exactSmallest = exactProducts.min(), exactSmallest > 1 - 1e-6 {
        (w, alpha, products) = (exact.w, exact.alpha, exactProducts)
      }
    }
    guard let smallest = products.min(), smallest > 1 - 1e-6 else { return nil }
    var gap = 0.0
    for m in 0..<n { gap += alpha[m] * (products[m] - 1) }
    let half = 0.5 * CheckerMath.dot(w, w)
    let activeError = (0..<n).filter { alpha[$0] > 0 }.map { abs(products[$0] - 1) }.max() ?? 0
    let wNorm = CheckerMath.norm(w)
    let rounding = 64 * Double.ulpOfOne * Double(d) * (z.map { CheckerMath.norm($0) }.max() ?? 0) * wNorm
    let tie = max(2 * activeError, rounding)
    return HardMarginSVM(
      weights: w, alpha: alpha, supportVectors: (0..<n).filter { alpha[$0] > 0 || products[$0] - 1 <= tie },
      tieTolerance: tie, feasibilityViolation: max(0, 1 - smallest), dualityGap: abs(gap) / half)
  }
}

extension HardMarginSVM {
  /// The exact solution on an active set A of the dual: the minimum-norm w with z_m·w = 1 for m ∈ A, and
  /// its multipliers (w = Σ_{m∈A} α_m z_m), by Householder QR of Z_Aᵀ = QR: Z_A w = 1 ⇔ Rᵀ(Qᵀw) = 1, so
  /// w = Q[y; 0] with Rᵀy = 1, and α_A = R⁻¹y. Its error grows like cond(Z_A), the NNLS dual's like its
  /// square. `alpha` has one entry per sample (0 off A); nil when A is empty, larger than d, or R singular,
  /// or some α_m < 0 (A is not the optimum's active set).
  static func activeSetSolution(z: [[Double]], active: [Int], dimension d: Int) -> (w: [Double], alpha: [Double])? {
    let k = active.count
    guard k > 0, k <= d else { return nil }
    var a = active.map { z[$0] }  // the columns of Z_Aᵀ, reduced in place to R (a[j][i], i ≤ j)
    var reflectors: [[Double]] = []
    for j in 0..<k {
      var v = Array(a[j][j..<d])
      let norm = CheckerMath.norm(v)
      guard norm > 0 else { return nil }
      v[0] += v[0] >= 0 ? norm : -norm
      let vv = CheckerMath.dot(v, v)
      for c in j..<k {
        var s = 0.0
        for i in 0..<(d - j) { s += v[i] * a[c][j + i] }
        let f = 2 * s / vv
        for i in 0..<(d - j) { a[c][j + i] -= f * v[i] }
      }
      reflectors.append(v)
    }
    var y = [Double](repeating: 0, count: k)
    for j in 0..<k {
      var s = 1.0
      for i in 0..<j { s -= a[j][i] * y[i] }
      guard a[j][j] != 0 else { return nil }
      y[j] = s / a[j][j]
    }
    var w = y + [Double](repeating: 0, count: d - k)
    for j in stride(from: k - 1, through: 0, by: -1) {
      let v = reflectors[j]
      var s = 0.0
      for i in 0..<(d - j) { s += v[i] * w[j + i] }
      let f = 2 * s / CheckerMath.dot(v, v)
      for i in 0..<(d - j) { w[j + i] -= f * v[i] }
    }
    var alphaA = [Double](repeating: 0, count: k)
    for j in stride(from: k - 1, through: 0, by: -1) {
      var s = y[j]
      for c in (j + 1)..<k { s -= a[c][j] * alphaA[c] }
      alphaA[j] = s / a[j][j]
    }
    guard alphaA.allSatisfy({ $0 >= 0 }) else { return nil }
    var alpha = [Double](repeating: 0, count: z.count)
    for (j, m) in active.enumerated() { alpha[m] = alphaA[j] }
    return (w, alpha)
  }
}
