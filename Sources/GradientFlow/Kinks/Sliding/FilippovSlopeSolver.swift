import Foundation
import ODE

/// The Filippov slopes of one hidden unit of a two-layer ReLU net: a small box-constrained convex
/// quadratic program, solved exactly by block principal pivoting (THEORY §7.1).
///
/// For unit j with output weight a_j and a candidate set C of (sample, unit) pairs on the kink, the
/// velocity of the first-layer row is ẇ_j = base + Σ_{m∈C} u_m x_m with u_m = a_j c_m s_m, where
/// s_m ∈ [0, 1] is the slope σ'(z_mj) the Filippov convex combination assigns. Then
///
///   ż_nj = ⟨x_n, ẇ_j⟩ = (G u + q)_n − κ_n z_nj,   G_mn = ⟨x_m, x_n⟩ (m, n ∈ C),   q_n = ⟨x_n, base⟩ + κ_n z_nj,
///
/// where κ_n z_nj is an optional pull-back toward the surface (``FilippovFlow``). Only attracting pairs
/// (a_j c_m < 0) are candidates, so u_m ∈ [a_j c_m, 0] = [lo_m, hi_m], with u = lo ⇔ slope 1 and
/// u = hi ⇔ slope 0. The Filippov conditions are
///
///   slope ∈ (0, 1) ⇒ (G u + q)_n = 0 (the pair stays on z = 0, up to the pull-back),
///   slope 1 ⇒ (G u + q)_n ≥ 0,   slope 0 ⇒ (G u + q)_n ≤ 0 (the pair leaves, or never entered),
///
/// which are exactly the KKT conditions of min ½uᵀGu + qᵀu over the box lo ≤ u ≤ hi. G is a Gram
/// matrix, so the problem is convex and v = Gu + q is unique (u too when the x_m, m ∈ C, are linearly
/// independent). Repelling pairs (a_j c_m > 0) would turn it into a maximization: the surface then
/// has no sliding mode, and such pairs keep their ReLU slope.
///
/// Block principal pivoting (Júdice & Pires) with Murty's single-pivot rule as the anti-cycling
/// fallback: guess the free set, solve G_FF u_F = −(q_F + G_FB u_B) by Cholesky, move primal- and
/// dual-infeasible indices across. Sizes are a few pairs per unit; every buffer is allocated once.
public final class FilippovSlopeSolver {
  /// The largest candidate set handled exactly; larger sets keep their ReLU slopes (none seen in practice).
  public let capacity: Int
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  /// G (row-major, `size × size`), q, lo, hi: set by the caller before ``solve(size:)``.
  public let gram: UnsafeMutablePointer<Double>
  public let linear: UnsafeMutablePointer<Double>
  public let lower: UnsafeMutablePointer<Double>
  public let upper: UnsafeMutablePointer<Double>
  /// The solution u after ``solve(size:)``.
  public let solution: UnsafeMutablePointer<Double>
  /// Per index: 0 free (interior: a sliding pair), 1 at the lower bound (slope 1), 2 at the upper bound (slope 0),
  /// 3 fixed by the caller (excluded from the program, its value in ``solution``).
  public let status: UnsafeMutablePointer<UInt8>
  /// Per index, whether its pair lies above the kink (z > 0); read by ``solveKeepingCrossings(size:)``.
  public let aboveKink: UnsafeMutablePointer<Bool>
  /// Per index, whether ``solveKeepingCrossings(size:)`` leaves its pair at the bound the program gives it, on either
  /// side (a pair on its kink to round-off: ``SlidingExit`` `bound`); false unless the caller sets it.
  public let sideFree: UnsafeMutablePointer<Bool>
  private let factor: UnsafeMutablePointer<Double>
  private let rhs: UnsafeMutablePointer<Double>
  private let free: UnsafeMutablePointer<Int>
  /// Pivoting iterations of the last solve.
  public private(set) var iterations = 0

  public init(capacity: Int) {
    self.capacity = max(capacity, 1)
    let k = self.capacity
    gram = arena.buffer(count: k * k)
    factor = arena.buffer(count: k * k)
    linear = arena.buffer(count: k)
    lower = arena.buffer(count: k)
    upper = arena.buffer(count: k)
    solution = arena.buffer(count: k)
    rhs = arena.buffer(count: k)
    status = arena.buffer(count: k)
    aboveKink = arena.buffer(count: k)
    sideFree = arena.buffer(count: k)
    sideFree.update(repeating: false, count: k)
    free = arena.buffer(count: k)
  }

