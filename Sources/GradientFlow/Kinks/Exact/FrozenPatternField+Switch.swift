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
    coincident: CoincidentKinks, scratch: UnitBoxLCP
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
