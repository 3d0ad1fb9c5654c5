import CGSL
import Foundation
import ODE

/// The unconstrained flow θ̇ = −∇L of a net with one hidden layer, f(x) = Σ_j a_j σ(w_j·x) (relu or leaky
/// relu), with the activation pattern frozen: the smooth pieces of `--sliding exact` (``EventDrivenStepper``).
///
/// Every pair (n, j) has a fixed slope D_nj ∈ {α, 1} (α the leaky slope, 0 for relu), so σ(z) = D z and
///
///   ȧ_j = Σ_n c_n D_nj z_nj,   ẇ_j = a_j Σ_n c_n D_nj x_n,   c_n = y_n a_n = −y_n ℓ'(q_n),
///
/// a polynomial field in θ between events. The pairs on a sliding surface (``KinkSurfaceSet``) instead take
/// the Filippov slopes that keep them there (the equivalent control): with the surfaces t of unit j
/// contributing λ_t v_t, v_t = (1 − α) Σ_{i∈t} sign_i c_i x_i, and the rest of the row b_j (every other
/// pair's c_n D_nj x_n, and the members' constant parts α or 1), the shares solve
///
///   ⟨x_rep(s), b_j + Σ_t λ_t v_t⟩ = 0   for every surface s of unit j,
///
/// so ż = 0 on each surface at every evaluation (a linear invariant every Runge–Kutta stage keeps). The
/// units decouple (z_nj depends on w_j only), and ȧ_j needs no shares since σ(0) = 0 (the members' z are
/// zero to rounding; their forward slope is the share at the event, held for the piece so the field is smooth).
/// The shares leaving (0, 1) are events too (``lambda``).
final class FrozenPatternField {
  let sampleCount: Int
  let inputDimension: Int
  let width: Int
  let dimension: Int
  let outputOffset: Int
  /// α: the slope below the kink (0 for relu).
  let lowerSlope: Double
  let loss: Loss
  /// The most surfaces one unit may slide on (the equivalent control's system is that large at most).
  let unitCapacity: Int

  private let arena = ScratchArena()
  let inputs: UnsafeMutablePointer<Double>
  let labels: UnsafeMutablePointer<Double>
  let inputNorms: UnsafeMutablePointer<Double>
  /// Per pair (N × width): the forward slope D_nj, the constant part of its backward slope (D_nj off the
  /// sliding surfaces; α or 1 for their members), and whether it slides.
  let slope: UnsafeMutablePointer<Double>
  let constantSlope: UnsafeMutablePointer<Double>
  let isSliding: UnsafeMutablePointer<Bool>
  /// The sliding surfaces, and their shares λ at the last evaluation.
  let sliding: KinkSurfaceSet
  let lambda: UnsafeMutablePointer<Double>
  /// Per sliding surface: the least and largest share of the evaluations since ``resetShareRange()`` (the
  /// Runge–Kutta stages of a step; ``EventDrivenStepper``'s dip search).
  let shareLow: UnsafeMutablePointer<Double>
  let shareHigh: UnsafeMutablePointer<Double>
  /// Pre-activations z (N × width) and c_n of the last evaluation (``prepare(_:)``).
  let z: UnsafeMutablePointer<Double>
  let sampleWeights: UnsafeMutablePointer<Double>
  /// Scratch of a unit's system: the directions v_t (unitCapacity × d), the matrix, right side and pivots.
  let directions: UnsafeMutablePointer<Double>
  let matrix: UnsafeMutablePointer<Double>
  let rhs: UnsafeMutablePointer<Double>
  let solution: UnsafeMutablePointer<Double>
  /// Field evaluations so far.
  var evaluations = 0
  /// Whether z = X Wᵀ and the rows Σ_n c_n D̄_nj x_n are BLAS products (dgemm) rather than the scalar loops.
  /// The implicit pieces (``EventDrivenStepper`` with bsimp) use them: a Jacobian by differences costs 2(P + 1)
  /// evaluations. The explicit pieces keep the loops' summation order, so a stored exact run replays bit for bit.
  var blasProducts = false
  /// ``blasProducts`` where the products are not empty (dgemm wants positive sizes).
  private var usesBLAS: Bool { blasProducts && sampleCount > 0 && width > 0 && inputDimension > 0 }
  /// c_n D̄_nj (N × width) for the BLAS rows.
  private let weightedSlopes: UnsafeMutablePointer<Double>

