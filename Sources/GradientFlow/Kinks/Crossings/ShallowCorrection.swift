import CGSL
import ODE

/// The crossing correction of ``CrossingCorrectedStepper`` for a net with one hidden layer
/// (`crossing_kernel` `batched`), with O(d_1) work per path point instead of O(P).
///
/// With f_n = Σ_j v_j m_j z_j, z = W_1 x_n, and g_n = c ∇_θ f_n on the piece of slopes m
/// (c = y_n a_n = y_n · ``Loss/force(margin:)`` at q_n = y_n f_n), a sample's force is
///
///   ∂g_n/∂W_1[j, :] = c v_j m_j x_nᵀ,   ∂g_n/∂v_j = c m_j z_j,
///
/// so any combination of its forces on several pieces at one path point — the correction's
/// Δg = g_n(m) − g_n(m_0), a sliding pair's share of a flip — is, unit by unit, a coefficient k_j:
/// v_j += k_j z_j and W_1[j, :] += k_j v_j x_nᵀ. Along the Hermite path θ̃(s) both z(s) and v(s) are
/// cubics in s from their values and rates at the step's ends (z exactly so: it is linear in θ), so a
/// path point costs O(d_1). The v block's sums are added directly; the W_1 block's go through one
/// coefficient row per followed sample, E (rows × d_1), and are added at the end of the step as
/// Eᵀ X_rows (one GEMM for ∫ Δg dt and one for ∫ (t_1 − t) Δg dt).
///
/// The sums are those of the per-sample kernel (``SampleField``) in another order: the results agree
/// to rounding, not bit for bit.
///
/// **Coincident entries** (``CoincidentEntries`` `merged`). The members of a class of samples on one kink
/// surface (x_m = r_m x_rep, ``CoincidentKinks``) cross each unit's kink together, and only the two sides of
/// that surface meet there. For a member n crossing unit u, the entry test and the Filippov share use the
/// jump of ż_nu summed over the class,
///
///   jump = v_u Σ_m k^flip_{m,u} ⟨x_n, x_m⟩,   k^flip_{m,u} = c_m(u flipped) m'_{m,u} − c_m m_{m,u},
///
/// each member with its own slope on the side it leaves (m_{m,u} = m_{n,u} for r_m/r_n > 0, the other side for
/// r_m/r_n < 0) and the other members on their step-start slopes (their pieces, if they crossed other units in
/// the same step, are left out of the class's rate). One share λ = −rate/jump then serves the class: each member
/// adds λ k^flip_m when it is followed, which together keep ż = 0 on the surface (the mirror pair x, −x gets
/// λ and 1 − λ of the two sides). Lone samples keep the per-sample test, bit for bit.
final class ShallowCorrection {
  /// σ of the stepper's unit of time e^σ: forces are per that unit (``Loss/force(margin:logTimeUnit:)``).
  var logTimeUnit = 0.0
  /// Owns every buffer below (freed with the correction).
  private let arena: ScratchArena
  private let inputDimension: Int
  private let width: Int
  private let sampleCount: Int
  private let loss: Loss
  private let inputs: UnsafeMutablePointer<Double>
  private let labels: UnsafeMutablePointer<Double>
  /// ‖x_n‖² (‖∇_θ z_nj‖² for every unit j).
  private let inputNorms: UnsafeMutablePointer<Double>
  /// One row per followed sample of the step: its coefficients for ∫ Δg dt and for the lever, and x_n.
  private let rowCorrection: UnsafeMutablePointer<Double>
  private let rowLever: UnsafeMutablePointer<Double>
  private let rowInputs: UnsafeMutablePointer<Double>
  private var rows = 0
  /// z(s), v(s), h = m ⊙ z and the coefficients k at one path point.
  private let z: UnsafeMutablePointer<Double>
  private let v: UnsafeMutablePointer<Double>
  private let hidden: UnsafeMutablePointer<Double>
  private let k: UnsafeMutablePointer<Double>
  /// A slope vector with one unit flipped.
  private let flipped: UnsafeMutablePointer<Double>
  /// The classes of samples on one surface whose crossings are merged (nil: `per-sample`, or none), and a
  /// member's slopes before and after its flip.
  private let coincident: CoincidentKinks?
  private let memberSlopes: UnsafeMutablePointer<Double>
  private let memberFlipped: UnsafeMutablePointer<Double>
  private let upperSlope = 1.0
  private let lowerSlope: Double

