import Foundation
import Numerics
import Testing

@testable import GradientFlow

/// Lawson–Hanson NNLS against problems with known answers and against brute force over every support.
@Suite struct CheckerNNLSTests {
  @Test func identityClipsNegativeEntries() {
    let columns: [[Double]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    let solution = NNLS.solve(columns: columns, rhs: [1, -2, 3])
    #expect(solution.x == [1, 0, 3])
    #expect(solution.residualNorm == 2)
    #expect(solution.converged)
    #expect(solution.passive.sorted() == [0, 2])
  }

  @Test func zeroRightHandSideGivesZero() {
    let solution = NNLS.solve(columns: [[1, 2], [3, 4]], rhs: [0, 0])
    #expect(solution.x == [0, 0])
    #expect(solution.converged)
  }

  /// Brute force: the optimum is the best feasible unconstrained LS solution over all supports
  /// (the NNLS optimum has x > 0 exactly on some support whose LS solution is positive).
  @Test(arguments: [(5, 4), (6, 8), (3, 7), (10, 6)])
  func matchesBruteForceOnRandomProblems(m: Int, n: Int) throws {
    var random = SeededRandom(seed: UInt64(31 * m + n))
    for _ in 0..<20 {
      let columns = (0..<n).map { _ in (0..<m).map { _ in random.gaussian() } }
      let b = (0..<m).map { _ in random.gaussian() }
      let solution = NNLS.solve(columns: columns, rhs: b)
      #expect(solution.converged)
      // KKT at rounding level (the certificate is scaled by max‖a_j‖·‖b‖ and ‖b‖²).
      #expect(solution.dualViolation <= 1e-12)
      #expect(solution.dualityGap <= 1e-12)
      #expect(solution.x.allSatisfy { $0 >= 0 })
      var best = CheckerMath.norm(b)
      for mask in 1..<(1 << n) {
        let support = (0..<n).filter { mask & (1 << $0) != 0 }
        guard let s = NNLS.leastSquares(columns: columns, indices: support, b: b), s.allSatisfy({ $0 > 0 }) else {
          continue
        }
        var r = b
        for (slot, j) in support.enumerated() { for i in 0..<m { r[i] -= s[slot] * columns[j][i] } }
        best = min(best, CheckerMath.norm(r))
      }
      // Both are the same convex minimum; they differ by the rounding of the residual norms.
      #expect(solution.residualNorm.isApproximatelyEqual(to: best, absoluteTolerance: 1e-12))
    }
  }

  @Test func reductionToNPlusOneRowsKeepsEveryResidual() {
    // ‖A x − b‖ = ‖R_A x − r_b‖ for every x (Q orthonormal): checked at random x ≥ 0 on a tall problem.
    var random = SeededRandom(seed: 7)
    let (m, n) = (300, 40)
    let columns = (0..<n).map { _ in (0..<m).map { _ in random.gaussian() } }
    let b = (0..<m).map { _ in random.gaussian() }
    let reduced = try! #require(NNLS.reduce(columns: columns, b: b))
    #expect(reduced.b.count == n + 1 && reduced.columns.allSatisfy { $0.count == n + 1 })
    for _ in 0..<10 {
      let x = (0..<n).map { _ in abs(random.gaussian()) }
      func residual(_ a: [[Double]], _ rhs: [Double]) -> Double {
        var r = rhs
        for (j, column) in a.enumerated() { for i in 0..<r.count { r[i] -= x[j] * column[i] } }
        return CheckerMath.norm(r)
      }
      // Householder QR is backward stable: agreement to a few hundred ulps of the norms involved.
      #expect(
        residual(reduced.columns, reduced.b).isApproximatelyEqual(to: residual(columns, b), relativeTolerance: 1e-12))
    }
    #expect(NNLS.reduce(columns: Array(columns.prefix(5)), b: Array(b.prefix(6))) == nil)
  }

  @Test func warmStartReachesTheColdOptimum() {
    // Column generation's pattern: solve on the first columns, then on all of them from that optimum.
    var random = SeededRandom(seed: 11)
    for (m, n) in [(200, 60), (30, 50), (12, 8)] {
      let columns = (0..<n).map { _ in (0..<m).map { _ in random.gaussian() } }
      let b = (0..<m).map { _ in random.gaussian() }
      let cold = NNLS.solve(columns: columns, rhs: b)
      let partial = NNLS.solve(columns: Array(columns.prefix(n / 2)), rhs: b)
      let warm = NNLS.solve(columns: columns, rhs: b, start: partial.x)
      #expect(cold.converged && warm.converged)
      #expect(warm.dualViolation <= 1e-12 && warm.dualityGap <= 1e-12)
      // The same convex minimum: residual norms agree to rounding.
      #expect(warm.residualNorm.isApproximatelyEqual(to: cold.residualNorm, absoluteTolerance: 1e-12))
      // Fewer outer iterations than from x = 0 (only entering columns cost a solve).
      #expect(warm.iterations <= cold.iterations)
    }
  }

  @Test func duplicateAndDependentColumnsAreHandled() {
    // a_3 = a_1 + a_2 and a_4 = a_1: the passive set must stay independent.
    let a1: [Double] = [1, 0, 1]
    let a2: [Double] = [0, 1, 1]
    let columns = [a1, a2, zip(a1, a2).map(+), a1]
    let b: [Double] = [2, 3, 5]  // = 2 a_1 + 3 a_2 exactly
    let solution = NNLS.solve(columns: columns, rhs: b)
    #expect(solution.converged)
    // Exact fit: the residual is rounding.
    #expect(solution.residualNorm <= 1e-14)
    var fitted = [Double](repeating: 0, count: 3)
    for (j, column) in columns.enumerated() { for i in 0..<3 { fitted[i] += solution.x[j] * column[i] } }
    #expect(zip(fitted, b).allSatisfy { abs($0 - $1) <= 1e-14 })
  }

  @Test func aVectorOutsideTheConeProjectsOntoItsBoundary() {
    // The cone of (1, 0) and (1, 1); b = (0, 1) projects onto the ray (1, 1) at (½, ½).
    let solution = NNLS.solve(columns: [[1, 0], [1, 1]], rhs: [0, 1])
    #expect(solution.x[0] == 0)
    #expect(solution.x[1].isApproximatelyEqual(to: 0.5, absoluteTolerance: 1e-15))
    #expect(solution.residualNorm.isApproximatelyEqual(to: 0.5.squareRoot(), absoluteTolerance: 1e-15))
    #expect(solution.dual[0] < 0)
  }
}
