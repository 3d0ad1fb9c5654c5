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
    let alpha = u.map { $0 / slack }
    let products = z.map { CheckerMath.dot($0, w) }
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
