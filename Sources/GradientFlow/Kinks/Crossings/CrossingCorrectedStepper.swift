import Foundation
import ODE

/// Steps of a piecewise-linear network's unconstrained flow θ̇ = F(θ) = −∇L(θ) that integrate one
/// activation pattern at a time and correct for the pattern changes inside the step (`--sliding
/// corrected`, README "ReLU kinks").
///
/// F jumps where a pre-activation z_p = W_k[j, :]·h_{k−1,n} changes sign. On a benchmark like D these
/// crossings come every ~1e-5 in time while the field between them would allow steps of ~1e-3: a
/// Runge–Kutta step across a jump has an error first order in h, so a plain stepper takes one or
/// more tiny steps per crossing. Here a step from θ_0 of size h
///
/// 1. integrates the **frozen field** F_0 = F(·; P_0) of the pattern P_0 at θ_0 (every slope fixed,
///    ``NetworkEvaluator/usesFrozenPattern``; a smooth field) with GSL's rkf45, giving θ̃_1, its error
///    estimate and F_0(θ̃_1), and the cubic Hermite path θ̃(s), s ∈ [0, 1];
/// 2. finds, sample by sample, the times where the true pattern leaves P_0 along θ̃(s). A first-layer z
///    is linear in θ, so along the path it is an exact cubic in s (end values and rates from X Ẇ_1ᵀ), and
///    its crossings are the cubic's roots (``cubicRoots(_:_:_:_:into:)``); a net with one hidden layer
///    needs nothing else (``followFirstLayer(sample:h:)``). Deeper pairs are screened at s = 0, ½, 1 (z
///    changes sign, or the quadratic through the three values comes near zero), followed on eight cells
///    with one pass of the sample each, and located by the Illinois method (``follow(sample:h:)``; a
///    sample's z and force cost O(P): ``SampleField``);
/// 3. corrects for them. With ΔF(s) = Σ_n [g_n(θ̃(s); P_n(s)) − g_n(θ̃(s); P_{0,n})] (g_n = a_n∇q_n,
///    nonzero only for the samples that crossed), the true θ_1 = θ̃_1 + δ with δ' = ΔF + J δ, J = ∂F_0/∂θ:
///
///      δ ≈ ∫ ΔF dt + J ∫ (t_1 − t) ΔF dt,
///
///    the integrals by 3-point Gauss–Legendre on each piece between a sample's crossings, and J·v by
///    one evaluation of F_0 (a forward difference along v).
///
/// **Error control.** The step is accepted when both the stepper's estimate and ``correctionWeight`` ×
/// the second correction term are within tolerance (RMS or max norm, as ``Tolerances/errorRatio``).
/// The second term is the error of the first-order correction; the step propagates the second-order
/// one (local extrapolation, as the Runge–Kutta pair does), so the weight may lie below 1. Next step:
/// h · min(0.9 r_RK^{−1/5}, 0.9 r_C^{−1/3}) within [0.2, 5] (the correction error grows like h³: one
/// power from the step, two from (t_1 − t) and the number of crossings).
///
/// **Sliding.** For ReLU, F_0 is the Filippov flow (``FilippovFlow``, ``DeepFilippovFlow``, which see the
/// frozen pattern through ``NetworkEvaluator/isActive(layer:at:)``) in the steps that start with a sliding
/// pair, so such a pair stays on its kink and is no crossing; other steps skip the flows' candidate scan.
/// A crossing pair whose own force, flipped, turns ż around starts to slide (``entersSurface``): the rest
/// of its step gets the Filippov share of the flip (``addSlidingCorrection``), which leaves it on the
/// surface for the next step's Filippov slopes.
///
/// Evaluations per attempt: 6 of F_0 (rkf45 with its end-point rate), for deep nets one forward pass at
/// s = ½, and, when a crossing was found, one for J·v and one of the true F at the corrected θ_1 (the next
/// step's start). Between crossings the frozen field's end rate is the next start's rate.
public final class CrossingCorrectedStepper: StepEngine {
  /// The correction's share of the error estimate. Measured on S and D against the reference answers
  /// (README "ReLU kinks"): see ``defaultCorrectionWeight``.
  public let correctionWeight: Double
  /// 0.3: measured on D (README "ReLU kinks"): weight 1 took 21,453 evaluations, 0.3 14,551 and 0.1 10,318,
  /// with the final loss 4e-8, 2e-8 and 2e-7 from the reference answer; at 0.3 S, D and M stay within 1.4e-7
  /// of converged references under perturbed step sequences.
  public static let defaultCorrectionWeight = 0.3

  public let dimension: Int
  public private(set) var rejectedSteps = 0
  public private(set) var ownEvaluations = 0
  public private(set) var failureMessage: String?
  /// Evaluations where the Filippov slope solver had more candidates than it holds (``FilippovCounting``).
  public var filippovOverflows: Int { (dynamics as? any FilippovCounting)?.overflowCount ?? 0 }
  /// Crossings corrected in accepted steps.
  public private(set) var crossings = 0

  private let network: NetworkEvaluator
  /// The field on the network: ReLU nets get the Filippov slopes on sliding pairs (``FilippovFlow``,
  /// ``DeepFilippovFlow``), which see the frozen pattern through ``NetworkEvaluator/isActive(layer:at:)``.
  private let dynamics: any FlowDynamics
  /// The same network's field without Filippov slopes, for the steps that start with no pair sliding
  /// (the flows' candidate scan is then skipped; a pair that starts to slide inside such a step is an entry,
  /// handled by the correction). nil when `dynamics` has no Filippov slopes.
  private let plainDynamics: UnconstrainedFlow?
  /// Whether the last evaluation of the true field at a step's start had sliding pairs.
  private var holdsSlidingPairs = true
  /// η of the Filippov flows' kink band (ReLU), or nil (leaky ReLU: no sliding treatment).
  private let band: Double?
  private let field: SampleField
  private let tolerances: Tolerances
  private let sampleCount: Int
  private let hiddenCount: Int
  /// Offset (in the hidden layout) and width of each hidden layer.
  private let layerOffsets: [Int]
  private let layerWidths: [Int]
  /// d_0 … d_K and the offsets of W_1 … W_K in θ (index k; entry 0 is 0).
  private let layerSizes: [Int]
  private let parameterOffsets: [Int]
  private let positiveSlope = 1.0
  /// The slope below the kink (0 for ReLU, the leaky slope otherwise).
  private let lowerSlope: Double

