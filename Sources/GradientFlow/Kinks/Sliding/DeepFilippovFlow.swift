import Foundation
import ODE

/// The unconstrained gradient flow of a ReLU net with K ≥ 3 layers, with the Filippov convex
/// combination on the (sample, unit) pairs that slide (THEORY §7.1, `--sliding filippov`).
/// ``FilippovFlow`` is the two-layer case, where the units decouple.
///
/// **One slope, one term.** For a hidden pair p = (k, n, j), z_p = W_k[j, :]·h_{k−1,n}, the chain rule
/// routes all of −∇L's dependence on the slope s_p = σ'(z_p) through a single term:
///
///   θ̇ = base + Σ_p u_p J_p,   J_p = ∇_θ z_p,   u_p = c_n g_p s_p,
///
/// with c_n = y_n w_n the output weight of sample n and g_p = ∂f_n/∂h_p the backprop signal reaching
/// unit j from above. J_p depends on sample n's slopes below layer k, g_p on those above it. So when the
/// unknown slopes of each sample lie in one layer, θ̇ is affine in u and
///
///   ż_p = J_p·θ̇ = (G u + q)_p,   G_pp' = J_p·J_p' (a Gram matrix),   q_p = J_p·base,
///
/// the box QP of ``FilippovSlopeSolver`` with u_p ∈ [c_n g_p, 0]. Unlike K = 2 it couples the units: J_p
/// spans W_1 … W_k (its W_k part is h_{k−1,n} in row j, the rest is backprop of z_p through the lower layers).
///
/// - Candidates: pairs near the kink (|z_p| ≤ η‖W_k[j, :]‖‖h_{k−1,n}‖, ``SlidingPairDetector``) that
///   attract (c_n g_p < 0: slope 1 pushes z_p down, slope 0 up). Under `deep_sliding` `highest` only the
///   highest layer with a candidate is treated per sample, and a near-kink pair of a lower layer of the same
///   sample keeps its ReLU slope. Under `joint` (``joint``) every layer's candidates are, and a sample's
///   candidates in different layers are solved together: the upper pairs are cut out of the lower pairs'
///   Jacobians and signals, which keeps θ̇ and ż affine in u and leaves the lower pairs' bounds affine in the
///   upper pairs' u (``SampleCouplings``); the bounds are iterated to a fixed point. A lower pair is then a
///   candidate when it attracts through the cut signal g⁰ or through the ReLU one; one whose bound
///   c_n g_p(s) is not negative at the upper pairs' slopes keeps its ReLU slope. Under `coupled`
///   (``deepSliding``, the default) a lower pair held at slope 1 is also folded into its upper partners'
///   Jacobians and the QP re-solved, so that their conditions see its ż (`solveCoupled`), and a lower pair is
///   also a candidate when it attracts with the upper candidates at slope 1.
/// - Pull-back κ_p = κ₀ (Σ_m |c_m|) |g_p| ‖J_p‖²/(‖W_k[j, :]‖ ‖h_{k−1,n}‖): ``FilippovFlow``'s rate for
///   K = 2 (‖J_p‖ = ‖x_n‖ there), the pair's own coupling rate ż/z in direction units.
/// - Pairs whose slope lands on the bound contradicting the sign of z_p (crossing pairs seen inside the
///   band) are fixed to their ReLU slope and the QP is re-solved, as in ``FilippovFlow``.
///
/// - First-layer pairs can be given a wider band than η (``widen(sample:unit:band:)``), as in
///   ``FilippovFlow``: the crossing-corrected steps do so for a first-layer pair that chatters across its
///   kink (``ChatterMonitor``), so the next steps hold it there; within that band it is a candidate (when it
///   attracts) and the pull-back takes it to z = 0. Deeper pairs keep η.
///
/// Invariants: ⟨W_k, Ẇ_k⟩ = ⟨W_{k+1}, Ẇ_{k+1}⟩ (and the per-neuron balance) hold for any slope on a pair
/// with z_p = 0, since σ(z) = s·z there; inside the band they drift by O(η). ReLU only.
public final class DeepFilippovFlow: WeightStateFlow, FilippovCounting {
  public let kind = DynamicsKind.unconstrained
  public let network: NetworkEvaluator
  public let loss: Loss
  /// κ₀ of the pull-back (0: none).
  public let pullBack: Double
  /// η of the near-kink test of ``SlidingPairDetector``: |z_p| ≤ η‖W_k[j, :]‖‖h_{k−1,n}‖.
  private let band: Double
  /// The first-layer pairs' bands (η unless the chatter hold widened them; deeper pairs always have η).
  private let bands: PairBands
  /// How a sample's candidates in several layers are treated (config key `deep_sliding`, ``DeepSliding``).
  public let deepSliding: DeepSliding
  /// Whether a sample's candidates in several layers are solved together (`coupled`, `joint`), or only its
  /// highest layer's (`highest`, the legacy treatment).
  public let joint: Bool
  /// Whether lower pairs held at slope 1 are folded into their upper partners (`coupled`).
  private let coupled: Bool
  public var architecture: Architecture { network.architecture }
  public var dimension: Int { architecture.parameterCount }

  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  private let inputs: UnsafeMutablePointer<Double>
  /// ‖x_n‖² (layer 1's inputs never change).
  private let inputSquaredNorms: UnsafeMutablePointer<Double>
  /// Forward pass, loss weights and backprop with the ReLU slopes (``NetworkForces``).
  private let forces: NetworkForces
  /// c_n = y_n w_n of the last evaluation.
  private var outputWeights: UnsafePointer<Double> { forces.sampleOutputWeights }
  /// ‖W_k[j, :]‖ of every hidden layer, at `rowNormOffsets[k]`.
  private let rowNorms: UnsafeMutablePointer<Double>
  private let inverseSquaredRowNorms: UnsafeMutablePointer<Double>
  private let rowNormOffsets: [Int]
  /// Offsets of W_k in θ (index k), and layer sizes d_k.
  private let offsets: [Int]
  private let sizes: [Int]
  /// The layer whose pairs of sample n are candidates (0: none).
  private let sampleLayer: UnsafeMutablePointer<Int>
  /// Backprop scratch: the signal ∂f_n/∂h over one layer, twice the widest layer.
  private let signal: UnsafeMutablePointer<Double>
  private let signalBelow: UnsafeMutablePointer<Double>
  /// Per candidate p: layer, sample, unit, g_p, z_p, ‖h_{k−1,n}‖, h_{k−1,n} (widest hidden entries) and
  /// the lower part of J_p (θ entries of W_1 … W_{k−1}, `lowerStride` each).
  private let candidateLayer: UnsafeMutablePointer<Int>
  private let candidateSample: UnsafeMutablePointer<Int>
  private let candidateUnit: UnsafeMutablePointer<Int>
  private let candidateSignal: UnsafeMutablePointer<Double>
  private let candidateZ: UnsafeMutablePointer<Double>
  /// Whether the candidate's unit is active in the forward pass (z > 0, or its frozen slope is 1).
  private let candidateActive: UnsafeMutablePointer<Bool>
  private let candidateInputNorm: UnsafeMutablePointer<Double>
  private let candidateInput: UnsafeMutablePointer<Double>
  private let lowerJacobian: UnsafeMutablePointer<Double>
  private let inputStride: Int
  private let lowerStride: Int
  private let solver: FilippovSlopeSolver
  /// Joint solve only: each sample's candidates as a chain (`sampleHead[m]`, then `candidateNext[p]`; −1
  /// ends it), the cut signals g⁰_p, the couplings D_pq, and c_n g⁰_p, the current bounds and scratch.
  private let sampleHead: UnsafeMutablePointer<Int>
  private let candidateNext: UnsafeMutablePointer<Int>
  private let candidateCutSignal: UnsafeMutablePointer<Double>
  private let cutSignal: UnsafeMutablePointer<Double>
  /// Coupled solve only: the signal with the sample's upper candidates at slope 1 (``UpperSlopes/on``), and
  /// per candidate the largest of its three signals (the pull-back's |g_p|).
  private let onSignal: UnsafeMutablePointer<Double>
  private let candidateSignalSize: UnsafeMutablePointer<Double>
  private let couplings: SampleCouplings
  private let cutBounds: UnsafeMutablePointer<Double>
  private let jointBounds: UnsafeMutablePointer<Double>
  private let boundScratch: UnsafeMutablePointer<Double>
  /// Joint solves whose bounds had not settled after ``jointIterationLimit`` passes (the last pass's slopes kept).
  public private(set) var unsettledJointSolves = 0
  /// Passes of the joint solve's bound iteration, at most.
  static let jointIterationLimit = 12
  /// Coupled solve only: whether candidate p is folded (held at slope 1 and no longer cut from the pairs
  /// above it) or held at its ReLU slope (a crossing pair seen inside the band), and the gradient with the
  /// ReLU slopes, kept for the re-solves.
  private let candidateFolded: UnsafeMutablePointer<Bool>
  private let candidateHeld: UnsafeMutablePointer<Bool>
  private let reluGradient: UnsafeMutablePointer<Double>
  /// Its length: P, kept (``Architecture/parameterCount`` builds arrays).
  private let reluGradientCount: Int
  /// Passes of the coupled solve, at most (each folds or holds at least one more pair).
  static let coupledPassLimit = 16
  /// Coupled solves whose folded pairs' conditions (ż ≥ 0 at slope 1) failed after the last pass, or that
  /// still had pairs to fold or hold after ``coupledPassLimit`` passes (the last pass's slopes kept).
  public private(set) var inconsistentFolds = 0
  /// Sliding pairs (slope in (0, 1)) at the last right-hand side evaluation.
  public private(set) var slidingPairCount = 0
  /// The first-layer pairs that slide at the last evaluation (sample, unit; the first
  /// ``recordedSlidingCount`` entries, in candidate order): the crossing-corrected steps project their rows
  /// onto the kink surfaces (``SlidingProjection``).
  private let slidingSamples: UnsafeMutablePointer<Int>
  private let slidingUnits: UnsafeMutablePointer<Int>
  public private(set) var recordedSlidingCount = 0
  /// Evaluations whose candidate set exceeded the solver's capacity (those pairs kept ReLU slopes).
  public private(set) var overflowCount = 0
  /// The factors a_k (entry k − 1 for layer k) by which a normalized flow scales layer k's tangential velocity
  /// against −∇L, when ``usesLayerMetric`` is set: the Lagrange and weight-normalized flows' Ẇ_k = a_k G_k + β_k W_k
  /// (a_k = ρ_k² or g_k²/c_k², ``NormalizedWeightField``). On a kink ż_p = Σ_{i ≤ k} a_i J_p^{(i)}·G_i exactly: z_p is
  /// 1-homogeneous in each W_i below it, so the radial terms give Σ β_i z_p = 0 there. So the sliding conditions
  /// are the box QP with the a-weighted Gram matrix Σ_i a_i J_p^{(i)}·J_q^{(i)} and linear term Σ_i a_i J_p^{(i)}·base_i,
  /// and the pull-back's ‖J_p‖² a-weighted too; the direction returned is still G with those slopes, which the
  /// flow maps to its own velocity. (With one hidden layer every pair has i = 1 only, a common factor, which is why
  /// ``FilippovFlow`` needs none.) The flow writes the factors before each evaluation. Inside the band the radial
  /// terms add R_k z_p, R_k = Σ_{i ≤ k} β_i with β_i = (1 − a_i) ν̃/‖W_i‖² (both flows: ⟨W_i, G_i⟩ = ν̃ and
  /// Ẇ_i = a_i G_i + (1 − a_i)(⟨W_i, G_i⟩/‖W_i‖²) W_i), which the linear term includes, so that the pull-back
  /// holds z_p → 0 against them too: where R_k > 0 they push z_p off its kink (the terms are O(z), so on the kink
  /// itself nothing changes). (a_k here is the flow's exact factor: ρ_k²/‖V_k‖ and g_k²/‖v_k‖², which are ρ_k² and
  /// g_k²/c_k² while the norms hold.)
  public let layerMetric: UnsafeMutablePointer<Double>
  /// As ``FilippovFlow/keepsCrossings``: false gives the box QP's own slopes (the minimizer test's field);
  /// the coupled treatment (``DeepSliding/coupled``) holds crossing pairs itself either way.
  public var keepsCrossings = true
  public var usesLayerMetric = false
  /// R_k of the radial terms (entry k − 1 for layer k) at the last evaluation, under ``usesLayerMetric``.
  private let radialRates: UnsafeMutablePointer<Double>

