import ODE

/// The box LCP of one unit, F(λ) = F0 + J λ (``FrozenPatternField/resolve(_:atZero:candidates:coincident:scratch:)``),
/// with every buffer allocated once.
final class UnitBoxLCP {
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
