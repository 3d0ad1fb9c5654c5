import ODE

/// The new pattern at an event of `--sliding exact`: which pairs on their kink cross, stay, or slide.
///
/// The pairs at z = 0 are grouped into surfaces (one unit, parallel inputs: ``CoincidentKinks``). With
/// surface s's share λ_s ∈ [0, 1] (``KinkSurfaceSet``), ż of its representative is affine in the shares of
/// its unit's surfaces (units decouple):
///
///   F_s(λ) = a_j ⟨x_rep(s), b_j + Σ_t λ_t v_t⟩   (``FrozenPatternField/unitSystem(surfaces:of:row:)``),
///
/// and the Filippov pattern is a solution of the box linear complementarity problem
///
///   λ_s = 0 ⇒ F_s ≤ 0,   λ_s = 1 ⇒ F_s ≥ 0,   0 < λ_s < 1 ⇒ F_s = 0:
///
/// a share at a bound is a crossing (or a stay) to that side, an interior share a sliding surface. Solved
/// by enumeration, fewest sliding surfaces first, each fixed part in {0, 1}^k in order (the Python
/// reference's order, benchmarks/zoo/reference.py), and by principal pivoting past ``enumerationLimit``
/// surfaces on one unit. Where several patterns are consistent (a degenerate point) the first is taken.
extension FrozenPatternField {
  /// Surfaces of one unit up to which the LCP is solved by enumeration (3^k candidates).
  static let enumerationLimit = 10

  /// Resolves the pairs marked in `atZero` (N × width; consumed) at θ into crossings and sliding surfaces,
  /// building them in `candidates`. Returns the number of sliding surfaces, or nil when the LCP of some unit has
  /// no consistent solution or more surfaces than ``unitCapacity``.
  func resolve(
    _ theta: UnsafePointer<Double>, atZero: UnsafeMutablePointer<Bool>, candidates: KinkSurfaceSet,
    coincident: CoincidentKinks, scratch: LCPScratch
  ) -> Int? {
    prepare(theta)
    let m = width
    candidates.removeAll()
    for j in 0..<m {
      for n in 0..<sampleCount where atZero[n * m + j] {
        atZero[n * m + j] = false
        guard inputNorms[n] > 0 else { continue }
        let representative = coincident.isEmpty ? n : coincident.representative[n]
        let cls = coincident.isEmpty ? -1 : coincident.classOf[representative]
        candidates.append(unit: j, representative: representative)
        if cls < 0 {
          candidates.addMember(sample: n, sign: 1)
        } else {
          for p in coincident.memberStart[cls]..<coincident.memberStart[cls + 1] {
            let i = coincident.members[p]
            atZero[i * m + j] = false
            candidates.addMember(sample: i, sign: coincident.ratio[i] > 0 ? 1 : -1)
          }
        }
      }
    }
    // The members' constant parts: α on the representative's side, 1 opposite (D = 1 − (1 − α)λ there).
    for s in 0..<candidates.count {
      for member in candidates.members(s) {
        let p = candidates.memberSample[member] * m + candidates.unit[s]
        constantSlope[p] = candidates.memberSign[member] > 0 ? lowerSlope : 1
      }
    }
    sliding.removeAll()
    var slidingCount = 0
    for j in 0..<m {
      let range = candidates.unitRange(j)
      guard !range.isEmpty else { continue }
      let k = range.count
      guard k <= unitCapacity else { return nil }
      baseRow(unit: j, into: scratch.row)
      unitSystem(surfaces: range, of: candidates, row: scratch.row)
      let aj = theta[outputOffset + j]
      for r in 0..<k {
        scratch.offset[r] = aj * rhs[r]
        for t in 0..<k { scratch.jacobian[r * k + t] = aj * matrix[r * k + t] }
      }
      guard k <= Self.enumerationLimit ? scratch.enumerate(size: k) : scratch.pivot(size: k) else { return nil }
      for t in 0..<range.count {
        let s = range.lowerBound + t
        let share = scratch.lambda[t]
        let free = scratch.isFree[t]
        if free {
          sliding.append(copyOf: s, from: candidates)
          lambda[sliding.count - 1] = share
          slidingCount += 1
        }
        for member in candidates.members(s) {
          let p = candidates.memberSample[member] * m + j
          let positive = candidates.memberSign[member] > 0
          if free {
            slope[p] = lowerSlope + (1 - lowerSlope) * (positive ? share : 1 - share)
            isSliding[p] = true
          } else {
            slope[p] = (share == 1) == positive ? 1 : lowerSlope
            constantSlope[p] = slope[p]
            isSliding[p] = false
          }
        }
      }
    }
    return slidingCount
  }
}

/// The box LCP of one unit, F(λ) = F0 + J λ (``FrozenPatternField/resolve(_:atZero:candidates:coincident:scratch:)``),
/// with every buffer allocated once.
final class LCPScratch {
  let capacity: Int
  private let arena = ScratchArena()
  let row: UnsafeMutablePointer<Double>
  let offset: UnsafeMutablePointer<Double>
  let jacobian: UnsafeMutablePointer<Double>
  let lambda: UnsafeMutablePointer<Double>
  let isFree: UnsafeMutablePointer<Bool>
  private let freeIndex: UnsafeMutablePointer<Int>
  private let fixedIndex: UnsafeMutablePointer<Int>
  private let system: UnsafeMutablePointer<Double>
  private let right: UnsafeMutablePointer<Double>
  private let solved: UnsafeMutablePointer<Double>
  private let state: UnsafeMutablePointer<UInt8>