  /// GSL's rkf45 step on the frozen field (set at the end of init: it captures self).
  private var frozenStep: EmbeddedStep!

  // θ-sized buffers.
  private let start: UnsafeMutablePointer<Double>
  private let startRate: UnsafeMutablePointer<Double>
  private let end: UnsafeMutablePointer<Double>
  private let endRate: UnsafeMutablePointer<Double>
  private let stepError: UnsafeMutablePointer<Double>
  private let path: UnsafeMutablePointer<Double>
  private let correction: UnsafeMutablePointer<Double>
  private let lever: UnsafeMutablePointer<Double>
  private let difference: UnsafeMutablePointer<Double>
  private let probeRate: UnsafeMutablePointer<Double>
  /// For sliding pairs: θ̃'(s), ∇_θ z_u, and the force differences of a flip and of the sample's piece.
  private let pathDerivative: UnsafeMutablePointer<Double>
  private let zGradient: UnsafeMutablePointer<Double>
  private let flipDifference: UnsafeMutablePointer<Double>
  private let pieceDifference: UnsafeMutablePointer<Double>
  /// θ̃ at the grid's interior points (cells − 1 states).
  private let grid: UnsafeMutablePointer<Double>
  /// Cells per step in which a followed sample of a deep net is checked (4 missed a double crossing on D
  /// and moved its loss by 7e-7; 8 kept it within 1e-7 under perturbed step sequences).
  private static let cells = 8
  /// 3-point Gauss–Legendre nodes and weights on [−1, 1] (exact for degree 5).
  private static let gaussNodes: [Double] = [-(0.6).squareRoot(), 0, (0.6).squareRoot()]
  private static let gaussWeights: [Double] = [5.0 / 9, 8.0 / 9, 5.0 / 9]
  // Hidden pre-activations at s = 0, ½, 1 (the network's layout: layer k's N × d_k block at N·offset_k).
  private let startZ: UnsafeMutablePointer<Double>
  private let midZ: UnsafeMutablePointer<Double>
  private let endZ: UnsafeMutablePointer<Double>
  // One sample: the pattern at the start, the current slopes, pre-activations (two scratch rows).
  private let startSlopes: UnsafeMutablePointer<Double>
  private let slopes: UnsafeMutablePointer<Double>
  private let sampleZ: UnsafeMutablePointer<Double>
  private let rootZ: UnsafeMutablePointer<Double>
  private let flagged: UnsafeMutablePointer<Bool>
  /// The units of one sample on the wrong side at a grid point.
  private let wrongUnits: UnsafeMutablePointer<Int>
  /// ż of the first hidden layer at the step's ends under the frozen pattern (N × d_1: X Ẇ_1ᵀ), the
  /// transposed rate block of W_1 for that product, a cubic's roots, and one sample's crossings in order.
  private let startRateZ: UnsafeMutablePointer<Double>
  private let endRateZ: UnsafeMutablePointer<Double>
  private let rateTransposed: UnsafeMutablePointer<Double>
  private let rootScratch: UnsafeMutablePointer<Double>
  private let eventTimes: UnsafeMutablePointer<Double>
  private let eventUnits: UnsafeMutablePointer<Int>

  private var startTime = Double.nan
  private var hasStart = false
  private var stepCrossings = 0

  /// Refuses what the stepper does not apply to: it needs a relu or leaky-relu net with a hidden layer.
  static func checkArchitecture(_ architecture: Architecture) throws(ModelError) {
    guard architecture.depth >= 2, architecture.activation == .relu || architecture.activation == .leakyRelu else {
      throw .invalidArchitecture(
        "--sliding corrected needs a relu or leaky-relu net with a hidden layer (got \(architecture.depth) layers, "
          + "\(architecture.activation.rawValue)); use --sliding off")
    }
  }