  /// Solves the box QP of the first `size` entries. Indices whose ``status`` is 3 on entry are held at
  /// their ``solution`` value (the caller fixed them); every other index starts free.
  /// Returns whether the KKT conditions hold to rounding (otherwise the best iterate, clipped to the box).
  @discardableResult
  public func solve(size k: Int) -> Bool {
    precondition(k <= capacity)
    var scale = 0.0
    for i in 0..<k where status[i] != 3 {
      status[i] = 0
      scale = max(scale, abs(lower[i]), abs(upper[i]))
    }
    var diagonal = 0.0
    for i in 0..<k { diagonal = max(diagonal, gram[i * k + i]) }
    let primalTolerance = 1e-13 * max(scale, .leastNormalMagnitude)
    var dualScale = 0.0
    for i in 0..<k { dualScale = max(dualScale, abs(linear[i])) }
    let dualTolerance = 1e-12 * max(dualScale, diagonal * scale, .leastNormalMagnitude)

    var best = Int.max
    var fullExchanges = 3
    iterations = 0
    var converged = false
    while iterations < 10 * k + 20 {
      iterations += 1
      solveFree(size: k, diagonal: diagonal)
      // Primal and dual infeasibilities.
      var infeasible = 0
      var last = -1
      for i in 0..<k where status[i] != 3 {
        if violates(i, size: k, primal: primalTolerance, dual: dualTolerance) {
          infeasible += 1
          last = i
        }
      }
      if infeasible == 0 {
        converged = true
        break
      }
      if infeasible < best {
        best = infeasible
        fullExchanges = 3
      } else {
        fullExchanges -= 1
      }
      for i in 0..<k where status[i] != 3 && (fullExchanges > 0 || i == last) {
        if violates(i, size: k, primal: primalTolerance, dual: dualTolerance) { flip(i) }
      }
    }
    for i in 0..<k where status[i] != 3 { solution[i] = min(max(solution[i], lower[i]), upper[i]) }
    return converged
  }

  /// Solves, then holds every pair whose slope sits at the bound contradicting its side of the kink
  /// (slope 0 above it, slope 1 below: a crossing pair seen inside the band) at its ReLU slope and
  /// re-solves, so that crossings still happen at z = 0 — except the pairs marked ``sideFree``. Returns the number
  /// of sliding pairs (slope strictly inside (0, 1)); ``solution`` then holds every u.
  public func solveKeepingCrossings(size k: Int) -> Int {
    for _ in 0..<k {
      solve(size: k)
      var fixed = false
      for p in 0..<k where (status[p] == 1 || status[p] == 2) && !sideFree[p] {
        if aboveKink[p] != (status[p] == 1) {
          status[p] = 3
          solution[p] = aboveKink[p] ? lower[p] : 0
          fixed = true
        }
      }
      if !fixed { break }
    }
    var sliding = 0
    for p in 0..<k where status[p] == 0 && solution[p] != 0 && solution[p] != lower[p] { sliding += 1 }
    return sliding
  }

  /// Solves without holding crossing pairs; returns the number of sliding pairs (slope strictly inside (0, 1)).
  public func solveCountingSliding(size k: Int) -> Int {
    solve(size: k)
    var sliding = 0
    for p in 0..<k where status[p] == 0 && solution[p] != 0 && solution[p] != lower[p] { sliding += 1 }
    return sliding
  }

  /// (G u + q)_i.
  @inline(__always)
  private func gradient(_ i: Int, size k: Int) -> Double {
    var g = linear[i]
    for m in 0..<k { g += gram[i * k + m] * solution[m] }
    return g
  }

  @inline(__always)
  private func violates(_ i: Int, size k: Int, primal: Double, dual: Double) -> Bool {
    switch status[i] {
    case 0: solution[i] < lower[i] - primal || solution[i] > upper[i] + primal
    case 1: gradient(i, size: k) < -dual
    case 2: gradient(i, size: k) > dual
    default: false
    }
  }

  @inline(__always)
  private func flip(_ i: Int) {
    switch status[i] {
    case 0:
      if solution[i] < lower[i] {
        status[i] = 1
        solution[i] = lower[i]
      } else {
        status[i] = 2
        solution[i] = upper[i]
      }
    default: status[i] = 0
    }
  }

  /// Sets bound indices to their bounds and solves G_FF u_F = −(q_F + G_FB u_B) by Cholesky,
  /// with a ridge of 1e-13·max G_ii if G_FF is singular (duplicate inputs).
  private func solveFree(size k: Int, diagonal: Double) {
    var f = 0
    for i in 0..<k {
      switch status[i] {
      case 0:
        free[f] = i
        f += 1
      case 1: solution[i] = lower[i]
      case 2: solution[i] = upper[i]
      default: break
      }
    }
    guard f > 0 else { return }
    for a in 0..<f {
      let i = free[a]
      var r = -linear[i]
      for m in 0..<k where status[m] != 0 { r -= gram[i * k + m] * solution[m] }
      rhs[a] = r
    }
    var ridge = 0.0
    while !cholesky(size: f, stride: k, ridge: ridge) {
      ridge = ridge == 0 ? 1e-13 * max(diagonal, .leastNormalMagnitude) : ridge * 100
    }
    // Forward and back substitution with L (lower triangle of `factor`, f × f).
    for a in 0..<f {
      var s = rhs[a]
      for b in 0..<a { s -= factor[a * f + b] * rhs[b] }
      rhs[a] = s / factor[a * f + a]
    }
    for a in stride(from: f - 1, through: 0, by: -1) {
      var s = rhs[a]
      for b in (a + 1)..<f { s -= factor[b * f + a] * rhs[b] }
      rhs[a] = s / factor[a * f + a]
    }
    for a in 0..<f { solution[free[a]] = rhs[a] }
  }

  /// L Lᵀ = G_FF + ridge·I into `factor`; false if a pivot is not positive.
  private func cholesky(size f: Int, stride k: Int, ridge: Double) -> Bool {
    for a in 0..<f {
      for b in 0...a {
        var s = gram[free[a] * k + free[b]] + (a == b ? ridge : 0)
        for c in 0..<b { s -= factor[a * f + c] * factor[b * f + c] }
        if a == b {
          guard s > 0 else { return false }
          factor[a * f + a] = s.squareRoot()
        } else {
          factor[a * f + b] = s / factor[b * f + b]
        }
      }
    }
    return true
  }
}
