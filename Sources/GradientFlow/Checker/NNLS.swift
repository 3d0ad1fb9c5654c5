import CGSL
import Foundation

/// Non-negative least squares by the Lawson–Hanson active-set method (Lawson & Hanson, *Solving
/// Least Squares Problems*, 1974, ch. 23), with the passive-set subproblems solved on GSL's complete
/// orthogonal decomposition (`gsl_linalg_COD_decomp` / `gsl_linalg_COD_lssolve`):
///
///   x* = argmin_{x ≥ 0} ½‖A x − b‖²,   A = [a_1 … a_n] ∈ ℝ^{m×n}.
///
/// **Optimality (KKT) conditions.** With the residual r = b − A x and the dual vector w = Aᵀ r,
/// x is optimal iff x ≥ 0, w ≤ 0 and x_j w_j = 0 for every j. The duality gap of the pair
/// (x, r) is ½‖r‖² − (⟨r, b⟩ − ½‖r‖²) = −xᵀw, so a certified solution has both the dual
/// violation max_j w_j⁺ and the gap −xᵀw at rounding level. ``Solution`` reports both, scaled by
/// max_j ‖a_j‖·‖b‖ and ‖b‖² respectively.
///
/// **Termination.** Every outer iteration moves the column with the largest positive w_j into the
/// passive set P and solves the unconstrained least-squares problem on P; the inner loop steps back
/// to the feasible region and drops the columns that hit zero. In exact arithmetic the objective
/// strictly decreases between outer iterations and the passive columns stay linearly independent,
/// so no passive set repeats and the method stops after finitely many steps with w ≤ 0 off P
/// (an exact optimum, not an iteration count). Rounding is handled the standard way: a column whose
/// entry would make A_P rank deficient, or whose own coefficient comes out ≤ 0, is blocked until the
/// next successful iteration. A generous safety cap (3n + 100 outer iterations) only guards against
/// cycling through rounding; when it is hit, ``Solution/converged`` is false and the certificate
/// shows why.
public enum NNLS {
  /// The result of a solve, with its optimality certificate.
  public struct Solution: Sendable {
    /// The minimizer x* ≥ 0 (n entries).
    public let x: [Double]
    /// ‖b − A x*‖.
    public let residualNorm: Double
    /// w = Aᵀ(b − A x*); ≤ 0 at the optimum, 0 on the passive set.
    public let dual: [Double]
    /// The passive set P = {j : x_j > 0}, in the order the columns entered.
    public let passive: [Int]
    /// Outer iterations taken (columns that entered the passive set).
    public let iterations: Int
    /// max_j max(w_j, 0) / (max_j ‖a_j‖ · ‖b‖): dual infeasibility (0 at the optimum).
    public let dualViolation: Double
    /// |xᵀw| / ‖b‖²: the relative duality gap (0 at the optimum).
    public let dualityGap: Double
    /// The method stopped because no column could improve the objective (not because of the cap),
    /// and the certificate is at rounding level (both measures ≤ 1e-9).
    public let converged: Bool
  }

  /// Solves min_{x ≥ 0} ‖A x − b‖ for A given by its columns (each `b.count` long).
  ///
  /// `start` warm-starts the method from a feasible point x⁰ ≥ 0 (missing entries are 0), typically
  /// the solution on a subset of these columns (column generation, ``ClarkeAwareCheck``): its support
  /// becomes the initial passive set, the passive least-squares solution is stepped back into x ≥ 0
  /// as in the inner loop, and the outer loop goes on from there. The optimality conditions and the
  /// certificate are the same as from x = 0; only the number of outer iterations changes (from about
  /// |P| to the number of columns that enter or leave).
  public static func solve(columns: [[Double]], rhs b: [Double], start: [Double]? = nil) -> Solution {
    precondition(columns.allSatisfy { $0.count == b.count }, "NNLS: every column needs \(b.count) entries")
    // Tall problems (m > n + 1, e.g. P parameters ≫ N samples): the same NNLS in n + 1 rows, certified
    // on the original columns.
    if let reduced = reduce(columns: columns, b: b) {
      let solution = iterate(columns: reduced.columns, b: reduced.b, start: start)
      return certify(
        columns: columns, b: b, x: solution.x, passive: solution.passive, iterations: solution.iterations,
        finished: solution.finished)
    }
    let solution = iterate(columns: columns, b: b, start: start)
    return certify(
      columns: columns, b: b, x: solution.x, passive: solution.passive, iterations: solution.iterations,
      finished: solution.finished)
  }