  init(capacity: Int, inputDimension d: Int) {
    self.capacity = max(capacity, 1)
    let k = self.capacity
    row = arena.buffer(count: max(d, 1))
    offset = arena.buffer(count: k)
    jacobian = arena.buffer(count: k * k)
    lambda = arena.buffer(count: k)
    isFree = arena.buffer(count: k)
    freeIndex = arena.buffer(count: k)
    fixedIndex = arena.buffer(count: k)
    system = arena.buffer(count: k * k)
    right = arena.buffer(count: k)
    solved = arena.buffer(count: k)
    state = arena.buffer(count: k)
  }

  /// The tolerance on F: 1e-10 of the problem's scale (F's terms are sums of a few products of O(1) factors,
  /// so rounding sits near 1e-16 of that scale; a bound pair with F of the wrong sign within it is consistent).
  private func tolerance(size k: Int) -> Double {
    var scale = 0.0
    for i in 0..<k { scale = max(scale, abs(offset[i])) }
    var jScale = 0.0
    for i in 0..<(k * k) { jScale = max(jScale, abs(jacobian[i])) }
    return 1e-10 * (scale + jScale + 1e-300)
  }

  private func value(_ i: Int, size k: Int) -> Double {
    var f = offset[i]
    for t in 0..<k { f += jacobian[i * k + t] * lambda[t] }
    return f
  }

  private func consistent(size k: Int, tolerance tol: Double) -> Bool {
    for i in 0..<k {
      let f = value(i, size: k)
      if isFree[i] {
        if abs(f) > 1e3 * tol { return false }
      } else if lambda[i] == 0 ? f > tol : f < -tol {
        return false
      }
    }
    return true
  }

  /// Solves the free shares given the fixed ones; false when singular or a share is not inside (0, 1).
  private func solveFree(size k: Int, free f: Int, fixed g: Int) -> Bool {
    guard f > 0 else { return true }
    for a in 0..<f {
      let i = freeIndex[a]
      var r = -offset[i]
      for b in 0..<g { r -= jacobian[i * k + fixedIndex[b]] * lambda[fixedIndex[b]] }
      right[a] = r
      for b in 0..<f { system[a * f + b] = jacobian[i * k + freeIndex[b]] }
    }
    guard DenseSolve.solve(system, right, size: f, into: solved) else { return false }
    for a in 0..<f {
      // Shares within 1e-12 of a bound are that bound (the fixed enumeration covers them).
      guard solved[a] > 1e-12, solved[a] < 1 - 1e-12 else { return false }
      lambda[freeIndex[a]] = solved[a]
    }
    return true
  }

  /// Enumeration, fewest free shares first; false when no candidate is consistent.
  func enumerate(size k: Int) -> Bool {
    let tol = tolerance(size: k)
    for freeCount in 0...k {
      for mask in 0..<(1 << k) where mask.nonzeroBitCount == freeCount {
        var (f, g) = (0, 0)
        for i in 0..<k {
          isFree[i] = mask & (1 << i) != 0
          if isFree[i] {
            freeIndex[f] = i
            f += 1
          } else {
            fixedIndex[g] = i
            g += 1
          }
        }
        for values in 0..<(1 << g) {
          // The first fixed share varies slowest, as itertools.product does.
          for b in 0..<g { lambda[fixedIndex[b]] = values & (1 << (g - 1 - b)) != 0 ? 1 : 0 }
          guard solveFree(size: k, free: f, fixed: g) else { continue }
          if consistent(size: k, tolerance: tol) { return true }
        }
      }
    }
    return false
  }

  /// Principal pivoting (each share at 0, at 1 or free; the lowest violated index changes set), for units with
  /// more surfaces than enumeration takes; false when it does not settle in 500 exchanges.
  func pivot(size k: Int) -> Bool {
    let tol = tolerance(size: k)
    for i in 0..<k { state[i] = 0 }
    for _ in 0..<500 {
      var (f, g) = (0, 0)
      for i in 0..<k {
        isFree[i] = state[i] == 2
        lambda[i] = state[i] == 1 ? 1 : 0
        if isFree[i] {
          freeIndex[f] = i
          f += 1
        } else {
          fixedIndex[g] = i
          g += 1
        }
      }
      if f > 0 {
        for a in 0..<f {
          let i = freeIndex[a]
          var r = -offset[i]
          for b in 0..<g { r -= jacobian[i * k + fixedIndex[b]] * lambda[fixedIndex[b]] }
          right[a] = r
          for b in 0..<f { system[a * f + b] = jacobian[i * k + freeIndex[b]] }
        }
        guard DenseSolve.solve(system, right, size: f, into: solved) else { return false }
        for a in 0..<f { lambda[freeIndex[a]] = solved[a] }
      }
      var changed = false
      for i in 0..<k where !changed {
        let v = value(i, size: k)
        switch state[i] {
        case 2 where lambda[i] < 0: state[i] = 0
        case 2 where lambda[i] > 1: state[i] = 1
        case 0 where v > tol, 1 where v < -tol: state[i] = 2
        default: continue
        }
        changed = true
      }
      if !changed { return true }
    }
    return false
  }
}