  init(architecture: Architecture, inputs x: [Double], labels y: [Double], loss: Loss) throws(ModelError) {
    let kinked = architecture.activation == .relu || architecture.activation == .leakyRelu
    guard architecture.depth == 2, kinked else {
      let hidden = architecture.depth - 1
      throw .invalidArchitecture(
        "--sliding exact is implemented for relu or leaky-relu nets with one hidden layer (got \(hidden) hidden "
          + "layer\(hidden == 1 ? "" : "s"), \(architecture.activation.rawValue)); use "
          + (kinked ? "--sliding corrected" : "--sliding off (this net has no kinks)"))
    }
    guard architecture.layerSizes[2] == 1 else {
      throw .invalidArchitecture("--sliding exact needs one output (got \(architecture.layerSizes[2]))")
    }
    let d = architecture.inputDimension
    let n = y.count
    guard x.count == n * d else {
      throw .invalidArchitecture("the exact stepper got \(x.count) input values for \(n) samples of dimension \(d)")
    }
    sampleCount = n
    inputDimension = d
    width = architecture.layerSizes[1]
    dimension = architecture.parameterCount
    outputOffset = architecture.offset(ofLayer: 2)
    lowerSlope = architecture.activation == .leakyRelu ? architecture.leakySlope : 0
    self.loss = loss
    unitCapacity = max(1, min(n, 256))
    inputs = arena.copy(of: x)
    labels = arena.copy(of: y)
    inputNorms = arena.buffer(count: max(n, 1))
    for m in 0..<n {
      var s = 0.0
      for i in 0..<d { s += x[m * d + i] * x[m * d + i] }
      inputNorms[m] = s.squareRoot()
    }
    let pairs = max(n * width, 1)
    slope = arena.buffer(count: pairs)
    constantSlope = arena.buffer(count: pairs)
    isSliding = arena.buffer(count: pairs)
    isSliding.update(repeating: false, count: pairs)
    sliding = KinkSurfaceSet(pairs: pairs, width: width)
    lambda = arena.buffer(count: pairs)
    shareLow = arena.buffer(count: pairs)
    shareLow.update(repeating: .infinity, count: pairs)
    shareHigh = arena.buffer(count: pairs)
    shareHigh.update(repeating: -.infinity, count: pairs)
    z = arena.buffer(count: pairs)
    sampleWeights = arena.buffer(count: max(n, 1))
    directions = arena.buffer(count: unitCapacity * max(d, 1))
    matrix = arena.buffer(count: unitCapacity * unitCapacity)
    rhs = arena.buffer(count: unitCapacity)
    solution = arena.buffer(count: unitCapacity)
    weightedSlopes = arena.buffer(count: pairs)
  }

  /// The pattern of signs at θ: D = 1 where z > 0, α elsewhere; no sliding surface.
  func setSignPattern(_ theta: UnsafePointer<Double>) {
    prepare(theta)
    for p in 0..<(sampleCount * width) {
      slope[p] = z[p] > 0 ? 1 : lowerSlope
      constantSlope[p] = slope[p]
      isSliding[p] = false
    }
    sliding.removeAll()
  }

  /// z and c_n at θ with the forward slopes; false when a force is not finite.
  @discardableResult
  func prepare(_ theta: UnsafePointer<Double>) -> Bool {
    let (d, m) = (inputDimension, width)
    let a = theta + outputOffset
    var finite = true
    if usesBLAS {
      // z (N × m) = X (N × d) · Wᵀ, W the m × d block at the start of θ.
      cblas_dgemm(
        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(sampleCount), Int32(m), Int32(d), 1, inputs, Int32(d), theta,
        Int32(d), 0, z, Int32(m))
    } else {
      for n in 0..<sampleCount {
        let x = inputs + n * d
        for j in 0..<m {
          let w = theta + j * d
          var s = 0.0
          for i in 0..<d { s += w[i] * x[i] }
          z[n * m + j] = s
        }
      }
    }
    for n in 0..<sampleCount {
      var f = 0.0
      for j in 0..<m {
        let s = z[n * m + j]
        f += a[j] * slope[n * m + j] * s
      }
      let force = loss.force(margin: labels[n] * f)
      sampleWeights[n] = force * labels[n]
      finite = finite && force.isFinite
    }
    return finite
  }

  /// dθ/dt on the frozen pattern, with the equivalent control on the sliding surfaces (``lambda``).
  func evaluate(_ theta: UnsafePointer<Double>, into rate: UnsafeMutablePointer<Double>) -> Bool {
    evaluations += 1
    guard prepare(theta) else { return false }
    let (d, m) = (inputDimension, width)
    let c = sampleWeights
    if usesBLAS {
      // The rows (m × d) = (c ⊙ D̄)ᵀ (m × N) · X (N × d), written where the field's w rows go.
      for n in 0..<sampleCount {
        for j in 0..<m { weightedSlopes[n * m + j] = c[n] * constantSlope[n * m + j] }
      }
      cblas_dgemm(
        CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(d), Int32(sampleCount), 1, weightedSlopes, Int32(m),
        inputs, Int32(d), 0, rate, Int32(d))
    }
    for j in 0..<m {
      var s = 0.0
      for n in 0..<sampleCount { s += c[n] * slope[n * m + j] * z[n * m + j] }
      rate[outputOffset + j] = s
      let row = rate + j * d
      if !usesBLAS { baseRow(unit: j, into: row) }
      let surfaces = sliding.unitRange(j)
      if !surfaces.isEmpty { equivalentControl(unit: j, surfaces: surfaces, row: row) }
      let aj = theta[outputOffset + j]
      for i in 0..<d { row[i] *= aj }
    }
    for i in 0..<dimension where !rate[i].isFinite { return false }
    return true
  }