  /// `inputs` row-major N × d_0 (the network's inputs); `band` is η of ``SlidingPairDetector``;
  /// `deepSliding` the treatment of a sample's candidates in several layers (``DeepSliding``).
  public init(
    network: NetworkEvaluator, inputs: [Double], loss: Loss, band: Double = 1e-7, pullBack: Double = 1,
    deepSliding: DeepSliding = .highest
  ) throws(ModelError) {
    let architecture = network.architecture
    guard architecture.depth >= 3, architecture.activation == .relu else {
      throw .invalidArchitecture(
        "the deep Filippov flow needs a ReLU network with at least three layers (got \(architecture.depth), "
          + "\(architecture.activation.rawValue)); use --sliding off")
    }
    try SlidingSetup.validate(network: network, inputs: inputs, band: band, pullBack: pullBack)
    self.network = network
    self.loss = loss
    self.pullBack = pullBack
    self.band = band
    self.deepSliding = deepSliding
    joint = deepSliding.solvesJointly
    coupled = deepSliding == .coupled
    let n = network.sampleCount
    let depth = architecture.depth
    sizes = architecture.layerSizes
    offsets = (0...depth).map { $0 == 0 ? 0 : architecture.offset(ofLayer: $0) }
    var normOffsets = [0]
    for k in 1..<depth { normOffsets.append(normOffsets[k - 1] + (k > 1 ? sizes[k - 1] : 0)) }
    normOffsets.append(normOffsets[depth - 1] + sizes[depth - 1])
    rowNormOffsets = normOffsets
    inputStride = sizes[0..<(depth - 1)].max() ?? 1
    lowerStride = max(offsets[depth - 1], 1)
    // Capacity: every buffer stays below 2^22 doubles (32 MiB) of lower Jacobians.
    let capacity = max(8, min(256, n * architecture.hiddenWidths.reduce(0, +), (1 << 22) / lowerStride))
    self.inputs = arena.copy(of: inputs)
    inputSquaredNorms = arena.buffer(count: n)
    for m in 0..<n {
      inputSquaredNorms[m] = Self.squaredNorm(self.inputs + m * sizes[0], count: sizes[0], rectified: false)
    }
    forces = NetworkForces(network: network, loss: loss)
    rowNorms = arena.buffer(count: normOffsets[depth])
    inverseSquaredRowNorms = arena.buffer(count: normOffsets[depth])
    sampleLayer = arena.buffer(count: n)
    bands = PairBands(band: band, samples: n, width: sizes[1])
    let widest = sizes.max() ?? 1
    signal = arena.buffer(count: widest)
    signalBelow = arena.buffer(count: widest)
    candidateLayer = arena.buffer(count: capacity)
    candidateSample = arena.buffer(count: capacity)
    candidateUnit = arena.buffer(count: capacity)
    candidateSignal = arena.buffer(count: capacity)
    candidateZ = arena.buffer(count: capacity)
    candidateActive = arena.buffer(count: capacity)
    candidateInputNorm = arena.buffer(count: capacity)
    candidateInput = arena.buffer(count: capacity * inputStride)
    lowerJacobian = arena.buffer(count: capacity * lowerStride)
    solver = FilippovSlopeSolver(capacity: capacity)
    slidingSamples = arena.buffer(count: capacity)
    slidingUnits = arena.buffer(count: capacity)
    sampleHead = arena.buffer(count: max(n, 1))
    candidateNext = arena.buffer(count: capacity)
    candidateCutSignal = arena.buffer(count: capacity)
    cutSignal = arena.buffer(count: widest)
    onSignal = arena.buffer(count: widest)
    candidateSignalSize = arena.buffer(count: capacity)
    couplings = SampleCouplings(capacity: joint ? capacity : 1)
    cutBounds = arena.buffer(count: capacity)
    jointBounds = arena.buffer(count: capacity)
    boundScratch = arena.buffer(count: capacity)
    candidateFolded = arena.buffer(count: capacity)
    candidateHeld = arena.buffer(count: capacity)
    reluGradientCount = coupled ? architecture.parameterCount : 1
    reluGradient = arena.buffer(count: reluGradientCount)
    layerMetric = arena.buffer(count: depth)
    for k in 0..<depth { layerMetric[k] = 1 }
    radialRates = arena.buffer(count: depth)
  }