  /// The stepper of the flow of `loss` on a piecewise-linear net (relu or leaky-relu) over the data.
  public init(
    architecture: Architecture, inputs: [Double], labels: [Double], loss: Loss, tolerances: Tolerances,
    slidingBand: Double = 1e-6, correctionWeight: Double = defaultCorrectionWeight,
    surfaces: CoincidentKinks.Treatment = .merged
  ) throws(ModelError) {
    try Self.checkArchitecture(architecture)
    guard correctionWeight > 0, correctionWeight.isFinite else {
      throw .invalidArchitecture("the correction weight must be positive (got \(correctionWeight))")
    }
    network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
    network.enableFrozenPattern()
    plainDynamics = architecture.activation == .relu ? UnconstrainedFlow(network: network, loss: loss) : nil
    switch (architecture.activation, architecture.depth) {
    case (.relu, 2):
      dynamics = try FilippovFlow(
        network: network, inputs: inputs, loss: loss, band: slidingBand, surfaces: surfaces)
      band = slidingBand
    case (.relu, _):
      dynamics = try DeepFilippovFlow(network: network, inputs: inputs, loss: loss, band: slidingBand)
      band = slidingBand
    default:
      dynamics = UnconstrainedFlow(network: network, loss: loss)
      band = nil
    }
    field = SampleField(architecture: architecture, inputs: inputs, labels: labels, loss: loss)
    self.tolerances = tolerances
    self.correctionWeight = correctionWeight
    dimension = architecture.parameterCount
    sampleCount = labels.count
    hiddenCount = field.hiddenCount
    let hiddenOffsets = field.hiddenOffsets
    layerOffsets = (1..<architecture.depth).map { hiddenOffsets[$0] }
    layerSizes = architecture.layerSizes
    parameterOffsets = (0...architecture.depth).map { $0 == 0 ? 0 : architecture.offset(ofLayer: $0) }
    lowerSlope = architecture.activation == .leakyRelu ? architecture.leakySlope : 0
    layerWidths = (1..<architecture.depth).map { architecture.layerSizes[$0] }

    let p = dimension
    func buffer(_ count: Int) -> UnsafeMutablePointer<Double> {
      let b = UnsafeMutablePointer<Double>.allocate(capacity: max(count, 1))
      b.initialize(repeating: 0, count: max(count, 1))
      return b
    }
    start = buffer(p)
    startRate = buffer(p)
    end = buffer(p)
    endRate = buffer(p)
    stepError = buffer(p)
    path = buffer(p)
    correction = buffer(p)
    lever = buffer(p)
    difference = buffer(p)
    probeRate = buffer(p)
    pathDerivative = buffer(p)
    zGradient = buffer(p)
    flipDifference = buffer(p)
    pieceDifference = buffer(p)
    grid = buffer(p * (Self.cells - 1))
    let patternSize = sampleCount * hiddenCount
    startZ = buffer(patternSize)
    midZ = buffer(patternSize)
    endZ = buffer(patternSize)
    startSlopes = buffer(hiddenCount)
    slopes = buffer(hiddenCount)
    sampleZ = buffer(hiddenCount)
    rootZ = buffer(hiddenCount)
    flagged = .allocate(capacity: sampleCount)
    wrongUnits = .allocate(capacity: max(hiddenCount, 1))
    let firstWidth = architecture.layerSizes[1]
    startRateZ = buffer(sampleCount * firstWidth)
    endRateZ = buffer(sampleCount * firstWidth)
    rateTransposed = buffer(firstWidth * architecture.inputDimension)
    rootScratch = buffer(5)
    // Up to a stale flip and three roots per pair.
    eventTimes = buffer(4 * firstWidth + 1)
    eventUnits = .allocate(capacity: 4 * firstWidth + 1)
    flagged.initialize(repeating: false, count: sampleCount)

    do {
      frozenStep = try EmbeddedStep(stepper: .rkf45, dimension: p) { [unowned self] y, dydt in
        frozenField(y, into: dydt)
      }
    } catch {
      throw .invalidArchitecture(error.description)
    }
  }

  deinit {
    for b in [
      start, startRate, end, endRate, stepError, path, correction, lever, difference, probeRate, pathDerivative,
      zGradient, flipDifference, pieceDifference, grid, startZ, midZ,
      endZ, startSlopes, slopes, sampleZ, rootZ,
    ] {
      b.deallocate()
    }
    flagged.deallocate()
    wrongUnits.deallocate()
    for b in [startRateZ, endRateZ, rateTransposed, rootScratch, eventTimes] { b.deallocate() }
    eventUnits.deallocate()
  }

  // MARK: - Fields

  /// F_0(θ) into `rate`: the frozen pattern's field (a counted evaluation). Returns whether it is finite.
  fileprivate func frozenField(_ theta: UnsafePointer<Double>, into rate: UnsafeMutablePointer<Double>) -> Bool {
    ownEvaluations += 1
    network.usesFrozenPattern = true
    let field: any FlowDynamics = holdsSlidingPairs ? dynamics : plainDynamics ?? dynamics
    let velocity = field.velocity(state: theta, direction: rate)
    network.usesFrozenPattern = false
    return scale(rate, by: velocity)
  }

  /// rate ← exp(logScale) · direction (−∇L in the t clock); returns whether every component is finite.
  private func scale(_ rate: UnsafeMutablePointer<Double>, by velocity: FlowVelocity) -> Bool {
    let factor = exp(velocity.logScale)
    for i in 0..<dimension { rate[i] *= factor }
    for i in 0..<dimension where !rate[i].isFinite { return false }
    return true
  }

  /// The true F at θ into `rate`, then P_0 ← its pattern and `startZ` ← its pre-activations.
  private func restart(at theta: UnsafePointer<Double>, rate: UnsafeMutablePointer<Double>) -> Bool {
    ownEvaluations += 1
    let velocity = dynamics.velocity(state: theta, direction: rate)
    holdsSlidingPairs = ((dynamics as? any FilippovCounting)?.slidingPairCount ?? 1) > 0
    network.freezePattern()
    copyPreActivations(into: startZ)
    return scale(rate, by: velocity)
  }

  /// X Ẇ_1ᵀ for a rate Ẇ (its W_1 block) into `out` (N × d_1): the first layer's ż.
  private func firstLayerRates(_ rate: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
    let (d, width) = (layerSizes[0], layerSizes[1])
    NetworkKernels.transpose(rate, rows: width, columns: d, into: rateTransposed)
    NetworkKernels.forward(
      blas: network.usesBLAS, rows: sampleCount, din: d, dout: width, a: field.input(0), w: rate,
      wT: rateTransposed, z: out)
  }

  /// The network's last hidden pre-activations into `z` (layer k's N × d_k block at N·offset_k).
  private func copyPreActivations(into z: UnsafeMutablePointer<Double>) {
    for k in 0..<layerWidths.count {
      let layer = (offset: layerOffsets[k], width: layerWidths[k])
      (z + sampleCount * layer.offset).update(
        from: network.preActivations(ofLayer: k + 1), count: sampleCount * layer.width)
    }
  }

  /// θ̃'(s) = dθ̃/ds of the Hermite path into `out`.
  private func pathRate(_ s: Double, h: Double, into out: UnsafeMutablePointer<Double>) {
    let s2 = s * s
    let a = 6 * s2 - 6 * s
    let b = (3 * s2 - 4 * s + 1) * h
    let c = -a
    let d = (3 * s2 - 2 * s) * h
    for i in 0..<dimension { out[i] = a * start[i] + b * startRate[i] + c * end[i] + d * endRate[i] }
  }

  /// θ̃(s) = h00 θ_0 + h10 h F_0(θ_0) + h01 θ̃_1 + h11 h F_0(θ̃_1) into `out` (cubic Hermite).
  private func pathState(_ s: Double, h: Double, into out: UnsafeMutablePointer<Double>) {
    let s2 = s * s
    let s3 = s2 * s
    let a = 2 * s3 - 3 * s2 + 1
    let b = (s3 - 2 * s2 + s) * h
    let c = -2 * s3 + 3 * s2
    let d = (s3 - s2) * h
    for i in 0..<dimension { out[i] = a * start[i] + b * startRate[i] + c * end[i] + d * endRate[i] }
  }

