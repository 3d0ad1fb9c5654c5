import Foundation

/// The samples whose first-layer kink surfaces coincide: x_m = r_m x_n with r_m ≠ 0, so that for every unit
/// z_mj = r_m z_nj and the two pairs sit on one surface w_j·x_n = 0 of w-space (THEORY §7.1).
///
/// **Why it matters.** The Filippov set of a point is the convex hull of the one-sided fields of the regions
/// that meet there. Where the surfaces of a unit's kink pairs are distinct hyperplanes with linearly
/// independent normals, every sign pattern of the pairs is a region, and the slopes range over the whole box
/// [0, 1]^k (``FilippovSlopeSolver``). On one surface shared by several samples only two regions meet:
/// above it (ζ = w_j·x̂ > 0) the samples with r > 0 are active, below it those with r < 0. So one slope
/// λ ∈ [0, 1] serves the whole class — λ for r > 0, 1 − λ for r < 0 — and the unit's row moves by
///
///   Σ_m a_j c_m s_m x_m = a_j Σ_{r_m<0} c_m x_m + λ · a_j C x_rep,   C = Σ_m c_m |r_m|,
///
/// with x_rep the class representative (r_rep = 1). The class is one effective pair with input x_rep,
/// output weight C and a constant part: it attracts (a sliding mode is possible) iff a_j C < 0. Treating the
/// pairs one by one lets λ_m vary independently — on mirror data (x and −x) it holds one sample on the kink
/// with the other inactive, a combination neither side of the surface has, and the flow stops there.
///
/// Classes are found once, by sorting the directions x/‖x‖ (sign fixed so that the first nonzero entry is
/// positive) and grouping neighbours that agree entry by entry to ``tolerance``. Zero inputs are no class.
public struct CoincidentKinks: Sendable {
  /// Whether the Filippov flows merge the classes (config key `kink_surfaces`): `merged` (the default) or
  /// `pairwise`, the per-pair slopes that runs recorded before the key existed used (a run.json without it
  /// replays so, bit for bit).
  public enum Treatment: String, CaseIterable, Sendable, Codable {
    case merged
    case pairwise
  }

  /// Two directions belong to one surface when their unit vectors agree to this, entry by entry: about
  /// 45 ulps of a unit vector's entries, far below any kink band (η ≥ 1e-10), so a pair of surfaces merged
  /// here is inside the band together whenever one of them is.
  public static let tolerance = 1e-14
  /// Per sample: its class representative (itself for a sample alone on its surface, and for the representative).
  public let representative: [Int]
  /// Per sample: r_m with x_m = r_m x_rep (1 for the representative and for lone samples).
  public let ratio: [Double]
  /// The members of each class of two or more samples, representative first (CSR: ``memberStart`` indexes
  /// ``members`` by class, ``classOf`` gives a representative's class, −1 for lone samples).
  public let members: [Int]
  public let memberStart: [Int]
  public let classOf: [Int]
  /// Whether any surface is shared.
  public var isEmpty: Bool { members.isEmpty }

  /// `inputs` row-major N × d; `pairwise` finds no class.
  public init(inputs: [Double], dimension d: Int, treatment: Treatment = .merged) {
    let n = d > 0 && treatment == .merged ? inputs.count / d : 0
    var keys = [Double](repeating: 0, count: n * max(d, 1))
    var norms = [Double](repeating: 0, count: n)
    var valid: [Int] = []
    for m in 0..<n {
      var s = 0.0
      for i in 0..<d { s += inputs[m * d + i] * inputs[m * d + i] }
      norms[m] = s.squareRoot()
      guard norms[m] > 0, norms[m].isFinite else { continue }
      var sign = 0.0
      for i in 0..<d where sign == 0 && inputs[m * d + i] != 0 { sign = inputs[m * d + i] > 0 ? 1 : -1 }
      for i in 0..<d { keys[m * d + i] = sign * inputs[m * d + i] / norms[m] }
      valid.append(m)
    }
    let order = valid.sorted { a, b in
      for i in 0..<d where keys[a * d + i] != keys[b * d + i] { return keys[a * d + i] < keys[b * d + i] }
      return a < b
    }
    var groups: [[Int]] = []
    var start = 0
    while start < order.count {
      var end = start + 1
      while end < order.count && Self.agree(keys, order[end - 1], order[end], d) { end += 1 }
      // The lowest sample index represents the class, so the grouping does not depend on the sort.
      if end - start > 1 { groups.append(order[start..<end].sorted()) }
      start = end
    }
    groups.sort { $0[0] < $1[0] }
    var representative = Array(0..<n)
    var ratio = [Double](repeating: 1, count: n)
    var members: [Int] = []
    var memberStart: [Int] = [0]
    var classOf = [Int](repeating: -1, count: n)
    for group in groups {
      let rep = group[0]
      classOf[rep] = memberStart.count - 1
      for m in group {
        representative[m] = rep
        var dot = 0.0
        for i in 0..<d { dot += inputs[m * d + i] * inputs[rep * d + i] }
        ratio[m] = m == rep ? 1 : (dot >= 0 ? 1 : -1) * norms[m] / norms[rep]
        members.append(m)
      }
      memberStart.append(members.count)
    }
    self.representative = representative
    self.ratio = ratio
    self.members = members
    self.memberStart = memberStart
    self.classOf = classOf
  }

  private static func agree(_ keys: [Double], _ a: Int, _ b: Int, _ d: Int) -> Bool {
    for i in 0..<d where abs(keys[a * d + i] - keys[b * d + i]) > tolerance { return false }
    return true
  }
}