  /// a_i of layer i (1-based) under ``usesLayerMetric``, else 1.
  @inline(__always)
  private func metric(_ layer: Int) -> Double { usesLayerMetric ? layerMetric[layer - 1] : 1 }

  /// The band of first-layer pair (m, j): η, or the wider one ``widen(sample:unit:band:)`` gave it.
  public func band(sample m: Int, unit j: Int) -> Double { bands.band(sample: m, unit: j) }

  /// Widens first-layer pair (m, j)'s band to `wide` (never below η, never narrower than before): within it
  /// the pair is a candidate for sliding when it attracts.
  public func widen(sample m: Int, unit j: Int, band wide: Double) { bands.widen(sample: m, unit: j, band: wide) }

  /// Gives first-layer pair (m, j) the band `narrow` (at least η) back.
  public func narrow(sample m: Int, unit j: Int, band narrow: Double) {
    bands.narrow(sample: m, unit: j, band: narrow)
  }

  /// First-layer sliding pair i (< ``recordedSlidingCount``) of the last evaluation.
  public func slidingPair(_ i: Int) -> (sample: Int, unit: Int) { (slidingSamples[i], slidingUnits[i]) }

  /// direction = Σ_n w_n ∇q_n with the Filippov slopes on sliding pairs, so dθ/dt = exp(logScale) · direction.
  public func velocity(state theta: UnsafePointer<Double>, direction g: UnsafeMutablePointer<Double>) -> FlowVelocity {
    let velocity = forces.evaluate(theta: theta, gradient: g)
    let forceSum = forces.forceSum
    recordedSlidingCount = 0
    let count = collectCandidates(theta)
    if usesLayerMetric, count > 0 { writeRadialRates(weightedMargin: velocity.weightedMargin) }
    slidingPairCount = count > 0 ? applyFilippovSlopes(theta, count: count, forceSum: forceSum, gradient: g) : 0
    return velocity
  }