  // MARK: - StepEngine

  public func step(t: inout Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> StepResult {
    failureMessage = nil
    if !hasStart || t != startTime || memcmp(start, y, dimension * 8) != 0 {
      start.update(from: y, count: dimension)
      startTime = t
      guard restart(at: start, rate: startRate) else {
        hasStart = false
        failureMessage = "the right-hand side is not finite at t=\(t)"
        return .systemFailed
      }
      hasStart = true
    }
    var failures = 0
    while true {
      let remaining = target - t
      let reachesTarget = h >= remaining
      let trial = reachesTarget ? remaining : h
      // A step too small for t's precision, which the solver reports as a step-size failure.
      guard trial > abs(t) * 4 * Double.ulpOfOne, trial > 0 else { return .stepSizeUnderflow }
      guard case .ratios(let stepRatio, let correctionRatio) = attempt(t: t, h: trial) else {
        failures += 1
        rejectedSteps += 1
        h = trial / 2
        if failures > 60 {
          failureMessage = "the frozen-pattern field is not finite near t=\(t) (step \(trial))"
          return .systemFailed
        }
        continue
      }
      let factor = min(
        0.9 * pow(max(stepRatio, 1e-10), -1.0 / 5), 0.9 * pow(max(correctionRatio, 1e-10), -1.0 / 3))
      // (A NaN ratio — an error level of 0 with atol = 0 — rejects like one above 1.)
      guard stepRatio <= 1, correctionRatio <= 1, factor.isFinite else {
        rejectedSteps += 1
        h = trial * (factor.isFinite ? max(0.2, factor) : 0.2)
        continue
      }
      // Accept.
      let next = trial * min(5, max(0.2, factor))
      h = reachesTarget ? max(next, h) : next
      t = reachesTarget ? target : t + trial
      if stepCrossings > 0 {
        crossings += stepCrossings
        for i in 0..<dimension { start[i] = end[i] + correction[i] }
        guard restart(at: start, rate: startRate) else {
          hasStart = false
          failureMessage = "the right-hand side is not finite at t=\(t)"
          return .systemFailed
        }
      } else {
        start.update(from: end, count: dimension)
        startRate.update(from: endRate, count: dimension)
        startZ.update(from: endZ, count: sampleCount * hiddenCount)
      }
      startTime = t
      y.update(from: start, count: dimension)
      return .accepted
    }
  }

  /// What a trial step found.
  private enum Attempt {
    /// The error ratios of the stepper and of the correction.
    case ratios(Double, Double)
    /// A field was not finite, or a sample crossed too often.
    case failed
  }

  /// One trial step of size h: fills `end`, `endRate`, `correction` and `stepCrossings`.
  private func attempt(t: Double, h: Double) -> Attempt {
    end.update(from: start, count: dimension)
    guard frozenStep.apply(t: t, h: h, y: end, error: stepError, rateIn: startRate, rateOut: endRate) else {
      return .failed
    }
    // The last evaluation was F_0(θ̃_1): its pre-activations are the frozen z at s = 1.
    copyPreActivations(into: endZ)
    firstLayerRates(startRate, into: startRateZ)
    firstLayerRates(endRate, into: endRateZ)
    if layerWidths.count > 1 {
      // Deeper layers are screened at s = ½ too.
      pathState(0.5, h: h, into: path)
      network.usesFrozenPattern = true
      network.forward(path)
      network.usesFrozenPattern = false
      copyPreActivations(into: midZ)
    }

    correction.update(repeating: 0, count: dimension)
    lever.update(repeating: 0, count: dimension)
    stepCrossings = 0
    let anyFlagged = screen(h: h)
    if anyFlagged, layerWidths.count == 1 {
      for n in 0..<sampleCount where flagged[n] {
        guard followFirstLayer(sample: n, h: h) else { return .failed }
      }
    } else if anyFlagged {
      for i in 1..<Self.cells { pathState(Double(i) / Double(Self.cells), h: h, into: grid + (i - 1) * dimension) }
      for n in 0..<sampleCount where flagged[n] {
        guard follow(sample: n, h: h) else { return .failed }
      }
    }
    let stepRatio = tolerances.errorRatio(stepError, state: end, rate: endRate, step: h, dimension: dimension)
    guard stepCrossings > 0 else { return .ratios(stepRatio, 0) }
    // J·v by a forward difference along the lever v = ∫(t_1 − t)ΔF dt.
    var leverNorm = 0.0
    var stateNorm = 0.0
    for i in 0..<dimension {
      leverNorm += lever[i] * lever[i]
      stateNorm += end[i] * end[i]
    }
    leverNorm = leverNorm.squareRoot()
    var correctionRatio = 0.0
    if leverNorm > 0 {
      let epsilon = 1.5e-8 * max(stateNorm.squareRoot(), 1) / leverNorm
      for i in 0..<dimension { path[i] = end[i] + epsilon * lever[i] }
      guard frozenField(path, into: probeRate) else { return .failed }
      for i in 0..<dimension {
        let second = (probeRate[i] - endRate[i]) / epsilon
        difference[i] = correctionWeight * second
        correction[i] += second
      }
      correctionRatio = tolerances.errorRatio(difference, state: end, rate: endRate, step: h, dimension: dimension)
    }
    return .ratios(stepRatio, correctionRatio)
  }

  /// Marks the samples with a pair that may cross in the step: z at s = 0, ½, 1 (frozen) leaves the
  /// side its slope says, or the quadratic through the three values comes within a quarter of its
  /// variation of zero. Returns whether any sample is marked.
  private func screen(h: Double) -> Bool {
    var anyMarked = false
    for n in 0..<sampleCount {
      var mark = false
      mark = firstLayerMayCross(sample: n, h: h)
      for k in 1..<layerWidths.count where !mark {
        let width = layerWidths[k]
        let row = sampleCount * layerOffsets[k] + n * width
        let (z0, zm, z1) = (startZ + row, midZ + row, endZ + row)
        let m = network.frozenSlopes(ofLayer: k + 1) + n * width
        var j = 0
        // Eight units at a time: most are far from their kink (every value beyond the margin), and are
        // passed over without the scalar test.
        while j + 8 <= width, !mark {
          let load = { (p: UnsafeMutablePointer<Double>) in
            UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Double>.self)
          }
          let sign = SIMD8<Double>(repeating: -1).replacing(with: 1, where: load(m) .== positiveSlope)
          let (a, b, c) = (sign * load(z0), sign * load(zm), sign * load(z1))
          let (ab, bc) = (a - b, b - c)
          let margin = 0.25 * (ab.replacing(with: -ab, where: ab .< 0) + bc.replacing(with: -bc, where: bc .< 0))
          if any((a .<= margin) .| (b .<= margin) .| (c .<= margin)) {
            for i in j..<(j + 8) where Self.mayCross(a[i - j], b[i - j], c[i - j]) {
              mark = true
              break
            }
          }
          j += 8
        }
        while j < width, !mark {
          let sign = m[j] == positiveSlope ? 1.0 : -1.0
          mark = Self.mayCross(sign * z0[j], sign * zm[j], sign * z1[j])
          j += 1
        }
      }
      flagged[n] = mark
      anyMarked = anyMarked || mark
    }
    return anyMarked
  }