  /// Σ_n c_n D̄_nj x_n with D̄ the constant slopes (the row without the sliding shares, before the factor a_j).
  func baseRow(unit j: Int, into row: UnsafeMutablePointer<Double>) {
    let (d, m) = (inputDimension, width)
    for i in 0..<d { row[i] = 0 }
    for n in 0..<sampleCount {
      let u = sampleWeights[n] * constantSlope[n * m + j]
      guard u != 0 else { continue }
      let x = inputs + n * d
      for i in 0..<d { row[i] += u * x[i] }
    }
  }

  /// Writes the unit system of `surfaces` (of one unit, in `set`) at the last ``prepare(_:)``: v_t into
  /// ``directions``, A_st = ⟨x_rep(s), v_t⟩ into ``matrix`` (k × k) and b_s = ⟨x_rep(s), row⟩ into ``rhs``.
  func unitSystem(surfaces: Range<Int>, of set: KinkSurfaceSet, row: UnsafePointer<Double>) {
    let d = inputDimension
    let k = surfaces.count
    for t in 0..<surfaces.count {
      let s = surfaces.lowerBound + t
      let v = directions + t * d
      for i in 0..<d { v[i] = 0 }
      for member in set.members(s) {
        let u = (1 - lowerSlope) * set.memberSign[member] * sampleWeights[set.memberSample[member]]
        let x = inputs + set.memberSample[member] * d
        for i in 0..<d { v[i] += u * x[i] }
      }
    }
    for r in 0..<surfaces.count {
      let s = surfaces.lowerBound + r
      let x = inputs + set.representative[s] * d
      var b = 0.0
      for i in 0..<d { b += x[i] * row[i] }
      rhs[r] = b
      for t in 0..<k {
        let v = directions + t * d
        var e = 0.0
        for i in 0..<d { e += x[i] * v[i] }
        matrix[r * k + t] = e
      }
    }
  }

  /// Adds Σ_t λ_t v_t to unit j's row with λ solving A λ = −b; a singular system (a_j = 0, or c = 0 on a
  /// surface) keeps the last shares.
  private func equivalentControl(unit j: Int, surfaces: Range<Int>, row: UnsafeMutablePointer<Double>) {
    let d = inputDimension
    let k = surfaces.count
    unitSystem(surfaces: surfaces, of: sliding, row: row)
    for r in 0..<k { rhs[r] = -rhs[r] }
    if DenseSolve.solve(matrix, rhs, size: k, into: solution) {
      for t in 0..<k { lambda[surfaces.lowerBound + t] = solution[t] }
    }
    for s in surfaces {
      shareLow[s] = min(shareLow[s], lambda[s])
      shareHigh[s] = max(shareHigh[s], lambda[s])
    }
    for t in 0..<surfaces.count {
      let s = surfaces.lowerBound + t
      let v = directions + t * d
      let l = lambda[s]
      for i in 0..<d { row[i] += l * v[i] }
    }
  }

  /// Starts a new range of shares (``shareLow``, ``shareHigh``).
  func resetShareRange() {
    shareLow.update(repeating: .infinity, count: sliding.count)
    shareHigh.update(repeating: -.infinity, count: sliding.count)
  }

  /// The relative signed distance side·z/(‖x_n‖‖w_j‖) of pair p at the last ``prepare(_:)`` (negative: on
  /// the other side of its kink than its slope says); +∞ for a sliding pair or a zero input.
  func violation(pair p: Int, theta: UnsafePointer<Double>, weightNorm: Double) -> Double {
    let n = p / width
    guard !isSliding[p], inputNorms[n] > 0 else { return .infinity }
    let side: Double = slope[p] > lowerSlope ? 1 : -1
    return side * z[p] / (inputNorms[n] * weightNorm + 1e-300)
  }

  /// ‖w_j‖ for every unit into `norms`.
  func weightNorms(_ theta: UnsafePointer<Double>, into norms: UnsafeMutablePointer<Double>) {
    let d = inputDimension
    for j in 0..<width {
      var s = 0.0
      for i in 0..<d { s += theta[j * d + i] * theta[j * d + i] }
      norms[j] = s.squareRoot()
    }
  }
}