  /// R_k = Σ_{i ≤ k} (1 − a_i) ν̃/‖W_i‖² from the row norms of ``collectCandidates(_:)`` (``layerMetric``).
  private func writeRadialRates(weightedMargin nu: Double) {
    var sum = 0.0
    for k in 1..<architecture.depth {
      var squared = 0.0
      for j in 0..<sizes[k] { squared += rowNorms[rowNormOffsets[k] + j] * rowNorms[rowNormOffsets[k] + j] }
      if squared > 0 { sum += (1 - layerMetric[k - 1]) * nu / squared }
      radialRates[k - 1] = sum
    }
  }

  /// Finds the candidate pairs, top layer first, and fills their layer, sample, unit, signal, z and input.
  /// Returns how many there are. Row norms and ‖h_{k−1,n}‖ are recomputed here (O(P + N·Σd_k), small
  /// beside the forward pass).
  private func collectCandidates(_ theta: UnsafePointer<Double>) -> Int {
    let n = network.sampleCount
    let depth = architecture.depth
    for k in 1..<depth {
      let (rows, columns) = (sizes[k], sizes[k - 1])
      let w = theta + offsets[k]
      let norms = rowNorms + rowNormOffsets[k]
      let inverse = inverseSquaredRowNorms + rowNormOffsets[k]
      for j in 0..<rows {
        norms[j] = Self.squaredNorm(w + j * columns, count: columns, rectified: false).squareRoot()
        // A unit with ‖w_j‖² = 0 (or below the normal range) is never a candidate: its cosine with h_n is
        // undefined, and the pre-filter could not see it.
        inverse[j] = (norms[j] * norms[j]).isNormal ? 1 / (norms[j] * norms[j]) : .infinity
      }
    }
    sampleLayer.update(repeating: 0, count: n)
    if joint { sampleHead.update(repeating: -1, count: n) }
    var count = 0
    for k in stride(from: depth - 1, through: 1, by: -1) {
      let (width, columns) = (sizes[k], sizes[k - 1])
      let z = network.preActivations(ofLayer: k)
      let below: UnsafePointer<Double> = k == 1 ? UnsafePointer(inputs) : network.preActivations(ofLayer: k - 1)
      let norms = rowNorms + rowNormOffsets[k]
      let inverse = inverseSquaredRowNorms + rowNormOffsets[k]
      for m in 0..<n where joint || sampleLayer[m] == 0 {
        // ‖h_{k−1,m}‖² (σ(z) = max(z, 0); the inputs themselves for k = 1, kept from init).
        let h = below + m * columns
        let squared = k == 1 ? inputSquaredNorms[m] : Self.squaredNorm(h, count: columns, rectified: true)
        // Joint solve: h_{k−1,m} = 0 (every unit below dead) puts the layer's pairs at z ≡ 0 with J_p = 0 in
        // W_k; they leave only when a lower unit switches on, so they are no sliding candidates.
        if joint, !(squared > 0) { continue }
        let zRow = z + m * width
        // The widest band of the sample's pairs in this layer (only first-layer pairs are ever widened).
        let band = k == 1 ? bands.samples[m] : self.band
        let pairBands = k == 1 ? bands.pairs.map { $0 + m * width } : nil
        // Most samples have no unit near a kink: the pre-filter works with squares (no square root per
        // sample); its slack keeps it from dropping a pair the exact test below accepts.
        let slack = 1 + 1e-12
        guard
          KinkScan.anyNear(
            zRow, inverseSquared: inverse, count: width, limitSquared: band * band * squared * slack * slack)
        else { continue }
        let inputNorm = squared.squareRoot()
        backpropagateSignal(theta, sample: m, toLayer: k, upper: .relu, into: signal)
        // The cut signal g⁰ (the sample's upper candidates' slopes 0): the ReLU one when it has none.
        let cut = joint && sampleHead[m] >= 0
        if cut { backpropagateSignal(theta, sample: m, toLayer: k, upper: .cut, into: cutSignal) }
        // Coupled: also the signal with them at slope 1, where a pair whose ReLU and cut signals vanish
        // (its only active path to f through an upper candidate below its kink) can attract.
        let on = coupled && cut
        if on { backpropagateSignal(theta, sample: m, toLayer: k, upper: .on, into: onSignal) }
        let c = outputWeights[m]
        for j in 0..<width
        where (c * signal[j] < 0 || (cut && c * cutSignal[j] < 0) || (on && c * onSignal[j] < 0))
          && abs(zRow[j]) <= (pairBands?[j] ?? self.band) * inputNorm * norms[j] && inverse[j].isFinite
        {
          guard count < solver.capacity else {
            overflowCount += 1
            return count
          }
          candidateLayer[count] = k
          candidateSample[count] = m
          candidateUnit[count] = j
          candidateSignal[count] = signal[j]
          candidateZ[count] = zRow[j]
          candidateInputNorm[count] = inputNorm
          let input = candidateInput + count * inputStride
          for i in 0..<columns {
            input[i] = k == 1 || network.isActive(layer: k - 1, at: m * columns + i) ? h[i] : 0
          }
          candidateActive[count] = network.isActive(layer: k, at: m * width + j)
          candidateFolded[count] = false
          candidateHeld[count] = false
          sampleLayer[m] = k
          if joint {
            // Chained at once: the cut signal above was taken before, and only the layers above count there.
            candidateCutSignal[count] = cut ? cutSignal[j] : signal[j]
            candidateSignalSize[count] = max(
              abs(signal[j]), abs(candidateCutSignal[count]), on ? abs(onSignal[j]) : 0)
            candidateNext[count] = sampleHead[m]
            sampleHead[m] = count
          }
          count += 1
        }
      }
    }
    return count
  }