  /// The step's ends (bound by ``beginStep(_:)``).
  struct Ends {
    var h: Double
    /// θ_0, F_0(θ_0), θ̃_1, F_0(θ̃_1) (θ-sized).
    var start: UnsafePointer<Double>
    var startRate: UnsafePointer<Double>
    var end: UnsafePointer<Double>
    var endRate: UnsafePointer<Double>
    /// z and ż of the hidden layer at both ends (N × d_1).
    var startZ: UnsafePointer<Double>
    var endZ: UnsafePointer<Double>
    var startRateZ: UnsafePointer<Double>
    var endRateZ: UnsafePointer<Double>
    /// The frozen pattern P_0's slopes (N × d_1).
    var frozenSlopes: UnsafePointer<Double>
  }
  private var ends: Ends?

  /// `coincident`: the classes whose crossings are merged (nil for `per-sample` entries).
  init(
    architecture: Architecture, inputs: [Double], labels: [Double], loss: Loss, coincident: CoincidentKinks? = nil
  ) {
    precondition(architecture.depth == 2, "ShallowCorrection: one hidden layer")
    inputDimension = architecture.inputDimension
    width = architecture.layerSizes[1]
    sampleCount = labels.count
    self.loss = loss
    lowerSlope = architecture.activation == .leakyRelu ? architecture.leakySlope : 0
    let arena = ScratchArena()
    self.arena = arena
    let buffer = { (count: Int) in arena.buffer(Double.self, count: count) }
    self.inputs = arena.copy(of: inputs)
    self.labels = arena.copy(of: labels)
    inputNorms = buffer(sampleCount)
    for n in 0..<sampleCount {
      inputNorms[n] = NetworkKernels.dot(
        self.inputs + n * inputDimension, self.inputs + n * inputDimension, inputDimension)
    }
    rowCorrection = buffer(sampleCount * width)
    rowLever = buffer(sampleCount * width)
    rowInputs = buffer(sampleCount * inputDimension)
    z = buffer(width)
    v = buffer(width)
    hidden = buffer(width)
    k = buffer(width)
    flipped = buffer(width)
    self.coincident = coincident.flatMap { $0.isEmpty ? nil : $0 }
    memberSlopes = buffer(width)
    memberFlipped = buffer(width)
  }

  /// Starts a step: no rows yet.
  func beginStep(_ ends: Ends) {
    self.ends = ends
    rows = 0
  }

  /// Starts sample n's row (its coefficients zero, x_n copied).
  func beginSample(_ n: Int) {
    let r = rows
    rows += 1
    (rowCorrection + r * width).update(repeating: 0, count: width)
    (rowLever + r * width).update(repeating: 0, count: width)
    (rowInputs + r * inputDimension).update(from: inputs + n * inputDimension, count: inputDimension)
  }

  /// Adds the rows' W_1 sums to `correction` and `lever` (θ-sized; W_1 is their first d_1 × d_0 block).
  func finishStep(correction: UnsafeMutablePointer<Double>, lever: UnsafeMutablePointer<Double>) {
    guard rows > 0 else { return }
    addRows(rowCorrection, into: correction)
    addRows(rowLever, into: lever)
    rows = 0
  }

  /// W_1 (d_1 × d_0, the first block of `out`) += Eᵀ X_rows.
  private func addRows(_ e: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
    cblas_dgemm(
      CblasRowMajor, CblasTrans, CblasNoTrans, Int32(width), Int32(inputDimension), Int32(rows), 1, e, Int32(width),
      rowInputs, Int32(inputDimension), 1, out, Int32(inputDimension))
  }

  // MARK: - The path

  /// z(s) of sample n and v(s) into `z` and `v`: the cubic Hermite from the step's ends.
  private func load(sample n: Int, at s: Double) {
    guard let ends else { return }
    let s2 = s * s
    let s3 = s2 * s
    let a = 2 * s3 - 3 * s2 + 1
    let b = (s3 - 2 * s2 + s) * ends.h
    let c = -2 * s3 + 3 * s2
    let d = (s3 - s2) * ends.h
    let row = n * width
    let (z0, z1, r0, r1) = (ends.startZ + row, ends.endZ + row, ends.startRateZ + row, ends.endRateZ + row)
    for j in 0..<width { z[j] = a * z0[j] + b * r0[j] + c * z1[j] + d * r1[j] }
    let o = width * inputDimension
    let (v0, v1, w0, w1) = (ends.start + o, ends.end + o, ends.startRate + o, ends.endRate + o)
    for j in 0..<width { v[j] = a * v0[j] + b * w0[j] + c * v1[j] + d * w1[j] }
  }

  /// c = y_n a_n at the loaded point on the piece of slopes m (and m ⊙ z left in `hidden`).
  private func forceFactor(sample n: Int, slopes m: UnsafePointer<Double>) -> Double {
    for j in 0..<width { hidden[j] = m[j] * z[j] }
    let f = NetworkKernels.dot(v, hidden, width)
    let y = labels[n]
    return loss.force(margin: y * f, logTimeUnit: logTimeUnit) * y
  }

