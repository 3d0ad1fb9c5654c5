import Foundation
import ODE

/// The unconstrained gradient flow of a two-layer ReLU or leaky-ReLU net, f(x) = Σ_j a_j σ(w_j·x), with the
/// Filippov convex combination on the pairs that slide (THEORY §7.1, `--sliding filippov`).
///
/// Away from the kinks this is ``UnconstrainedFlow``: with c_n = a_n y_n (a_n = −ℓ'(q_n)),
///
///   ẇ_j = a_j Σ_m c_m σ'(z_mj) x_m,   ȧ_j = Σ_m c_m σ(z_mj),   so   ż_nj = a_j Σ_m c_m σ'(z_mj) ⟨x_m, x_n⟩.
///
/// With σ'(0) = 0 the right-hand side jumps where z_nj = 0, and when a_j c_n < 0 the flow is pushed onto
/// z_nj = 0 from both sides: an explicit stepper then chatters across the surface with steps ∝ tol
/// (README "ReLU kinks"). Here the pairs of unit j near the kink (``SlidingPairDetector``: |z_nj| ≤
/// η‖w_j‖‖x_n‖, a_j c_n < 0) get slopes s_nj ∈ [0, 1] from the box QP of ``FilippovSlopeSolver``:
/// sliding pairs (s ∈ (0, 1)) keep ż_nj = −κ_nj z_nj, every other pair keeps its ReLU slope. Units
/// decouple (z_nj depends on w_j only), and ȧ_j is unchanged because σ(0) = 0.
///
/// - Pull-back: entering the band at |z| ≤ η‖w‖‖x‖ instead of at z = 0 would freeze z at up to η
///   relative; κ_nj = κ₀ (Σ_m |c_m|) |a_j| ‖x_n‖/‖w_j‖ (the unit's own coupling rate ż/z, in direction
///   units, so exp(logScale) adapts it to the clock) drives z back to 0 smoothly. The motion it adds
///   lies along x_n, the same direction the exact flow travels in before it reaches z = 0.
/// - Pairs whose Filippov slope sits at the bound that contradicts the sign of z (a crossing pair seen
///   inside the band) are fixed to their ReLU slope and the QP is re-solved, so crossings still happen at
///   z = 0, where the error control locates them.
/// - Along a sliding stretch ⟨x_n, ẇ_j⟩ = −κ z_nj at every stage, a linear relation every Runge–Kutta
///   method preserves: the stepper sees a smooth field, and the cost of a sliding mode is that of its entry.
///
/// - Samples with parallel inputs (x_m = r x_n, e.g. mirror data x and −x) share one kink surface per unit
///   (``CoincidentKinks``): their pairs get one slope λ (1 − λ for r < 0) as one effective pair, since only
///   the two sides of that surface meet there.
///
/// - Leaky ReLU (σ' = α below the kink, 1 above): a pair's slope ranges over [α, 1] instead of [0, 1]. With
///   s = α + μ, μ ∈ [0, 1 − α], the part α a_j c_m x_m is constant and the QP's variable is u_m = μ a_j c_m ∈
///   [(1 − α) a_j c_m, 0]; for a class, u = μ a_j C and the constant part a_j(α Σ_{r_i>0} c_i x_i +
///   Σ_{r_i<0} c_i x_i). α = 0 is the ReLU case, bit for bit.
/// - Pairs can be given a wider band than η (``widen(sample:unit:band:)``): the crossing-corrected steps do
///   so for a pair that chatters across its kink, so the next steps hold it there instead.
///
/// Exact where the Filippov solution is unique (the sliding surfaces of a unit have linearly independent
/// normals: distinct classes of ``CoincidentKinks``).
/// Invariants: as ``UnconstrainedFlow`` (ρ_1² − ρ_2² and the per-neuron a_j² − ‖w_j‖² are conserved by the
/// Filippov flow too, since ⟨w_j, ẇ_j⟩ = a_j ȧ_j holds for every slope). K = 2, ReLU or leaky ReLU.
public final class FilippovFlow: WeightStateFlow, FilippovCounting {
  public let kind = DynamicsKind.unconstrained
  public let network: NetworkEvaluator
  public let loss: Loss
  /// κ₀ of the pull-back (0: none).
  public let pullBack: Double
  /// The largest rate, in the flow's own time t, at which the pull-back may act: κ_nj ← min(κ_nj, limit), with
  /// κ_nj = e^{logScale} κ₀ Σ|w| |a_j| ‖x_n‖ / ‖w_j‖ the rate of ż_nj = −κ_nj z_nj. ∞ (the default) leaves it
  /// as it is; the crossing-corrected steps set it to 1/(h·max(a_1, 1)) per step (``SlidingPullBack``).
  public var pullBackLimit = Double.infinity
  /// σ of the time unit e^σ in which the caller steps (``LogClockEngine``'s rebased t): ``pullBackLimit`` and
  /// ``slidingRate(_:)`` are per that unit, the rate of t times e^σ. 0 (the default): t itself.
  public var logTimeUnit = 0.0
  public var architecture: Architecture { network.architecture }
  public var dimension: Int { architecture.parameterCount }