  /// Σ_i v_i² (of max(v_i, 0) when `rectified`), with four partial sums.
  @inline(__always)
  private static func squaredNorm(_ v: UnsafePointer<Double>, count: Int, rectified: Bool) -> Double {
    var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
    var i = 0
    while i + 4 <= count {
      var (a, b, c, d) = (v[i], v[i + 1], v[i + 2], v[i + 3])
      if rectified { (a, b, c, d) = (max(a, 0), max(b, 0), max(c, 0), max(d, 0)) }
      s0 += a * a
      s1 += b * b
      s2 += c * c
      s3 += d * d
      i += 4
    }
    while i < count {
      let a = rectified ? max(v[i], 0) : v[i]
      s0 += a * a
      i += 1
    }
    return (s0 + s1) + (s2 + s3)
  }

  /// The slopes backprop gives a sample's candidates above the target layer (``backpropagateSignal``).
  enum UpperSlopes {
    /// The ReLU slopes.
    case relu
    /// Slope 0 (the cut signal g⁰ of the joint solve; folded candidates keep slope 1).
    case cut
    /// Slope 1 (the coupled solve's candidate test).
    case on
  }

  /// out = ∂f_m/∂h_k (d_k entries) with the ReLU slopes above layer k:
  /// e_{K−1} = W_K[0, :],  e_{i−1} = W_iᵀ (e_i ⊙ σ'(z_i)); sample m's candidates above layer k get the slopes
  /// `upper` says.
  private func backpropagateSignal(
    _ theta: UnsafePointer<Double>, sample m: Int, toLayer k: Int, upper: UpperSlopes,
    into out: UnsafeMutablePointer<Double>
  ) {
    let depth = architecture.depth
    let top = sizes[depth - 1]
    for j in 0..<top { out[j] = theta[offsets[depth] + j] }
    var i = depth - 1
    while i > k {
      let (rows, columns) = (sizes[i], sizes[i - 1])
      let w = theta + offsets[i]
      for c in 0..<columns { signalBelow[c] = 0 }
      for r in 0..<rows {
        let active = network.isActive(layer: i, at: m * rows + r)
        switch upper {
        case .relu: guard active else { continue }
        case .cut: guard active, !isCandidate(sample: m, layer: i, unit: r) else { continue }
        case .on: guard active || isCandidate(sample: m, layer: i, unit: r) else { continue }
        }
        let e = out[r]
        for c in 0..<columns { signalBelow[c] += w[r * columns + c] * e }
      }
      for c in 0..<columns { out[c] = signalBelow[c] }
      i -= 1
    }
  }

  /// The candidate (sample m, layer k, unit j) of the joint solve's chains, or nil (also when it is folded).
  @inline(__always)
  private func candidate(sample m: Int, layer k: Int, unit j: Int) -> Int? {
    var p = sampleHead[m]
    while p >= 0 {
      if candidateLayer[p] == k, candidateUnit[p] == j, !candidateFolded[p] { return p }
      p = candidateNext[p]
    }
    return nil
  }

