import Foundation
import Testing

@testable import GradientFlow

/// The box LCP of one sample on kinks in two layers, enumerated face by face independently of the kernel
/// (`deep_sliding` `coupled` against `joint`), on ``DeepJointSlidingTests``' problems with each pair just
/// below or just above its kink.
///
/// The conditions are those of the event-driven reference (benchmarks/zoo/reference.py, `resolve`): with
/// r(s) = (ż_1, ż_2) along F(s) (``DeepJointSlidingTests/rates(_:_:along:slopes:)``, forward mode with the
/// slopes), a solution s ∈ [0, 1]² has s_k = 0 ⇒ r_k ≤ 0, s_k = 1 ⇒ r_k ≥ 0, 0 < s_k < 1 ⇒ r_k = 0. r is a
/// polynomial: ż_1 = J_1·F(s) has degree ≤ 1 in each slope, ż_2 has degree ≤ 2 in s_1 (dh = s_1 ż_1 times
/// F's s_1) and ≤ 1 in s_2. So nine values on {0, ½, 1}² give r everywhere (to the forces' O(1e-12)
/// dependence on the slopes through h = s·z), and every face is solved exactly: on an edge r_k is a
/// univariate polynomial; inside, ż_1 = A(s_1) + B(s_1) s_2 = 0 gives s_2 = −A/B and ż_2 = C + E s_2 = 0
/// the polynomial C·B − E·A in s_1 (degree ≤ 4), whose roots in (0, 1) are bracketed on a fine grid and
/// bisected. Each candidate is then checked on r itself.
extension DeepJointSlidingTests {
  /// r(s) as the biquadratic through its values on {0, ½, 1}²: r_k(s) = Σ_ab c_kab s_1^a s_2^b.
  struct RatePolynomial {
    var c: [[[Double]]]

    init(_ r: ((Double, Double)) -> (Double, Double)) {
      let nodes = [0.0, 0.5, 1.0]
      // Monomial coefficients of the quadratic through (0, v0), (½, vh), (1, v1).
      func coefficients(_ v: [Double]) -> [Double] {
        [v[0], -3 * v[0] + 4 * v[1] - v[2], 2 * v[0] - 4 * v[1] + 2 * v[2]]
      }
      let values = nodes.map { a in nodes.map { b in r((a, b)) } }
      c = (0..<2).map { k in
        let rows = (0..<3).map { i in coefficients((0..<3).map { j in k == 0 ? values[i][j].0 : values[i][j].1 }) }
        // rows[i][b]: coefficient of s_2^b at s_1 = node i; now interpolate each b over s_1.
        let columns = (0..<3).map { b in coefficients((0..<3).map { rows[$0][b] }) }
        return (0..<3).map { a in (0..<3).map { b in columns[b][a] } }
      }
    }

    /// Σ_b (Σ_a c_kab s_1^a) s_2^b: the coefficients of r_k in s_2 at s_1.
    func inSecond(_ k: Int, at s1: Double) -> (Double, Double, Double) {
      let c = self.c[k]
      return (
        c[0][0] + s1 * (c[1][0] + s1 * c[2][0]), c[0][1] + s1 * (c[1][1] + s1 * c[2][1]),
        c[0][2] + s1 * (c[1][2] + s1 * c[2][2])
      )
    }

    func value(_ k: Int, _ s: (Double, Double)) -> Double {
      let p = inSecond(k, at: s.0)
      return p.0 + s.1 * (p.1 + s.1 * p.2)
    }
  }

  /// The roots in (0, 1) of the polynomial Σ_i p_i x^i: sign changes on a grid of 256, bisected to the last
  /// bit. Two roots closer than 1/256 (a near-double root, nearly a tangency) would be missed; the kernel is
  /// compared only where one solution is found, and a missed pair would show as a disagreement, not hide one.
  static func roots(_ p: [Double]) -> [Double] {
    func g(_ x: Double) -> Double {
      var v = 0.0
      for i in stride(from: p.count - 1, through: 0, by: -1) { v = v * x + p[i] }
      return v
    }
    let n = 256
    var found: [Double] = []
    var (a, ga) = (0.0, g(0))
    for i in 1...n {
      let b = Double(i) / Double(n)
      let gb = g(b)
      if ga == 0 { found.append(a) }
      if ga * gb < 0 {
        var (lo, hi, glo) = (a, b, ga)
        while true {
          let mid = (lo + hi) / 2
          guard mid > lo, mid < hi else { break }
          let gm = g(mid)
          if glo * gm <= 0 { hi = mid } else { (lo, glo) = (mid, gm) }
        }
        found.append((lo + hi) / 2)
      }
      (a, ga) = (b, gb)
    }
    return found.filter { $0 > 1e-9 && $0 < 1 - 1e-9 }
  }