  /// Adds k at the loaded point with weights `weight` (∫ Δg dt) and `leverWeight` (∫ (t_1 − t) Δg dt).
  private func accumulate(weight: Double, leverWeight: Double) {
    let r = rows - 1
    let (e, l) = (rowCorrection + r * width, rowLever + r * width)
    // The v block sits after W_1; its sums go straight into the step's vectors.
    for j in 0..<width {
      let kv = k[j] * v[j]
      e[j] += weight * kv
      l[j] += leverWeight * kv
    }
  }

  /// The v-block part of the accumulation (separate: the caller's vectors).
  private func accumulateOutput(
    weight: Double, leverWeight: Double, correction: UnsafeMutablePointer<Double>, lever: UnsafeMutablePointer<Double>
  ) {
    let o = width * inputDimension
    for j in 0..<width {
      let kz = k[j] * z[j]
      correction[o + j] += weight * kz
      lever[o + j] += leverWeight * kz
    }
  }

  // MARK: - The stepper's three operations

  /// Sample n's correction over s ∈ [a, b] on the piece of `slopes` against `startSlopes` (its row: the
  /// last ``beginSample(_:)``), by 3-point Gauss–Legendre as the per-sample kernel.
  func addPiece(
    sample n: Int, slopes m: UnsafePointer<Double>, startSlopes m0: UnsafePointer<Double>, from a: Double,
    to b: Double, correction: UnsafeMutablePointer<Double>, lever: UnsafeMutablePointer<Double>
  ) {
    guard b > a, let h = ends?.h else { return }
    for node in 0..<3 {
      let (x, w) = (Self.gaussNodes[node], Self.gaussWeights[node])
      let s = a + (b - a) * (x + 1) / 2
      let weight = w * (b - a) / 2 * h
      load(sample: n, at: s)
      let c = forceFactor(sample: n, slopes: m)
      let c0 = forceFactor(sample: n, slopes: m0)
      for j in 0..<width { k[j] = c * m[j] - c0 * m0[j] }
      let leverWeight = weight * (1 - s) * h
      accumulate(weight: weight, leverWeight: leverWeight)
      accumulateOutput(weight: weight, leverWeight: leverWeight, correction: correction, lever: lever)
    }
  }

  /// Whether sample n's unit u, crossing at s with dz_u/ds = `slope`, starts to slide there (the test of
  /// ``CrossingCorrectedStepper``: flipping its slope turns ż_u around; ż_u jumps by ∓c v_u ‖x_n‖²).
  func entersSurface(sample n: Int, unit u: Int, at s: Double, slope: Double, slopes m: UnsafePointer<Double>)
    -> Bool
  {
    guard slope != 0, let h = ends?.h else { return false }
    if let cls = classOf(n) {
      let jump = classJump(sample: n, class: cls, unit: u, at: s, slopes: m)
      let rate = slope / h
      return (rate > 0) != (rate + jump > 0)
    }
    load(sample: n, at: s)
    let attraction = forceFactor(sample: n, slopes: m) * v[u]
    guard attraction < 0 else { return false }
    let jump = (m[u] == upperSlope ? -1 : 1) * attraction * inputNorms[n]
    let rate = slope / h
    return (rate > 0) != (rate + jump > 0)
  }