  /// Owns every buffer below (freed with the flow).
  private let arena = ScratchArena()
  private let inputs: UnsafeMutablePointer<Double>
  /// Where the output weights a_j start in θ (stored: `Architecture.offset` reduces over the layers).
  private let outputOffset: Int
  /// Forward pass, loss weights and backprop with the ReLU slopes (``NetworkForces``).
  private let forces: NetworkForces
  /// c_n = y_n w_n of the last evaluation.
  private var outputWeights: UnsafePointer<Double> { forces.sampleOutputWeights }
  /// η and ‖x_n‖ of the near-kink test of ``SlidingPairDetector``: |z_nj| ≤ η‖w_j‖‖x_n‖.
  private let band: Double
  /// α: the slope below the kink (0 for ReLU).
  private let lowerSlope: Double
  /// The pairs' bands (η unless the chatter hold widened them).
  private let bands: PairBands
  private let inputNorms: UnsafeMutablePointer<Double>
  /// Per unit: ‖w_j‖, 1/‖w_j‖² (∞ when a_j = 0), candidate count, start and fill cursor in `groupedSamples`.
  private let weightNorms: UnsafeMutablePointer<Double>
  private let inverseWeightNorms: UnsafeMutablePointer<Double>
  private let unitCounts: UnsafeMutablePointer<Int>
  private let unitStarts: UnsafeMutablePointer<Int>
  private let unitFill: UnsafeMutablePointer<Int>
  /// The candidate pairs as found (unit, sample), and their samples grouped by unit.
  private let pairCapacity: Int
  private let pairUnits: UnsafeMutablePointer<Int>
  private let pairSamples: UnsafeMutablePointer<Int>
  private let groupedSamples: UnsafeMutablePointer<Int>
  private let solver: FilippovSlopeSolver
  /// Samples sharing a kink surface, and per sample the output weight of its candidacy: c_m for a lone
  /// sample, C = Σ c_i |r_i| of its class for a representative, 0 for the other members (never candidates).
  private let coincident: CoincidentKinks
  private let effectiveWeights: UnsafeMutablePointer<Double>
  /// Sliding pairs (slope in (0, 1)) at the last right-hand side evaluation.
  public private(set) var slidingPairCount = 0
  /// The sliding pairs of the last evaluation, in unit order (the first ``recordedSlidingCount`` entries):
  /// a class of samples on one surface (``CoincidentKinks``) appears as its representative.
  private let slidingUnits: UnsafeMutablePointer<Int>
  private let slidingSamples: UnsafeMutablePointer<Int>
  /// Each recorded sliding pair's QP variable u and its lower bound lo (``FilippovSlopeSolver``: u ∈ [lo, 0],
  /// slope α + (1 − α) u/lo), both times e^{logScale}: rates, in the units of dθ/dt.
  private let slidingRates: UnsafeMutablePointer<Double>
  private let slidingLowerRates: UnsafeMutablePointer<Double>
  /// How many of the last evaluation's sliding pairs are recorded (all but those past ``pairCapacity``).
  public private(set) var recordedSlidingCount = 0
  /// Evaluations whose candidates exceeded a capacity — the solver's per unit or ``pairCapacity`` in
  /// all (the pairs beyond it kept ReLU slopes) — counted once per evaluation.
  public private(set) var overflowCount = 0
  private var overflowed = false
  /// Where a pair leaves a sliding surface that turns repelling (``RepellingExit``); `rounding` unless set.
  public var repellingExit = RepellingExit.rounding
  /// Whether pairs whose slope sits at the bound contradicting their side of the kink are held at their ReLU
  /// slope (``FilippovSlopeSolver/solveKeepingCrossings(size:)``, so that the integrator sees crossings at
  /// z = 0). Without it (the minimizer test's field, ``MinimizerVelocity/clarke``) the slopes are the box QP's
  /// own: the least-norm velocity of the Filippov set over the band's pairs.
  public var keepsCrossings = true
  private let exitRule: RepellingExitRule
  /// Pairs given an exit slope by ``RepellingExitRule`` in the last evaluation.
  public var exitPairCount: Int { repellingExit == .rule ? exitRule.exits : 0 }
  /// Whether an exit slope goes into the frozen pattern too (``ExitPattern``).
  public var exitPattern: ExitPattern {
    get { exitRule.holdsExitSide ? .exitSide : .start }
    set { exitRule.holdsExitSide = newValue == .exitSide }
  }
  /// Whether frozen-pattern evaluations let a pair on its kink to round-off leave at the bound its program gives it,
  /// writing that slope into the frozen pattern (``SlidingExit``; the crossing-corrected steps set it).
  public var slidingExit = SlidingExit.held
  /// |z| ≤ this · ‖w_j‖‖x_n‖: on the kink to round-off (``SlidingExit``).
  public static let kinkRoundoff = 1e-12
  /// Evaluations that gave a pair an exit slope, and evaluations with a unit of two or more repelling pairs in
  /// its band (no rule: they kept their ReLU slopes).
  public private(set) var repellingExitCount = 0
  public private(set) var unresolvedRepellingCount = 0