  /// Every solution of the box LCP of sample 0's two pairs; nil when it is not transversal (a bound pair's
  /// ż within `degenerate` of 0, or r not of the degrees above), where no unique answer can be told.
  static func boxSolutions(_ theta: [Double], _ inputs: [Double], _ labels: [Double], degenerate: Double)
    -> [(Double, Double)]?
  {
    func residual(_ s: (Double, Double)) -> (Double, Double) {
      rates(theta, inputs, along: field(theta, inputs, labels, slopes: s), slopes: s)
    }
    let r = RatePolynomial(residual)
    // The degree structure (both ż affine in s_2, ż_1 affine in s_1) up to the O(1e-12) force changes.
    let size = r.c.flatMap { $0.flatMap { $0 } }.map(abs).max() ?? 0
    guard (0..<3).allSatisfy({ abs(r.c[0][$0][2]) <= 1e-9 * size && abs(r.c[1][$0][2]) <= 1e-9 * size }),
      (0..<3).allSatisfy({ abs(r.c[0][2][$0]) <= 1e-9 * size })
    else { return nil }
    var candidates: [(Double, Double)] = [(0, 0), (1, 0), (0, 1), (1, 1)]
    // In s_1 (index a) at s_2 = 0 or 1, and in s_2 (index b) at s_1 = 0 or 1.
    func inFirst(_ k: Int, at s2: Double) -> [Double] {
      (0..<3).map { a in r.c[k][a][0] + s2 * (r.c[k][a][1] + s2 * r.c[k][a][2]) }
    }
    for fixed in [0.0, 1.0] {
      // s_1 free, s_2 fixed: ż_1 in s_1; s_2 free, s_1 fixed: ż_2 in s_2.
      candidates += roots(inFirst(0, at: fixed)).map { ($0, fixed) }
      let p = r.inSecond(1, at: fixed)
      candidates += roots([p.0, p.1, p.2]).map { (fixed, $0) }
    }
    // Both free: ż_1 = A + B s_2, ż_2 = C + E s_2 (A, B, C, E quadratics in s_1); s_2 = −A/B, then C·B − E·A = 0.
    func product(_ f: [Double], _ g: [Double]) -> [Double] {
      var h = [Double](repeating: 0, count: f.count + g.count - 1)
      for i in f.indices { for j in g.indices { h[i + j] += f[i] * g[j] } }
      return h
    }
    let (a, b) = ((0..<3).map { r.c[0][$0][0] }, (0..<3).map { r.c[0][$0][1] })
    let (c, e) = ((0..<3).map { r.c[1][$0][0] }, (0..<3).map { r.c[1][$0][1] })
    for s1 in roots(zip(product(c, b), product(e, a)).map { $0 - $1 }) {
      let p = r.inSecond(0, at: s1)
      guard abs(p.1) > 1e-9 * size else { return nil }
      let s2 = -p.0 / p.1
      if s2 > 1e-9, s2 < 1 - 1e-9 { candidates.append((s1, s2)) }
    }
    var solutions: [(Double, Double)] = []
    var transversal = true
    for s in candidates {
      let free = (s.0 != 0 && s.0 != 1, s.1 != 0 && s.1 != 1)
      let v = residual(s)
      var admitted = true
      for (slope, rate, isFree) in [(s.0, v.0, free.0), (s.1, v.1, free.1)] {
        if isFree {
          if !(slope > 0 && slope < 1) || abs(rate) > 1e-9 * size { admitted = false }
        } else {
          if abs(rate) <= degenerate { transversal = false }
          if slope == 0 ? rate > 0 : rate < 0 { admitted = false }
        }
      }
      if admitted, !solutions.contains(where: { abs($0.0 - s.0) < 1e-7 && abs($0.1 - s.1) < 1e-7 }) {
        solutions.append(s)
      }
    }
    return transversal ? solutions : nil
  }