  /// The problem in n + 1 rows when m > n + 1: with the thin QR factorization [A b] = Q R (Householder,
  /// `gsl_linalg_QR_decomp`), ‖A x − b‖ = ‖R [x; −1]‖ for every x, because Q has orthonormal columns
  /// and [A b] lies in their span; so min_{x ≥ 0} ‖R_A x − r_b‖ has the same minimizers, and each
  /// passive least-squares solve costs O((n + 1)·k²) instead of O(m·k²). nil when m ≤ n + 1.
  static func reduce(columns: [[Double]], b: [Double]) -> (columns: [[Double]], b: [Double])? {
    let m = b.count
    let n = columns.count
    guard n > 0, m > n + 1 else { return nil }
    let a = gsl_matrix_alloc(m, n + 1)!
    let tau = gsl_vector_alloc(n + 1)!
    defer {
      gsl_matrix_free(a)
      gsl_vector_free(tau)
    }
    let tda = a.pointee.tda
    for (j, column) in columns.enumerated() {
      for i in 0..<m { a.pointee.data[i * tda + j] = column[i] }
    }
    for i in 0..<m { a.pointee.data[i * tda + n] = b[i] }
    guard gsl_linalg_QR_decomp(a, tau) == GSL_SUCCESS else { return nil }
    let reducedColumns = (0..<n).map { j in (0...n).map { i in i <= j ? a.pointee.data[i * tda + j] : 0 } }
    let reducedB = (0...n).map { i in a.pointee.data[i * tda + n] }
    guard reducedColumns.allSatisfy({ $0.allSatisfy(\.isFinite) }), reducedB.allSatisfy(\.isFinite) else { return nil }
    return (reducedColumns, reducedB)
  }

  /// Lawson–Hanson's outer loop (see the type's documentation).
  private static func iterate(columns: [[Double]], b: [Double], start: [Double]?) -> (
    x: [Double], passive: [Int], iterations: Int, finished: Bool
  ) {
    let n = columns.count
    let m = b.count
    let bNorm = CheckerMath.norm(b)
    let columnScale = columns.map(CheckerMath.norm).max() ?? 0
    var x = [Double](repeating: 0, count: n)
    guard n > 0, bNorm > 0, columnScale > 0 else { return (x, [], 0, true) }
    // Entry threshold for w_j: rounding in Aᵀr is about eps·‖a_j‖·‖b‖ per term.
    let tolerance = 10 * Double.ulpOfOne * Double(max(m, n)) * columnScale * bNorm
    var inPassive = [Bool](repeating: false, count: n)
    var passive: [Int] = []
    if let start {
      for (j, value) in start.prefix(n).enumerated() where value > 0 {
        x[j] = value
        passive.append(j)
        inPassive[j] = true
      }
      if !passive.isEmpty {
        if let s = leastSquares(columns: columns, indices: passive, b: b) {
          settle(s, x: &x, passive: &passive, inPassive: &inPassive, columns: columns, b: b)
        } else {  // a dependent start: from x = 0
          for j in passive {
            x[j] = 0
            inPassive[j] = false
          }
          passive = []
        }
      }
    }
    var w = dualVector(columns: columns, residual: residual(columns: columns, b: b, x: x, passive: passive))
    var blocked = Set<Int>()
    var iterations = 0
    var finished = false
    let cap = 3 * n + 100

    outer: while iterations < cap {
      // The most promising column outside P.
      var best = -1
      var bestValue = tolerance
      for j in 0..<n where !inPassive[j] && !blocked.contains(j) && w[j] > bestValue {
        best = j
        bestValue = w[j]
      }
      guard best >= 0 else {
        finished = true
        break
      }
      passive.append(best)
      inPassive[best] = true
      guard let s = leastSquares(columns: columns, indices: passive, b: b), s[passive.count - 1] > 0 else {
        // Dependent on P numerically, or a non-positive own coefficient: block it for this round.
        passive.removeLast()
        inPassive[best] = false
        blocked.insert(best)
        continue outer
      }
      iterations += 1
      settle(s, x: &x, passive: &passive, inPassive: &inPassive, columns: columns, b: b)
      w = dualVector(columns: columns, residual: residual(columns: columns, b: b, x: x, passive: passive))
      blocked.removeAll()
    }
    return (x, passive, iterations, finished)
  }