  /// `inputs` row-major N × d_0 (the network's inputs); `band` is η of ``SlidingPairDetector``.
  /// `surfaces` `.pairwise` keeps the per-pair slopes on coincident surfaces (runs recorded before the merge).
  public init(
    network: NetworkEvaluator, inputs: [Double], loss: Loss, band: Double = 1e-7, pullBack: Double = 1,
    surfaces: CoincidentKinks.Treatment = .merged
  ) throws(ModelError) {
    let architecture = network.architecture
    guard architecture.depth == 2, architecture.activation == .relu || architecture.activation == .leakyRelu else {
      throw .invalidArchitecture(
        "--sliding filippov needs a ReLU or leaky-ReLU network with a hidden layer (got \(architecture.depth) layers, "
          + "\(architecture.activation.rawValue)); use --sliding off")
    }
    try SlidingSetup.validate(network: network, inputs: inputs, band: band, pullBack: pullBack)
    self.network = network
    self.loss = loss
    self.pullBack = pullBack
    let detector = SlidingPairDetector(inputs: inputs, inputDimension: architecture.inputDimension, band: band)
    let n = network.sampleCount
    self.inputs = arena.copy(of: inputs)
    outputOffset = architecture.offset(ofLayer: 2)
    forces = NetworkForces(network: network, loss: loss)
    self.band = band
    lowerSlope = architecture.activation == .leakyRelu ? architecture.leakySlope : 0
    bands = PairBands(band: band, samples: n, width: architecture.layerSizes[1])
    inputNorms = arena.buffer(count: n)
    inputNorms.update(from: detector.inputNorms, count: n)
    let width = architecture.layerSizes[1]
    weightNorms = arena.buffer(count: width)
    inverseWeightNorms = arena.buffer(count: width)
    unitCounts = arena.buffer(count: width)
    unitStarts = arena.buffer(count: width)
    unitFill = arena.buffer(count: width)
    pairCapacity = 4 * n + 1024
    pairUnits = arena.buffer(count: pairCapacity)
    pairSamples = arena.buffer(count: pairCapacity)
    groupedSamples = arena.buffer(count: pairCapacity)
    slidingUnits = arena.buffer(count: pairCapacity)
    slidingSamples = arena.buffer(count: pairCapacity)
    slidingRates = arena.buffer(count: pairCapacity)
    slidingLowerRates = arena.buffer(count: pairCapacity)
    solver = FilippovSlopeSolver(capacity: min(n, 256))
    coincident = CoincidentKinks(inputs: inputs, dimension: architecture.inputDimension, treatment: surfaces)
    effectiveWeights = arena.buffer(count: n)
    exitRule = RepellingExitRule(
      inputs: self.inputs, inputNorms: inputNorms, samples: n, dimension: architecture.inputDimension, width: width,
      outputOffset: outputOffset, lowerSlope: lowerSlope, loss: loss)
  }