  /// Sample n's correction over [a, 1] where its unit u slides: the Filippov share λ = −rate/jump ∈ [0, 1]
  /// of u's flip that keeps ż_u = 0, on top of the sample's piece when `includesPiece` (3-point
  /// Gauss–Legendre). With J_u = ∇_θ z_u (x_n in W_1's row u): rate = J_u·(θ̃'(s)/h + Δg_piece) =
  /// z_u'(s)/h + k^piece_u v_u ‖x_n‖², jump = J_u·(g(u flipped) − g(m)) = k^flip_u v_u ‖x_n‖².
  ///
  /// Returns the pair's slope term after the entry at the last node (nearest s = 1), in the units of ẇ_u = …
  /// + U x_n: U = c (σ − α) v_u with σ its slope there (the share's combination of the two sides), and the bound
  /// L = c (1 − α) v_u of slope 1 (``FilippovFlow/slidingRate(_:)``'s u and lo), or nil for a class of
  /// coincident samples (one share for the class).
  @discardableResult
  func addSliding(
    sample n: Int, unit u: Int, from a: Double, includesPiece: Bool, slopes m: UnsafePointer<Double>,
    startSlopes m0: UnsafePointer<Double>, correction: UnsafeMutablePointer<Double>,
    lever: UnsafeMutablePointer<Double>
  ) -> (slopeTerm: Double, lower: Double)? {
    guard a < 1, let ends else { return nil }
    var entry: (slopeTerm: Double, lower: Double)?
    let h = ends.h
    flipped.update(from: m, count: width)
    flipped[u] = m[u] == upperSlope ? lowerSlope : upperSlope
    let index = n * width + u
    let (z0, z1) = (ends.startZ[index], ends.endZ[index])
    let (r0, r1) = (h * ends.startRateZ[index], h * ends.endRateZ[index])
    let cls = classOf(n)
    for node in 0..<3 {
      let (x, w) = (Self.gaussNodes[node], Self.gaussWeights[node])
      let s = a + (1 - a) * (x + 1) / 2
      let weight = w * (1 - a) / 2 * h
      // A class's summed jump (it loads the other members' points, so before this sample's).
      var summedJump: Double?
      if let cls { summedJump = classJump(sample: n, class: cls, unit: u, at: s, slopes: m) }
      load(sample: n, at: s)
      let c = forceFactor(sample: n, slopes: m)
      let cFlip = forceFactor(sample: n, slopes: flipped)
      let c0 = includesPiece ? forceFactor(sample: n, slopes: m0) : 0
      let s2 = s * s
      let zRate = (6 * s2 - 6 * s) * (z0 - z1) + (3 * s2 - 4 * s + 1) * r0 + (3 * s2 - 2 * s) * r1
      let piece = includesPiece ? (c * m[u] - c0 * m0[u]) : 0
      let rate = zRate / h + piece * v[u] * inputNorms[n]
      let jump = summedJump ?? (cFlip * flipped[u] - c * m[u]) * v[u] * inputNorms[n]
      let share = jump != 0 ? min(max(-rate / jump, 0), 1) : 0
      if node == 2, cls == nil {
        let slope = m[u] + share * (flipped[u] - m[u])
        entry = (c * (slope - lowerSlope) * v[u], c * (upperSlope - lowerSlope) * v[u])
      }
      for j in 0..<width {
        let flip = cFlip * flipped[j] - c * m[j]
        k[j] = share * flip + (includesPiece ? c * m[j] - c0 * m0[j] : 0)
      }
      let leverWeight = weight * (1 - s) * h
      accumulate(weight: weight, leverWeight: leverWeight)
      accumulateOutput(weight: weight, leverWeight: leverWeight, correction: correction, lever: lever)
    }
    return entry
  }

  // MARK: - Coincident entries

  /// The class of sample n's surface when its crossings are merged, else nil.
  private func classOf(_ n: Int) -> Int? {
    guard let coincident else { return nil }
    let cls = coincident.classOf[coincident.representative[n]]
    return cls >= 0 ? cls : nil
  }

  /// The jump of ż_nu when sample n's class crosses unit u's kink at s (see the type's comment): v_u(s)
  /// Σ_m k^flip_{m,u}(s) ⟨x_n, x_m⟩, sample n on its current `slopes`, the others on their step-start slopes
  /// with u on the side they leave. Leaves the last member's point loaded.
  private func classJump(sample n: Int, class cls: Int, unit u: Int, at s: Double, slopes m: UnsafePointer<Double>)
    -> Double
  {
    guard let coincident, let ends else { return 0 }
    let d = inputDimension
    let xn = inputs + n * d
    let leavesUpper = m[u] == upperSlope
    var total = 0.0
    for p in coincident.memberStart[cls]..<coincident.memberStart[cls + 1] {
      let member = coincident.members[p]
      if member == n {
        memberSlopes.update(from: m, count: width)
      } else {
        memberSlopes.update(from: ends.frozenSlopes + member * width, count: width)
        let sameSide = coincident.ratio[member] * coincident.ratio[n] > 0
        memberSlopes[u] = leavesUpper == sameSide ? upperSlope : lowerSlope
      }
      memberFlipped.update(from: memberSlopes, count: width)
      memberFlipped[u] = memberSlopes[u] == upperSlope ? lowerSlope : upperSlope
      load(sample: member, at: s)
      let c = forceFactor(sample: member, slopes: memberSlopes)
      let cFlip = forceFactor(sample: member, slopes: memberFlipped)
      let flip = cFlip * memberFlipped[u] - c * memberSlopes[u]
      total += flip * NetworkKernels.dot(xn, inputs + member * d, d)
    }
    return total * v[u]
  }

  /// 3-point Gauss–Legendre nodes and weights on [−1, 1] (the per-sample kernel's).
  private static let gaussNodes: [Double] = [-(0.6).squareRoot(), 0, (0.6).squareRoot()]
  private static let gaussWeights: [Double] = [5.0 / 9, 8.0 / 9, 5.0 / 9]
}