  @inline(__always)
  private func isCandidate(sample m: Int, layer k: Int, unit j: Int) -> Bool {
    candidate(sample: m, layer: k, unit: j) != nil
  }

  /// Joint solve: cuts sample m's candidates of layer i out of `delta` (∂z_p/∂z_i of upper candidate p, its
  /// ReLU slopes applied), recording D_pq = ∂z_p/∂h_q (`preSlope`, before the slopes) for each; folded
  /// candidates stay in (slope 1).
  @inline(__always)
  private func cutLowerCandidates(
    upper p: Int, layer i: Int, delta: UnsafeMutablePointer<Double>, preSlope: UnsafePointer<Double>
  ) {
    let m = candidateSample[p]
    var q = sampleHead[m]
    while q >= 0 {
      if candidateLayer[q] == i, !candidateFolded[q] {
        couplings.add(upper: p, lower: q, value: preSlope[candidateUnit[q]])
        delta[candidateUnit[q]] = 0
      }
      q = candidateNext[q]
    }
  }

  /// Writes the lower part of J_p (∂z_p/∂W_1 … ∂z_p/∂W_{k−1}) and returns its squared norm:
  /// δ_{k−1} = W_k[j, :]ᵀ ⊙ σ'(z_{k−1}),  ∂z_p/∂W_i = δ_i h_{i−1}ᵀ,  δ_{i−1} = (W_iᵀ δ_i) ⊙ σ'(z_{i−1}).
  private func writeLowerJacobian(_ theta: UnsafePointer<Double>, candidate p: Int) -> Double {
    let k = candidateLayer[p]
    guard k > 1 else { return 0 }
    let m = candidateSample[p]
    let row = lowerJacobian + p * lowerStride
    let columnsK = sizes[k - 1]
    let wRow = theta + offsets[k] + candidateUnit[p] * columnsK
    for c in 0..<columnsK { signal[c] = network.isActive(layer: k - 1, at: m * columnsK + c) ? wRow[c] : 0 }
    let cuts = joint && sampleHead[m] >= 0
    if cuts { cutLowerCandidates(upper: p, layer: k - 1, delta: signal, preSlope: wRow) }
    var squared = 0.0
    var i = k - 1
    while i >= 1 {
      let (rows, columns) = (sizes[i], sizes[i - 1])
      let block = row + offsets[i]
      // h_{i−1,m}: the input row, or σ(z_{i−1}) = max(z, 0).
      let input = i == 1 ? UnsafePointer(inputs) + m * columns : network.preActivations(ofLayer: i - 1) + m * columns
      let weight = metric(i)  // 1 without the layer metric: (1·v)·v = v·v, the unweighted sum bit for bit
      for r in 0..<rows {
        let e = signal[r]
        for c in 0..<columns {
          let value = i == 1 || network.isActive(layer: i - 1, at: m * columns + c) ? e * input[c] : 0
          block[r * columns + c] = value
          squared += weight * value * value
        }
      }
      guard i > 1 else { break }
      let w = theta + offsets[i]
      for c in 0..<columns { signalBelow[c] = 0 }
      for r in 0..<rows where signal[r] != 0 {
        let e = signal[r]
        for c in 0..<columns { signalBelow[c] += w[r * columns + c] * e }
      }
      for c in 0..<columns { signal[c] = network.isActive(layer: i - 1, at: m * columns + c) ? signalBelow[c] : 0 }
      if cuts { cutLowerCandidates(upper: p, layer: i - 1, delta: signal, preSlope: signalBelow) }
      i -= 1
    }
    return squared
  }

  /// J_p·v for a θ-sized vector v (a-weighted per layer under ``usesLayerMetric``).
  @inline(__always)
  private func jacobianDot(_ p: Int, _ v: UnsafePointer<Double>) -> Double {
    let k = candidateLayer[p]
    let columns = sizes[k - 1]
    let h = candidateInput + p * inputStride
    let rowOfV = v + offsets[k] + candidateUnit[p] * columns
    var s = 0.0
    for c in 0..<columns { s += h[c] * rowOfV[c] }
    let lower = lowerJacobian + p * lowerStride
    guard usesLayerMetric else {
      for i in 0..<offsets[k] { s += lower[i] * v[i] }
      return s
    }
    s *= metric(k)
    for layer in 1..<k {
      var part = 0.0
      for i in offsets[layer]..<offsets[layer + 1] { part += lower[i] * v[i] }
      s += metric(layer) * part
    }
    return s
  }

  /// v += scale · J_p.
  @inline(__always)
  private func addJacobian(_ p: Int, scale: Double, to v: UnsafeMutablePointer<Double>) {
    let k = candidateLayer[p]
    let columns = sizes[k - 1]
    let h = candidateInput + p * inputStride
    let rowOfV = v + offsets[k] + candidateUnit[p] * columns
    for c in 0..<columns { rowOfV[c] += scale * h[c] }
    let lower = lowerJacobian + p * lowerStride
    for i in 0..<offsets[k] { v[i] += scale * lower[i] }
  }