  /// Whether a first-layer pair of sample n may cross in the step. Along the Hermite path its z is the cubic
  /// z(s) = H00 z_0 + H10 r_0 + H01 z_1 + H11 r_1 (r = h ż at the ends, exact: z is linear in θ), and since
  /// 0 ≤ H01 ≤ 1 and |H10|, |H11| ≤ 4/27 on [0, 1], it stays on its side when both ends are farther from
  /// the kink than 4/27 (|r_0| + |r_1|); the others are decided by their roots.
  private func firstLayerMayCross(sample n: Int, h: Double) -> Bool {
    let width = layerWidths[0]
    let row = n * width
    let (z0, z1) = (startZ + row, endZ + row)
    let (v0, v1) = (startRateZ + row, endRateZ + row)
    let m = network.frozenSlopes(ofLayer: 1) + row
    for j in 0..<width {
      let sign = m[j] == positiveSlope ? 1.0 : -1.0
      let (a, c) = (sign * z0[j], sign * z1[j])
      let (r0, r1) = (sign * h * v0[j], sign * h * v1[j])
      if min(a, c) > (4.0 / 27) * (abs(r0) + abs(r1)) { continue }
      if Self.cubicRoots(a, c, r0, r1, into: rootScratch) > 0 || a <= 0 { return true }
    }
    return false
  }

  /// The roots in (0, 1] of the cubic Hermite z(s) with z(0) = a, z(1) = c, z'(0) = r0, z'(1) = r1, in
  /// increasing order (at most 3), located by the Illinois method on its monotone pieces.
  static func cubicRoots(
    _ a: Double, _ c: Double, _ r0: Double, _ r1: Double, into roots: UnsafeMutablePointer<Double>
  ) -> Int {
    // z(s) = A s³ + B s² + r0 s + a.
    let cubicA = 2 * a + r0 - 2 * c + r1
    let cubicB = -3 * a - 2 * r0 + 3 * c - r1
    func z(_ s: Double) -> Double { ((cubicA * s + cubicB) * s + r0) * s + a }
    // Critical points: 3A s² + 2B s + r0 = 0.
    let (qa, qb, qc) = (3 * cubicA, 2 * cubicB, r0)
    var (first, second) = (2.0, 2.0)  // critical points, ascending (2: none in (0, 1))
    if qa != 0 {
      let disc = qb * qb - 4 * qa * qc
      if disc > 0 {
        let root = disc.squareRoot()
        let q = -0.5 * (qb + (qb >= 0 ? root : -root))
        let (x1, x2) = (q / qa, q != 0 ? qc / q : 2)
        (first, second) = (min(x1, x2), max(x1, x2))
      }
    } else if qb != 0 {
      first = -qc / qb
    }
    if !(first > 0 && first < 1) { first = 2 }
    if !(second > 0 && second < 1) || second == first { second = 2 }
    if first > second { (first, second) = (second, first) }
    var count = 0
    var lower = 0.0
    var lowerValue = a
    for piece in 0..<3 {
      let upper = piece == 0 ? min(first, 1) : piece == 1 ? min(second, 1) : 1
      guard upper > lower else { continue }
      let upperValue = z(upper)
      if (lowerValue > 0) != (upperValue > 0) {
        roots[count] = illinois(from: lower, to: upper, endValue: upperValue, z).s
        count += 1
      }
      lower = upper
      lowerValue = upperValue
    }
    return count
  }

  /// The screen's test of one pair from its signed z at s = 0, ½, 1 (positive: the side its slope says).
  @inline(__always)
  private static func mayCross(_ a: Double, _ b: Double, _ c: Double) -> Bool {
    if b <= 0 || c <= 0 { return true }
    let margin = 0.25 * (abs(a - b) + abs(b - c))
    guard a <= margin || b <= margin || c <= margin else { return false }
    // Quadratic through (0, a), (½, b), (1, c): q(s) = a + βs + γs², extremum at s* = −β/(2γ).
    let gamma = 2 * (a - 2 * b + c)
    let beta = 4 * b - 3 * a - c
    if gamma > 0 {
      let sStar = -beta / (2 * gamma)
      if sStar > 0, sStar < 1, a + beta * sStar + gamma * sStar * sStar <= margin { return true }
    }
    return min(a, b, c) <= margin * 0.5
  }

  /// Copies sample n's z at s = ½ or 1 from the screen's passes into `sampleZ`; false at other s.
  private func gatherScreenValues(sample n: Int, cellEnd: Double) -> Bool {
    let source: UnsafeMutablePointer<Double>
    switch cellEnd {
    case 0.5: source = midZ
    case 1: source = endZ
    default: return false
    }
    for k in 0..<layerWidths.count {
      let width = layerWidths[k]
      (sampleZ + layerOffsets[k]).update(from: source + sampleCount * layerOffsets[k] + n * width, count: width)
    }
    return true
  }