  /// Whether every hidden pair other than the two forced ones is off its kink by more than 1e-6‖w‖‖h‖ (or has
  /// h = 0, where its slope multiplies nothing): a sample whose h_1 is parallel to sample 0's (one active
  /// first-layer unit in both) sits on the forced layer-2 kink too, a third pair the enumeration leaves out.
  static func onlyTheForcedPairsNearKinks(_ theta: [Double], _ inputs: [Double]) -> Bool {
    for m in 0..<sampleCount {
      let pass = forward(theta, Array(inputs[(m * 3)..<(m * 3 + 3)]), sample: m, slopes: (0, 0))
      for k in 1...2 {
        let hNorm = pass.h[k - 1].map { $0 * $0 }.reduce(0, +).squareRoot()
        guard hNorm > 0 else { continue }
        for j in 0..<sizes[k] where !(m == 0 && (k == 1 && j == lowUnit || k == 2 && j == highUnit)) {
          let wNorm = (0..<sizes[k - 1]).map { pow(weight(theta, k, j, $0), 2) }.reduce(0, +).squareRoot()
          if abs(pass.z[k][j]) <= 1e-6 * wNorm * hNorm { return false }
        }
      }
    }
    return true
  }

  /// Seeds 1–300, each pair 1e-12‖w‖‖h‖ below or above its kink: wherever the LCP has exactly one solution
  /// s* and it agrees with the pairs' sides (a pair at slope 1 above its kink, at 0 below), the coupled
  /// kernel's velocity must be F(s*); the joint kernel must miss it somewhere with the layer-1 pair at slope 1
  /// and the layer-2 pair sliding (its condition ż⁰_2 = 0 leaves out D·ż_1). Measured: 202 cases with one
  /// solution (00: 40, 01: 12, 0i: 26, 10: 35, 11: 23, 1i: 18, i0: 6, i1: 14, ii: 28), `coupled` agrees on all;
  /// `joint` misses 7 of the 18 1i cases (on the 1,200 problems without the isolation filter, before this
  /// test: 15 of 38 1i, 4 of 31 11, and 4 more whose misses were a third pair on a kink, not `joint`'s).
  @Test func coupledSlopesSolveTheBoxLCP() throws {
    var cases: [String: Int] = [:]
    var jointMisses = 0
    for seed: UInt64 in 1...300 {
      for sides in [(-1.0, -1.0), (1, -1), (-1, 1), (1, 1)] {
        guard let (inputs, labels, theta) = Self.problem(seed: seed, sides: sides),
          Self.onlyTheForcedPairsNearKinks(theta, inputs)
        else { continue }
        let corners = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)].map {
          Self.field(theta, inputs, labels, slopes: $0)
        }
        let scale = corners.flatMap { $0 }.map(abs).max() ?? 1
        // The part of F the slopes move; errors are measured against it (below 1e-6 of |F| no test).
        let slopePart = corners.dropFirst().map { zip($0, corners[0]).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
        guard slopePart > 1e-6 * scale,
          let solutions = Self.boxSolutions(theta, inputs, labels, degenerate: 1e-9 * scale),
          solutions.count == 1, let s = solutions.first,
          // A bound slope on the other side's value is a crossing the band's side decides (measure zero).
          !(s.0 == 1 && sides.0 < 0 || s.0 == 0 && sides.0 > 0 || s.1 == 1 && sides.1 < 0 || s.1 == 0 && sides.1 > 0)
        else { continue }
        let expected = Self.field(theta, inputs, labels, slopes: s)
        func label(_ x: Double) -> String { x == 0 ? "0" : x == 1 ? "1" : "i" }
        let key = label(s.0) + label(s.1)
        cases[key, default: 0] += 1
        // Without the pull-back (κz, of order κ·1e-12‖w‖‖h‖, moves ż off 0 by design) both sides are exact up
        // to rounding and to h = s·z with z ~ 1e-12‖w‖‖h‖: 1e-9 of the slope part.
        let (coupled, inconsistentFolds) = try Self.kernelEvaluation(theta, inputs, labels, .coupled, pullBack: 0)
        // A folded pair still leaves upward after the re-solve, within the pass limit.
        #expect(inconsistentFolds == 0, "seed \(seed) sides \(sides): inconsistent folds")
        let error = zip(coupled, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(error <= 1e-9 * slopePart, "seed \(seed) sides \(sides): s* \(s), error \(error / slopePart)")
        if key == "1i" {
          let joint = try Self.kernelVelocity(theta, inputs, labels, .joint, pullBack: 0)
          let jointError = zip(joint, expected).map { abs($0 - $1) }.max() ?? 0
          if jointError > 1e-3 * slopePart { jointMisses += 1 }
        }
      }
    }
    // Every face class occurs (the seed range was chosen to cover them), and `joint` misses at least one.
    for key in ["00", "01", "0i", "10", "11", "1i", "i0", "i1", "ii"] {
      #expect(cases[key, default: 0] >= 1, "no case \(key): \(cases)")
    }
    #expect(jointMisses >= 1, "joint agrees on every 1i case")
  }
}