  /// Sliding pair i (< ``recordedSlidingCount``) of the last evaluation: its sample (a class's
  /// representative) and unit.
  public func slidingPair(_ i: Int) -> (sample: Int, unit: Int) { (slidingSamples[i], slidingUnits[i]) }

  /// Sliding pair i's slope term in dθ/dt: ẇ_j gets u x_m with u in (lo, 0), u = lo the slope 1, u = 0 the
  /// slope α (both times e^{logScale + logTimeUnit}, so in the units of the rate dθ/dt, per ``logTimeUnit``; for a
  /// class of coincident samples, its representative's term).
  public func slidingRate(_ i: Int) -> (u: Double, lower: Double) { (slidingRates[i], slidingLowerRates[i]) }

  /// Whether pair (n, j) was on its kink to round-off in the last evaluation: |z_nj| ≤ ``kinkRoundoff``·‖w_j‖‖x_n‖
  /// (z is a sum of d products; a projected pair sits at 1e-17, so its side is round-off's).
  public func isOnKinkToRoundoff(sample n: Int, unit j: Int) -> Bool {
    let width = architecture.layerSizes[1]
    let z = network.preActivations(ofLayer: 1)[n * width + j]
    return abs(z) <= Self.kinkRoundoff * weightNorms[j] * inputNorms[n]
  }

  /// The band of pair (m, j): η, or the wider one ``widen(sample:unit:band:)`` gave it.
  public func band(sample m: Int, unit j: Int) -> Double { bands.band(sample: m, unit: j) }

  /// Widens pair (m, j)'s band to `wide` (never below η, never narrower than before): within it the pair is a
  /// candidate for sliding, and the pull-back takes it to z = 0 while it slides.
  public func widen(sample m: Int, unit j: Int, band wide: Double) { bands.widen(sample: m, unit: j, band: wide) }

  /// Gives pair (m, j) the band `narrow` (η) back.
  public func narrow(sample m: Int, unit j: Int, band narrow: Double) {
    bands.narrow(sample: m, unit: j, band: narrow)
  }

  /// direction = Σ_n w_n ∇q_n with the Filippov slopes on sliding pairs, so dθ/dt = exp(logScale) · direction.
  public func velocity(state theta: UnsafePointer<Double>, direction g: UnsafeMutablePointer<Double>) -> FlowVelocity {
    let velocity = forces.evaluate(theta: theta, gradient: g)
    let forceSum = forces.forceSum
    slidingPairCount = 0
    recordedSlidingCount = 0
    overflowed = false
    defer { if overflowed { overflowCount += 1 } }
    let rule = repellingExit == .rule
    if rule { exitRule.reset() }
    let count = collectCandidates(theta)
    defer { if rule { countExits(theta: theta, direction: g) } }
    guard count > 0 else { return velocity }
    let d = architecture.inputDimension
    let width = architecture.layerSizes[1]
    let z = network.preActivations(ofLayer: 1)
    for j in 0..<width where unitCounts[j] > 0 {
      var k = unitCounts[j]
      if k > solver.capacity {
        overflowed = true
        k = solver.capacity
      }
      slidingPairCount += filippovCorrection(
        unit: j, a: theta[outputOffset + j], wNorm: weightNorms[j], forceSum: forceSum,
        logScale: velocity.logScale, candidates: groupedSamples + unitStarts[j], count: k, z: z, width: width,
        gradient: g + j * d)
    }
    return velocity
  }

  /// ``RepellingExitRule`` on the repelling pairs ``collectCandidates(_:)`` found, after the Filippov slopes
  /// (q̇ needs the sliding pairs' rows), and its counts.
  private func countExits(theta: UnsafePointer<Double>, direction g: UnsafeMutablePointer<Double>) {
    exitRule.apply(
      theta: theta, direction: g, network: network, outputWeights: outputWeights, coincident: coincident)
    if exitRule.exits > 0 { repellingExitCount += 1 }
    if exitRule.unresolved { unresolvedRepellingCount += 1 }
  }

