import ODE

/// A set of first-layer kink surfaces of a net with one hidden layer, grouped by unit (`--sliding exact`).
///
/// A surface is one unit j and one direction x_rep: the pairs (n, j) of the samples whose inputs are
/// parallel to x_rep (x_n = r_n x_rep, ``CoincidentKinks``) all sit on w_j·x_rep = 0 together, so they share
/// one slope share λ ∈ [0, 1]: D_n = α + (1 − α)λ for r_n > 0 and α + (1 − α)(1 − λ) for r_n < 0 (only the two
/// sides of the surface meet there). A sample alone on its surface is a class of one (r = 1).
///
/// Surfaces are appended unit by unit in ascending unit order; ``unitRange(_:)`` gives a unit's surfaces.
/// Every buffer is allocated once, for at most one surface per pair.
final class KinkSurfaceSet {
  let capacity: Int
  let width: Int
  private let arena = ScratchArena()
  /// Per surface: its unit, representative sample and first member (CSR into the member arrays).
  let unit: UnsafeMutablePointer<Int>
  let representative: UnsafeMutablePointer<Int>
  let memberStart: UnsafeMutablePointer<Int>
  /// Per member: its sample and the sign of r (+1: on the representative's side, −1: opposite).
  let memberSample: UnsafeMutablePointer<Int>
  let memberSign: UnsafeMutablePointer<Double>
  /// Per unit: its first surface (`unitStart[width]` = count).
  private let unitStart: UnsafeMutablePointer<Int>
  private(set) var count = 0
  private var memberCount = 0

  init(pairs: Int, width: Int) {
    capacity = max(pairs, 1)
    self.width = width
    unit = arena.buffer(count: capacity)
    representative = arena.buffer(count: capacity)
    memberStart = arena.buffer(count: capacity + 1)
    memberSample = arena.buffer(count: capacity)
    memberSign = arena.buffer(count: capacity)
    unitStart = arena.buffer(count: width + 1)
    removeAll()
  }

  var isEmpty: Bool { count == 0 }

  func removeAll() {
    count = 0
    memberCount = 0
    memberStart[0] = 0
    for j in 0...width { unitStart[j] = 0 }
  }

  /// Starts a surface of `unit` (not below the last surface's unit) with representative `sample`.
  func append(unit j: Int, representative sample: Int) {
    precondition(count < capacity && (count == 0 || unit[count - 1] <= j))
    unit[count] = j
    representative[count] = sample
    count += 1
    memberStart[count] = memberCount
    for k in (j + 1)...width { unitStart[k] = count }
  }

  /// Adds a member to the last surface.
  func addMember(sample: Int, sign: Double) {
    precondition(memberCount < capacity)
    memberSample[memberCount] = sample
    memberSign[memberCount] = sign
    memberCount += 1
    memberStart[count] = memberCount
  }

  /// The members of surface s.
  func members(_ s: Int) -> Range<Int> { memberStart[s]..<memberStart[s + 1] }

  /// The surfaces of unit j.
  func unitRange(_ j: Int) -> Range<Int> { unitStart[j]..<unitStart[j + 1] }

  /// Copies surface s of `other` (its unit must not be below this set's last).
  func append(copyOf s: Int, from other: KinkSurfaceSet) {
    append(unit: other.unit[s], representative: other.representative[s])
    for m in other.members(s) { addMember(sample: other.memberSample[m], sign: other.memberSign[m]) }
  }
}