  /// J_p·J_q from the stored parts: the lower parts overlap on W_1 … W_{k−1} of the lower pair; the
  /// W_k row of the lower pair meets the other's lower part (layers differ) or its own row (same unit).
  private func jacobianProduct(_ p: Int, _ q: Int) -> Double {
    let (a, b) = candidateLayer[p] <= candidateLayer[q] ? (p, q) : (q, p)
    let k = candidateLayer[a]
    let lowerA = lowerJacobian + a * lowerStride
    let lowerB = lowerJacobian + b * lowerStride
    var s = 0.0
    let columns = sizes[k - 1]
    let h = candidateInput + a * inputStride
    let other: UnsafePointer<Double>? =
      candidateLayer[b] == k
      ? (candidateUnit[a] == candidateUnit[b] ? UnsafePointer(candidateInput + b * inputStride) : nil)
      : UnsafePointer(lowerB + offsets[k] + candidateUnit[a] * columns)
    guard usesLayerMetric else {
      for i in 0..<offsets[k] { s += lowerA[i] * lowerB[i] }
      if let other { for c in 0..<columns { s += h[c] * other[c] } }
      return s
    }
    for layer in 1..<k {
      var part = 0.0
      for i in offsets[layer]..<offsets[layer + 1] { part += lowerA[i] * lowerB[i] }
      s += metric(layer) * part
    }
    var row = 0.0
    if let other { for c in 0..<columns { row += h[c] * other[c] } }
    return s + metric(k) * row
  }

  /// Replaces the candidates' ReLU slopes in the gradient by their Filippov slopes; returns the number of
  /// sliding pairs.
  private func applyFilippovSlopes(
    _ theta: UnsafePointer<Double>, count: Int, forceSum: Double, gradient g: UnsafeMutablePointer<Double>
  ) -> Int {
    if coupled { reluGradient.update(from: g, count: reluGradientCount) }
    assemble(theta, count: count, forceSum: forceSum, gradient: g)
    let sliding =
      coupled && couplings.count > 0
      ? solveCoupled(theta, count: count, forceSum: forceSum, gradient: g)
      : joint && couplings.count > 0
        ? solveJointly(count: count, keepingCrossings: keepsCrossings)
        : keepsCrossings ? solver.solveKeepingCrossings(size: count) : solver.solveCountingSliding(size: count)
    for p in 0..<count
    where candidateLayer[p] == 1 && solver.status[p] == 0 && solver.solution[p] != 0
      && solver.solution[p] != solver.lower[p]
    {
      slidingSamples[recordedSlidingCount] = candidateSample[p]
      slidingUnits[recordedSlidingCount] = candidateUnit[p]
      recordedSlidingCount += 1
    }
    for p in 0..<count where solver.solution[p] != 0 { addJacobian(p, scale: solver.solution[p], to: g) }
    return sliding
  }

  /// Writes the candidates' Jacobians (and the joint solve's couplings), turns g into base (θ̇ without the
  /// unfolded candidates: c_n g_p J_p of the active ones removed; J⁰_p and the ReLU signal g_p in the joint
  /// solve, the split of ``SampleCouplings``) and fills the solver's Gram matrix, linear term and boxes.
  private func assemble(
    _ theta: UnsafePointer<Double>, count: Int, forceSum: Double, gradient g: UnsafeMutablePointer<Double>
  ) {
    if joint { couplings.reset() }
    for p in 0..<count {
      let squaredLower = writeLowerJacobian(theta, candidate: p)
      let inputNorm = candidateInputNorm[p]
      let weightNorm = rowNorms[rowNormOffsets[candidateLayer[p]] + candidateUnit[p]]
      let rowSquared = inputNorm * inputNorm
      let jacobianSquared = squaredLower + (usesLayerMetric ? metric(candidateLayer[p]) * rowSquared : rowSquared)
      let bound = outputWeights[candidateSample[p]] * candidateSignal[p]
      let scale = weightNorm * inputNorm
      solver.lower[p] = bound
      solver.upper[p] = 0
      solver.status[p] = 0
      // The pull-back rate, stored in `linear` until the base is final.
      let signalSize =
        coupled
        ? candidateSignalSize[p]
        : joint ? max(abs(candidateSignal[p]), abs(candidateCutSignal[p])) : abs(candidateSignal[p])
      solver.linear[p] = scale > 0 ? pullBack * forceSum * signalSize * jacobianSquared / scale : 0
      if candidateActive[p], !candidateFolded[p] { addJacobian(p, scale: -bound, to: g) }
    }
    for p in 0..<count {
      let rate = usesLayerMetric ? solver.linear[p] + radialRates[candidateLayer[p] - 1] : solver.linear[p]
      solver.linear[p] = jacobianDot(p, g) + rate * candidateZ[p]
      for q in 0...p {
        let s = jacobianProduct(p, q)
        solver.gram[p * count + q] = s
        solver.gram[q * count + p] = s
      }
    }
    for p in 0..<count { solver.aboveKink[p] = candidateActive[p] }
  }