  /// The candidate pairs: near the kink (|z_nj| ≤ η‖w_j‖‖x_n‖) and attracting (a_j c_n < 0), grouped by
  /// unit in ascending sample order (``unitCounts``, ``unitStarts``, ``groupedSamples``). Scans Z sample by
  /// sample, contiguously (unit by unit it would stride by the width: at L size a cache miss per pair),
  /// skipping a sample at once when no unit is near (a count of |z_nj|/‖w_j‖ within the band). Returns the count.
  private func collectCandidates(_ theta: UnsafePointer<Double>) -> Int {
    let n = network.sampleCount
    let d = architecture.inputDimension
    let width = architecture.layerSizes[1]
    let z = network.preActivations(ofLayer: 1)
    let c = coincident.isEmpty ? outputWeights : classWeights()
    for j in 0..<width {
      let w = theta + j * d
      var squared = 0.0
      for i in 0..<d { squared += w[i] * w[i] }
      weightNorms[j] = squared.squareRoot()
      // 1/‖w_j‖² for the scan. Units with a_j = 0 have no attracting pair: an infinite value keeps them out.
      // A unit with ‖w_j‖² = 0 (or below the normal range) is never a candidate: its cosine with x_n is
      // undefined, and the pre-filter could not see it.
      inverseWeightNorms[j] = squared.isNormal && theta[outputOffset + j] != 0 ? 1 / squared : .infinity
      unitCounts[j] = 0
    }
    var total = 0
    let pairBands = bands.pairs
    scan: for m in 0..<n {
      let row = z + m * width
      let threshold = bands.samples[m] * inputNorms[m]
      // Pre-filter; the slack keeps it from dropping a pair the exact test below accepts.
      let limit = threshold * (1 + 1e-12)
      guard KinkScan.anyNear(row, inverseSquared: inverseWeightNorms, count: width, limitSquared: limit * limit)
      else { continue }
      for j in 0..<width
      where abs(row[j]) <= (pairBands?[m * width + j] ?? band) * weightNorms[j] * inputNorms[m]
        && inverseWeightNorms[j].isFinite
      {
        guard theta[outputOffset + j] * c[m] < 0 else {
          // Repelling (or c_m = 0): no sliding mode; `rule` chooses its exit side (``RepellingExitRule``).
          if repellingExit == .rule, theta[outputOffset + j] * outputWeights[m] > 0 {
            exitRule.record(sample: m, unit: j)
          }
          continue
        }
        guard total < pairCapacity else {
          overflowed = true
          break scan
        }
        pairUnits[total] = j
        pairSamples[total] = m
        unitCounts[j] += 1
        total += 1
      }
    }
    guard total > 0 else { return 0 }
    var start = 0
    for j in 0..<width {
      unitStarts[j] = start
      start += unitCounts[j]
    }
    for j in 0..<width { unitFill[j] = unitStarts[j] }
    for p in 0..<total {
      let j = pairUnits[p]
      groupedSamples[unitFill[j]] = pairSamples[p]
      unitFill[j] += 1
    }
    return total
  }

  /// ``effectiveWeights`` from c: c_m, the class weight C = Σ_i c_i |r_i| at a representative, 0 at the other members.
  private func classWeights() -> UnsafePointer<Double> {
    let c = outputWeights
    for m in 0..<network.sampleCount {
      effectiveWeights[m] = coincident.representative[m] == m ? c[m] : 0
    }
    for k in 0..<(coincident.memberStart.count - 1) {
      var total = 0.0
      for p in coincident.memberStart[k]..<coincident.memberStart[k + 1] {
        let i = coincident.members[p]
        total += c[i] * abs(coincident.ratio[i])
      }
      effectiveWeights[coincident.members[coincident.memberStart[k]]] = total
    }
    return UnsafePointer(effectiveWeights)
  }

  /// Removes from `row` the contribution a c_i σ'(z_ij) x_i of each member of sample m's class (only m when it
  /// is alone on its surface; σ' = 1 above the kink, α below) and adds the constant part, α a c_m x_m alone and
  /// a(α Σ_{r_i>0} c_i x_i + Σ_{r_i<0} c_i x_i) for a class: what is left is the row without the pair's
  /// variable part, u = μ a C multiplying x_m.
  private func removeCandidate(_ m: Int, unit j: Int, a: Double, width: Int, row: UnsafeMutablePointer<Double>) {
    let d = architecture.inputDimension
    let c = outputWeights
    let cls = coincident.isEmpty ? -1 : coincident.classOf[m]
    guard cls >= 0 else {
      // Backprop's slope minus the constant α: 1 − α above the kink, 0 below.
      guard network.isActive(layer: 1, at: m * width + j) else { return }
      let x = inputs + m * d
      let u = lowerSlope == 0 ? a * c[m] : (1 - lowerSlope) * (a * c[m])
      for i in 0..<d { row[i] -= u * x[i] }
      return
    }
    for p in coincident.memberStart[cls]..<coincident.memberStart[cls + 1] {
      let i = coincident.members[p]
      let x = inputs + i * d
      let active = network.isActive(layer: 1, at: i * width + j)
      let removed = active ? -1 : -lowerSlope
      let kept = coincident.ratio[i] < 0 ? 1 : lowerSlope
      let u = a * c[i] * (removed + kept)
      guard u != 0 else { continue }
      for e in 0..<d { row[e] += u * x[e] }
    }
  }