  /// Whether a pair of `sampleZ` from unit `first` on is on the other side of its kink than `slopes` says.
  private func anyOnWrongSide(from first: Int) -> Bool {
    for u in first..<hiddenCount where (sampleZ[u] > 0) != (slopes[u] == positiveSlope) { return true }
    return false
  }

  /// dz/ds of first-layer pair (n, j) at s: the derivative of its cubic.
  private func firstLayerSlope(sample n: Int, unit j: Int, at s: Double, h: Double) -> Double {
    let index = n * layerWidths[0] + j
    let (z0, z1) = (startZ[index], endZ[index])
    let (r0, r1) = (h * startRateZ[index], h * endRateZ[index])
    let s2 = s * s
    return (6 * s2 - 6 * s) * (z0 - z1) + (3 * s2 - 4 * s + 1) * r0 + (3 * s2 - 2 * s) * r1
  }

  /// θ̃ at grid point i (0 … cells).
  private func gridState(_ i: Int) -> UnsafePointer<Double> {
    if i == 0 { return UnsafePointer(start) }
    if i == Self.cells { return UnsafePointer(end) }
    return UnsafePointer(grid + (i - 1) * dimension)
  }

  /// ``follow(sample:h:)`` for a net with one hidden layer: every pair's z is its exact cubic along the path,
  /// independent of the slopes, so the sample's crossings are the cubics' roots, taken in time order.
  private func followFirstLayer(sample n: Int, h: Double) -> Bool {
    let width = layerWidths[0]
    let row = n * width
    let m = network.frozenSlopes(ofLayer: 1) + row
    startSlopes.update(from: m, count: width)
    slopes.update(from: m, count: width)
    let events = firstLayerEvents(sample: n, h: h)
    var differing = 0
    var pieceStart = 0.0
    for e in 0..<events {
      let (s, u) = (eventTimes[e], eventUnits[e])
      let slope = firstLayerSlope(sample: n, unit: u, at: s, h: h)
      guard cross(sample: n, unit: u, at: s, slope: slope, h: h, differing: &differing, pieceStart: &pieceStart)
      else { return true }
    }
    if differing > 0 { addCorrection(sample: n, from: pieceStart, to: 1, h: h) }
    return true
  }

  /// Sample n's first-layer crossings in (0, 1], in time order, into `eventTimes`/`eventUnits` (their count):
  /// the roots of each pair's exact cubic along the path, with a flip at s = 0 for a slope already stale there.
  private func firstLayerEvents(sample n: Int, h: Double) -> Int {
    let width = layerWidths[0]
    let row = n * width
    let m = network.frozenSlopes(ofLayer: 1) + row
    var events = 0
    for j in 0..<width {
      let (z0, z1) = (startZ[row + j], endZ[row + j])
      let (r0, r1) = (h * startRateZ[row + j], h * endRateZ[row + j])
      // Signed by the frozen slope: positive on the side it says (z = 0 belongs to slope 0, σ'(0) = 0).
      let sign = m[j] == positiveSlope ? 1.0 : -1.0
      let (a, c) = (sign * z0, sign * z1)
      if min(a, c) > (4.0 / 27) * (abs(r0) + abs(r1)) { continue }
      var count = Self.cubicRoots(z0, z1, r0, r1, into: rootScratch)
      var first = 0
      if band != nil, holdsSlidingPairs, isInBand(start, sample: n, unit: j, z: z0) {
        // The Filippov slopes hold it on its kink: it crosses only when it leaves the band on the other side
        // of its frozen slope — at its last root, or from the start when it never changes sign (a slope
        // gone stale while the pair drifted across z = 0 inside the band).
        guard c <= 0, !isInBand(end, sample: n, unit: j, z: z1) else { continue }
        if count > 0 {
          first = count - 1
        } else {
          rootScratch[0] = 0
          count = 1
        }
      } else if a < 0 {
        // On the other side of its frozen slope already at s = 0: a flip at the start, then its roots.
        for r in stride(from: count, to: 0, by: -1) { rootScratch[r] = rootScratch[r - 1] }
        rootScratch[0] = 0
        count += 1
      }
      for r in first..<count {
        // Insert (time, unit) in order.
        var i = events
        while i > 0, eventTimes[i - 1] > rootScratch[r] {
          eventTimes[i] = eventTimes[i - 1]
          eventUnits[i] = eventUnits[i - 1]
          i -= 1
        }
        eventTimes[i] = rootScratch[r]
        eventUnits[i] = j
        events += 1
      }
    }
    return events
  }

  /// Whether first-layer pair (n, j) with pre-activation `z` at `state` is in the Filippov band there,
  /// |z| ≤ η‖W_1[j, :]‖‖x_n‖.
  private func isInBand(_ state: UnsafePointer<Double>, sample n: Int, unit j: Int, z: Double) -> Bool {
    guard let band else { return false }
    let d = layerSizes[0]
    let w = state + j * d
    let x = field.input(n)
    var (weights, inputs) = (0.0, 0.0)
    for i in 0..<d {
      weights += w[i] * w[i]
      inputs += x[i] * x[i]
    }
    return abs(z) <= band * (weights * inputs).squareRoot()
  }