  /// Lawson–Hanson's inner loop: from the feasible x toward the passive least-squares solution s,
  /// stepping back into x ≥ 0 and dropping the columns that reach zero until the passive solution is
  /// strictly positive; then x = s on P and 0 elsewhere.
  private static func settle(
    _ first: [Double], x: inout [Double], passive: inout [Int], inPassive: inout [Bool], columns: [[Double]],
    b: [Double]
  ) {
    var s = first
    while let worst = s.indices.filter({ s[$0] <= 0 }).min(by: {
      ratio(x[passive[$0]], s[$0]) < ratio(x[passive[$1]], s[$1])
    }) {
      let alpha = ratio(x[passive[worst]], s[worst])
      for (slot, j) in passive.enumerated() { x[j] += alpha * (s[slot] - x[j]) }
      x[passive[worst]] = 0
      let keep = passive.filter { x[$0] > 0 }
      for j in passive where x[j] <= 0 {
        x[j] = 0
        inPassive[j] = false
      }
      passive = keep
      guard !passive.isEmpty, let again = leastSquares(columns: columns, indices: passive, b: b) else {
        s = []
        break
      }
      s = again
    }
    for j in 0..<x.count { x[j] = 0 }
    for (slot, j) in passive.enumerated() { x[j] = s[slot] }
  }

  /// x_j / (x_j − s_j), the fraction of the way from x to s at which coordinate j reaches zero.
  private static func ratio(_ x: Double, _ s: Double) -> Double {
    let denominator = x - s
    return denominator > 0 ? x / denominator : 0
  }

  private static func certify(
    columns: [[Double]], b: [Double], x: [Double], passive: [Int], iterations: Int, finished: Bool
  ) -> Solution {
    let r = residual(columns: columns, b: b, x: x, passive: passive)
    let w = dualVector(columns: columns, residual: r)
    let bNorm = CheckerMath.norm(b)
    let scale = max((columns.map(CheckerMath.norm).max() ?? 0) * bNorm, .leastNormalMagnitude)
    let violation = (w.max() ?? 0) > 0 ? (w.max() ?? 0) / scale : 0
    var gap = 0.0
    for j in 0..<x.count { gap += x[j] * w[j] }
    let relativeGap = bNorm > 0 ? abs(gap) / (bNorm * bNorm) : 0
    return Solution(
      x: x, residualNorm: CheckerMath.norm(r), dual: w, passive: passive, iterations: iterations,
      dualViolation: violation, dualityGap: relativeGap,
      converged: finished && violation <= 1e-9 && relativeGap <= 1e-9)
  }

  /// b − Σ_{j∈P} x_j a_j.
  private static func residual(columns: [[Double]], b: [Double], x: [Double], passive: [Int]) -> [Double] {
    var r = b
    for j in passive where x[j] != 0 {
      let column = columns[j]
      for i in 0..<r.count { r[i] -= x[j] * column[i] }
    }
    return r
  }

  /// w = Aᵀ r.
  private static func dualVector(columns: [[Double]], residual r: [Double]) -> [Double] {
    columns.map { CheckerMath.dot($0, r) }
  }

  /// The least-squares solution of A_P s = b on the passive columns, or nil when A_P is rank
  /// deficient (GSL's COD rank estimate, tolerance 20(m + k)·eps·max|R_ii|) or has more columns
  /// than rows.
  static func leastSquares(columns: [[Double]], indices: [Int], b: [Double]) -> [Double]? {
    let m = b.count
    let k = indices.count
    guard k >= 1, k <= m else { return nil }
    let a = gsl_matrix_alloc(m, k)!
    let tauQ = gsl_vector_alloc(k)!
    let tauZ = gsl_vector_alloc(k)!
    let permutation = gsl_permutation_alloc(k)!
    let work = gsl_vector_alloc(k)!
    let rhs = gsl_vector_alloc(m)!
    let solution = gsl_vector_alloc(k)!
    let remainder = gsl_vector_alloc(m)!
    defer {
      gsl_matrix_free(a)
      gsl_vector_free(tauQ)
      gsl_vector_free(tauZ)
      gsl_permutation_free(permutation)
      gsl_vector_free(work)
      gsl_vector_free(rhs)
      gsl_vector_free(solution)
      gsl_vector_free(remainder)
    }
    let tda = a.pointee.tda
    for (slot, j) in indices.enumerated() {
      let column = columns[j]
      for i in 0..<m { a.pointee.data[i * tda + slot] = column[i] }
    }
    for i in 0..<m { rhs.pointee.data[i * rhs.pointee.stride] = b[i] }
    var rank = 0
    guard gsl_linalg_COD_decomp(a, tauQ, tauZ, permutation, &rank, work) == GSL_SUCCESS, rank == k,
      gsl_linalg_COD_lssolve(a, tauQ, tauZ, permutation, rank, rhs, solution, remainder) == GSL_SUCCESS
    else { return nil }
    let values = (0..<k).map { solution.pointee.data[$0 * solution.pointee.stride] }
    return values.allSatisfy(\.isFinite) ? values : nil
  }
}