  /// Replaces the slopes of unit j's candidate pairs in its gradient row (`row` = ẇ_j, d entries, as
  /// backprop wrote it with σ'(0) = 0) by the Filippov slopes; returns the number of sliding pairs.
  private func filippovCorrection(
    unit j: Int, a: Double, wNorm: Double, forceSum: Double, logScale: Double, candidates: UnsafePointer<Int>,
    count k: Int, z: UnsafePointer<Double>, width: Int, gradient row: UnsafeMutablePointer<Double>
  ) -> Int {
    let d = architecture.inputDimension
    let c = coincident.isEmpty ? outputWeights : UnsafePointer(effectiveWeights)
    // base = ẇ_j without the candidates: remove a_j c_m x_m of the active candidates.
    for p in 0..<k { removeCandidate(candidates[p], unit: j, a: a, width: width, row: row) }
    let rate = wNorm > 0 ? pullBack * forceSum * abs(a) / wNorm : 0
    for p in 0..<k {
      let m = candidates[p]
      let x = inputs + m * d
      var q = 0.0
      for i in 0..<d { q += x[i] * row[i] }
      var kappa = rate * inputNorms[m]
      if pullBackLimit.isFinite { kappa = min(kappa, pullBackLimit * exp(-(logScale + logTimeUnit))) }
      solver.linear[p] = q + kappa * z[m * width + j]
      solver.lower[p] = lowerSlope == 0 ? a * c[m] : (1 - lowerSlope) * (a * c[m])
      solver.upper[p] = 0
      solver.status[p] = 0
      for r in 0...p {
        let y = inputs + candidates[r] * d
        var s = 0.0
        for i in 0..<d { s += x[i] * y[i] }
        solver.gram[p * k + r] = s
        solver.gram[r * k + p] = s
      }
    }
    for p in 0..<k { solver.aboveKink[p] = network.isActive(layer: 1, at: candidates[p] * width + j) }
    // ``SlidingExit`` `bound`: a pair on its kink to round-off may leave at either bound (lone samples only).
    let freesSides = slidingExit == .bound && keepsCrossings && network.usesFrozenPattern
    for p in 0..<k {
      let m = candidates[p]
      solver.sideFree[p] =
        freesSides && (coincident.isEmpty || coincident.classOf[m] < 0) && isOnKinkToRoundoff(sample: m, unit: j)
    }
    let sliding = keepsCrossings ? solver.solveKeepingCrossings(size: k) : solver.solveCountingSliding(size: k)
    if freesSides {
      // The bound it leaves at is its side from now on: P_0 takes that slope.
      let slopes = network.frozenSlopes(ofLayer: 1)
      for p in 0..<k where solver.sideFree[p] && (solver.status[p] == 1 || solver.status[p] == 2) {
        slopes[candidates[p] * width + j] = solver.status[p] == 1 ? 1 : lowerSlope
      }
    }
    let scale = exp(logScale + logTimeUnit)
    for p in 0..<k where solver.status[p] == 0 && solver.solution[p] != 0 && solver.solution[p] != solver.lower[p] {
      guard recordedSlidingCount < pairCapacity else { break }
      slidingUnits[recordedSlidingCount] = j
      slidingSamples[recordedSlidingCount] = candidates[p]
      slidingRates[recordedSlidingCount] = solver.solution[p] * scale
      slidingLowerRates[recordedSlidingCount] = solver.lower[p] * scale
      recordedSlidingCount += 1
    }
    for p in 0..<k {
      let u = solver.solution[p]
      guard u != 0 else { continue }
      let x = inputs + candidates[p] * d
      for i in 0..<d { row[i] += u * x[i] }
    }
    return sliding
  }
}