  /// The coupled solve (`deep_sliding` `coupled`). A lower pair q held at slope 1 (at its bound, or keeping
  /// its ReLU slope) has ḣ_q = ż_q, which need not vanish, so its upper partners' ż_p = ż⁰_p + Σ D_pq ż_q
  /// differ from the ż⁰_p of the joint solve. With s_q = 1, u_q = c_n g⁰_q + Σ_p D_pq u_p, and
  ///
  ///   θ̇ = (base⁰ + c_n g⁰_q J_q) + Σ_{p ≠ q} u_p (J⁰_p + D_pq J_q),
  ///
  /// which is the split of ``SampleCouplings`` without q among the candidates: q is folded (no longer cut
  /// from the paths above it, its u fixed at 0 since its term is in base and in the partners' Jacobians),
  /// the Jacobians, couplings and signals are rebuilt from the ReLU gradient and the box QP is re-solved;
  /// then ż_p = J_p·θ̇ is exact for every upper partner. Each pass solves the box QP (bounds iterated as in
  /// ``solveJointly(count:keepingCrossings:)``) and then, in this order: folds every lower pair at slope 1
  /// on its own side (active) that has an unfolded upper partner; else holds every pair whose slope
  /// contradicts its side of the kink at its ReLU slope (as ``FilippovSlopeSolver/solveKeepingCrossings(size:)``
  /// does); else stops. The order matters: a crossing judged on ż⁰ before the folds can be none (an upper
  /// pair put at slope 0 above its kink by ż⁰_p < 0 while ż_p > 0). A folded q must still leave upward,
  /// ż_q = J_q·θ̇ ≥ 0; a solve where it does not (or that runs out of passes) is counted in
  /// ``inconsistentFolds``. Returns the number of sliding pairs.
  private func solveCoupled(
    _ theta: UnsafePointer<Double>, count: Int, forceSum: Double, gradient g: UnsafeMutablePointer<Double>
  ) -> Int {
    var sliding = 0
    var settled = false
    for _ in 0..<Self.coupledPassLimit {
      sliding = solveJointly(count: count, keepingCrossings: false)
      var folded = false
      for q in 0..<count where !candidateFolded[q] && isHeldAtSlopeOne(q) && hasUpperPartner(q) {
        candidateFolded[q] = true
        folded = true
      }
      if folded {
        // The cut signals of the pairs below a folded one now pass through it.
        for p in 0..<count where !candidateFolded[p] {
          backpropagateSignal(
            theta, sample: candidateSample[p], toLayer: candidateLayer[p], upper: .cut, into: cutSignal)
          candidateCutSignal[p] = cutSignal[candidateUnit[p]]
        }
        g.update(from: reluGradient, count: reluGradientCount)
        assemble(theta, count: count, forceSum: forceSum, gradient: g)
        continue
      }
      var held = false
      for p in 0..<count where solver.status[p] == 1 || solver.status[p] == 2 {
        if candidateActive[p] != (solver.status[p] == 1) {
          candidateHeld[p] = true
          held = true
        }
      }
      if !held {
        settled = true
        break
      }
    }
    guard settled else {
      inconsistentFolds += 1
      return sliding
    }
    // ż_q ≥ 0 on the folded pairs, as the solver judges its own conditions.
    var scale = 0.0
    for p in 0..<count { scale = max(scale, abs(solver.linear[p])) }
    for q in 0..<count where candidateFolded[q] {
      var rate = solver.linear[q]
      for m in 0..<count { rate += solver.gram[q * count + m] * solver.solution[m] }
      if rate < -1e-10 * scale {
        inconsistentFolds += 1
        break
      }
    }
    return sliding
  }

  /// Whether candidate p's slope is 1 after the last solve: at its bound (status 1) or held at its ReLU slope
  /// (status 3) while active.
  @inline(__always)
  private func isHeldAtSlopeOne(_ p: Int) -> Bool {
    candidateActive[p] && (solver.status[p] == 1 || solver.status[p] == 3)
  }

  /// Whether sample n of candidate q has an unfolded candidate in a higher layer.
  @inline(__always)
  private func hasUpperPartner(_ q: Int) -> Bool {
    var p = sampleHead[candidateSample[q]]
    while p >= 0 {
      if candidateLayer[p] > candidateLayer[q], !candidateFolded[p] { return true }
      p = candidateNext[p]
    }
    return false
  }

  /// The joint solve's bound iteration (``SampleCouplings``): the box of pair p is [b_p, 0] with
  /// b_p = c_n g_p(s), first at the ReLU slopes (the legacy box), then c_n g⁰_p + Σ D_pq u_q from the last
  /// pass's u, until the bounds settle (to 1e-14 of the largest; two passes when every coupled lower pair
  /// slides or sits at slope 0, since its u then does not depend on its bound). A pair whose b_p is not
  /// negative is not attracted at those slopes and keeps its ReLU slope, as does a pair the coupled solve holds.
  /// `keepingCrossings` re-solves each pass with crossing pairs held (``FilippovSlopeSolver/solveKeepingCrossings(size:)``);
  /// the coupled solve holds them itself. Returns the number of sliding pairs.
  private func solveJointly(count: Int, keepingCrossings: Bool = true) -> Int {
    var scale = 0.0
    for p in 0..<count {
      let c = outputWeights[candidateSample[p]]
      cutBounds[p] = c * candidateCutSignal[p]
      jointBounds[p] = c * candidateSignal[p]
      scale = max(scale, abs(cutBounds[p]), abs(jointBounds[p]))
    }
    var sliding = 0
    for _ in 0..<Self.jointIterationLimit {
      for p in 0..<count {
        let b = jointBounds[p]
        if candidateFolded[p] {
          // Folded (coupled solve): its slope-1 term is in base and in the partners' Jacobians.
          solver.lower[p] = 0
          solver.upper[p] = 0
          solver.solution[p] = 0
          solver.status[p] = 3
        } else if b < 0, !candidateHeld[p] {
          solver.lower[p] = b
          solver.upper[p] = 0
          solver.status[p] = 0
        } else {
          let u = candidateActive[p] ? b : 0
          solver.lower[p] = u
          solver.upper[p] = u
          solver.solution[p] = u
          solver.status[p] = 3
        }
      }
      if keepingCrossings {
        sliding = solver.solveKeepingCrossings(size: count)
      } else {
        sliding = solver.solveCountingSliding(size: count)
      }
      let change = couplings.bounds(
        cut: cutBounds, solution: solver.solution, into: jointBounds, scratch: boundScratch, size: count)
      if change <= 1e-14 * scale { return sliding }
    }
    unsettledJointSolves += 1
    return sliding
  }
}