  /// Follows sample n along θ̃(s): finds its crossings in order, and adds its correction over the pieces
  /// where its pattern differs from P_0. Returns false when it could not (too many crossings).
  private func follow(sample n: Int, h: Double) -> Bool {
    for k in 0..<layerWidths.count {
      let layer = (offset: layerOffsets[k], width: layerWidths[k])
      let m = network.frozenSlopes(ofLayer: k + 1) + n * layer.width
      for j in 0..<layer.width {
        startSlopes[layer.offset + j] = m[j]
        slopes[layer.offset + j] = m[j]
      }
    }
    // First-layer crossings are the exact roots of their cubics; deeper ones are checked at the cell ends.
    let firstLayerWidth = layerWidths[0]
    let events = firstLayerEvents(sample: n, h: h)
    var nextEvent = 0
    var differing = 0
    var pieceStart = 0.0
    var current = 0.0
    var flips = 0
    for cell in 1...Self.cells {
      let cellEnd = Double(cell) / Double(Self.cells)
      let state = gridState(cell)
      while true {
        let firstLayerDue = nextEvent < events && eventTimes[nextEvent] <= cellEnd
        // While the sample is on P_0 its z at s = ½ and 1 are the screen's (frozen) values: a pass is needed
        // only if a deeper pair is on the wrong side there.
        if !firstLayerDue, flips == 0, gatherScreenValues(sample: n, cellEnd: cellEnd),
          !anyOnWrongSide(from: firstLayerWidth)
        {
          break
        }
        field.preActivations(state, sample: n, slopes: slopes, into: sampleZ)
        // The earliest crossing in (current, cellEnd] among the deeper pairs on the wrong side at cellEnd…
        var wrongSide = 0
        for u in firstLayerWidth..<hiddenCount
        where (sampleZ[u] > 0) != (slopes[u] == positiveSlope) && !isSliding(unit: u, state: state) {
          wrongUnits[wrongSide] = u
          wrongSide += 1
        }
        var earliest = Double.infinity
        var earliestUnit = -1
        var earliestSlope = 0.0
        for w in 0..<wrongSide {
          let u = wrongUnits[w]
          let root = crossingTime(sample: n, unit: u, from: current, to: cellEnd, endValue: sampleZ[u], h: h)
          if root.s < earliest {
            earliest = root.s
            earliestUnit = u
            earliestSlope = root.slope
          }
        }
        // …and the next first-layer event.
        if firstLayerDue, eventTimes[nextEvent] <= earliest {
          (earliest, earliestUnit) = (eventTimes[nextEvent], eventUnits[nextEvent])
          earliestSlope = firstLayerSlope(sample: n, unit: earliestUnit, at: earliest, h: h)
          nextEvent += 1
        }
        guard earliestUnit >= 0 else { break }
        guard
          cross(
            sample: n, unit: earliestUnit, at: earliest, slope: earliestSlope, h: h, differing: &differing,
            pieceStart: &pieceStart)
        else { return true }
        current = earliest
        flips += 1
        if flips > 4 * hiddenCount + 16 { return false }
      }
      current = cellEnd
    }
    if differing > 0 { addCorrection(sample: n, from: pieceStart, to: 1, h: h) }
    return true
  }

  /// Takes sample n's crossing of unit u at s (dz_u/ds = `slope`). A pair that starts to slide there gets the
  /// Filippov share of its flip for the rest of the step, and the sample is not followed further (its later
  /// crossings in this step are not seen): returns false. Any other crossing closes the sample's current
  /// piece (its correction, when it differs from P_0) and flips the slope.
  private func cross(
    sample n: Int, unit u: Int, at s: Double, slope: Double, h: Double, differing: inout Int,
    pieceStart: inout Double
  ) -> Bool {
    stepCrossings += 1
    if differing > 0 { addCorrection(sample: n, from: pieceStart, to: s, h: h) }
    if band != nil, s < 1 - 1e-9, entersSurface(sample: n, unit: u, at: s, slope: slope, h: h) {
      addSlidingCorrection(sample: n, unit: u, from: s, includesPiece: differing > 0, h: h)
      return false
    }
    slopes[u] = slopes[u] == positiveSlope ? lowerSlope : positiveSlope
    differing += slopes[u] == startSlopes[u] ? -1 : 1
    pieceStart = s
    return true
  }

  /// Whether unit u of the sample last passed through ``SampleField`` is inside the Filippov flows' kink band
  /// at `state` (|z| ≤ η‖W_k[j, :]‖‖h_{k−1}‖): a sliding pair, which the field itself keeps on z = 0, so its
  /// sign there is no crossing.
  private func isSliding(unit u: Int, state: UnsafePointer<Double>) -> Bool {
    guard let band else { return false }
    let (k, j) = field.layerAndUnit(u)
    let columns = layerSizes[k - 1]
    let row = state + parameterOffsets[k] + j * columns
    var squared = 0.0
    for i in 0..<columns { squared += row[i] * row[i] }
    return abs(sampleZ[u]) <= band * squared.squareRoot() * field.inputNorm(ofLayer: k)
  }

  /// ż_u along the corrected path and the jump of ż_u when u's slope flips, at s, for sample n with its
  /// current `slopes`: with J_u = ∇_θ z_u (exact, ``SampleField``),
  ///
  ///   rate = J_u·(θ̃'(s)/h + Δg_piece),   jump = J_u·(g_n(u flipped) − g_n(slopes)),
  ///
  /// Δg_piece = g_n(slopes) − g_n(P_0) when the sample already differs from P_0 (else 0). Leaves θ̃(s) in
  /// `path`, Δg_piece in `pieceDifference` and the flip's difference in `flipDifference`.
  private func slidingTerms(sample n: Int, unit u: Int, at s: Double, includesPiece: Bool, h: Double)
    -> (rate: Double, jump: Double)
  {
    pathState(s, h: h, into: path)
    pathRate(s, h: h, into: pathDerivative)
    zGradient.update(repeating: 0, count: dimension)
    field.addPreActivationGradient(path, sample: n, slopes: slopes, unit: u, scale: 1, into: zGradient, scratch: rootZ)
    flipDifference.update(repeating: 0, count: dimension)
    pieceDifference.update(repeating: 0, count: dimension)
    let old = slopes[u]
    slopes[u] = old == positiveSlope ? lowerSlope : positiveSlope
    field.addForce(path, sample: n, slopes: slopes, scale: 1, into: flipDifference, scratch: rootZ)
    slopes[u] = old
    field.addForce(path, sample: n, slopes: slopes, scale: -1, into: flipDifference, scratch: rootZ)
    if includesPiece {
      field.addForce(path, sample: n, slopes: slopes, scale: 1, into: pieceDifference, scratch: rootZ)
      field.addForce(path, sample: n, slopes: startSlopes, scale: -1, into: pieceDifference, scratch: rootZ)
    }
    var rate = 0.0
    var jump = 0.0
    for i in 0..<dimension where zGradient[i] != 0 {
      rate += zGradient[i] * (pathDerivative[i] / h + pieceDifference[i])
      jump += zGradient[i] * flipDifference[i]
    }
    return (rate, jump)
  }

  /// Whether sample n's unit u, crossing at s with dz_u/ds = `slope`, starts to slide there: flipping its
  /// slope turns ż_u around (both sides push it onto z_u = 0, the Filippov flows' sliding condition for one
  /// pair). At z_u = 0 the flip changes g_n by ∓c_n g_u J_u (c_n = y_n a_n, g_u = ∂f_n/∂h_u, J_u = ∇_θ z_u),
  /// so ż_u jumps by ∓c_n g_u‖J_u‖²: a pass of the sample and a backprop of one unit, no θ-sized work.
  /// (A step where the sample crossed before is judged on the path's rate alone.)
  private func entersSurface(sample n: Int, unit u: Int, at s: Double, slope: Double, h: Double) -> Bool {
    guard slope != 0 else { return false }
    pathState(s, h: h, into: path)
    let f = field.preActivations(path, sample: n, slopes: slopes, into: rootZ)
    let y = field.label(n)
    let attraction = y * field.loss.force(margin: y * f) * field.outputSignal(path, slopes: slopes, unit: u)
    guard attraction < 0 else { return false }
    let squared = field.jacobianSquaredNorm(path, slopes: slopes, unit: u)
    let jump = (slopes[u] == positiveSlope ? -1 : 1) * attraction * squared
    let rate = slope / h
    return (rate > 0) != (rate + jump > 0)
  }

  /// Adds sample n's correction over [a, 1] where its unit u slides: the Filippov share λ ∈ [0, 1] of the
  /// flip that keeps ż_u = 0, λ = −rate/jump (``slidingTerms``), on top of the sample's piece if it differs
  /// from P_0 (3-point Gauss–Legendre, like ``addCorrection(sample:from:to:h:)``).
  private func addSlidingCorrection(sample n: Int, unit u: Int, from a: Double, includesPiece: Bool, h: Double) {
    guard a < 1 else { return }
    for node in 0..<3 {
      let (x, w) = (Self.gaussNodes[node], Self.gaussWeights[node])
      let s = a + (1 - a) * (x + 1) / 2
      let weight = w * (1 - a) / 2 * h
      let (rate, jump) = slidingTerms(sample: n, unit: u, at: s, includesPiece: includesPiece, h: h)
      let share = jump != 0 ? min(max(-rate / jump, 0), 1) : 0
      let leverWeight = weight * (1 - s) * h
      for i in 0..<dimension {
        let delta = share * flipDifference[i] + pieceDifference[i]
        correction[i] += weight * delta
        lever[i] += leverWeight * delta
      }
    }
  }

  /// The first s in (a, b] where z_u of a deeper unit u of sample n (current slopes) reaches the side its
  /// value at b is on, to |Δs| ≤ 1e-10, with a pass of the sample per iterate (first-layer crossings are the
  /// roots of their cubics: ``firstLayerEvents(sample:h:)``).
  private func crossingTime(sample n: Int, unit u: Int, from a: Double, to b: Double, endValue: Double, h: Double)
    -> (s: Double, slope: Double)
  {
    Self.illinois(from: a, to: b, endValue: endValue) { s in
      pathState(s, h: h, into: path)
      field.preActivations(path, sample: n, slopes: slopes, into: rootZ)
      return rootZ[u]
    }
  }

  /// The Illinois method for the first sign change of f on (a, b] toward the sign of f(b) = `endValue`:
  /// returns s and the slope df/ds of the last bracket (a when f(a) is already on that side, slope 0).
  private static func illinois(from a: Double, to b: Double, endValue: Double, _ f: (Double) -> Double)
    -> (s: Double, slope: Double)
  {
    var (lo, hi) = (a, b)
    var (fLo, fHi) = (f(a), endValue)
    if (fLo > 0) == (fHi > 0) { return (a, 0) }
    var (valueLo, valueHi) = (fLo, fHi)
    var side = 0
    for _ in 0..<60 {
      guard hi - lo > 1e-10 else { break }
      var s = (lo * fHi - hi * fLo) / (fHi - fLo)
      if !(s > lo && s < hi) { s = 0.5 * (lo + hi) }
      let value = f(s)
      if (value > 0) == (fHi > 0) {
        hi = s
        fHi = value
        valueHi = value
        if side == 1 { fLo *= 0.5 }
        side = 1
      } else {
        lo = s
        fLo = value
        valueLo = value
        if side == -1 { fHi *= 0.5 }
        side = -1
      }
    }
    return (hi, (valueHi - valueLo) / (hi - lo))
  }

  /// Adds sample n's share of the correction over s ∈ [a, b] (its slopes there: `slopes`):
  /// ∫ Δg dt to `correction` and ∫ (t_1 − t) Δg dt to `lever`, with Δg = g_n(slopes) − g_n(P_0).
  private func addCorrection(sample n: Int, from a: Double, to b: Double, h: Double) {
    guard b > a else { return }
    for node in 0..<3 {
      // (2 points moved a random 3-layer run by 3e-5 against 2e-6: Δg is not smooth enough for it.)
      let (x, w) = (Self.gaussNodes[node], Self.gaussWeights[node])
      let s = a + (b - a) * (x + 1) / 2
      let weight = w * (b - a) / 2 * h
      pathState(s, h: h, into: path)
      difference.update(repeating: 0, count: dimension)
      field.addForce(path, sample: n, slopes: slopes, scale: 1, into: difference, scratch: rootZ)
      field.addForce(path, sample: n, slopes: startSlopes, scale: -1, into: difference, scratch: rootZ)
      let leverWeight = weight * (1 - s) * h
      for i in 0..<dimension {
        correction[i] += weight * difference[i]
        lever[i] += leverWeight * difference[i]
      }
    }
  }
}
