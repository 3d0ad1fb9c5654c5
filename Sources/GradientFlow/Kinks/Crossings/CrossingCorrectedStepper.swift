import ODE

/// Steps of a piecewise-linear network's unconstrained flow θ̇ = F(θ) = −∇L(θ) that integrate one
/// activation pattern at a time and correct for the pattern changes inside the step (`--sliding
/// corrected`, docs/relu-kinks.md).
///
/// F jumps where a pre-activation z_p = W_k[j, :]·h_{k−1,n} changes sign. A Runge–Kutta step across a
/// jump has an error first order in h, so a plain stepper takes one or more tiny steps per crossing, however
/// smooth the field is between crossings. Here a step from θ_0 of size h
///
/// 1. integrates the **frozen field** F_0 = F(·; P_0) of the pattern P_0 at θ_0 (every slope fixed,
///    ``NetworkEvaluator/usesFrozenPattern``; a smooth field) with a GSL 4(5) pair (``FrozenPair``), giving θ̃_1, its error
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
/// Evaluations per attempt: 6 of F_0 (the 4(5) pair with its end-point rate), for deep nets one forward pass at
/// s = ½, and, when a crossing was found, one for J·v and one of the true F at the corrected θ_1 (the next
/// step's start). Between crossings the frozen field's end rate is the next start's rate.
public final class CrossingCorrectedStepper: RescaledTimeEngine {
  /// The correction's share of the error estimate: a step is accepted only when `correctionWeight` × the
  /// second correction term is within tolerance. Positive; below 1 trusts the propagated second-order
  /// correction (local extrapolation), larger is more cautious. See ``defaultCorrectionWeight``.
  public let correctionWeight: Double
  /// 0.3: a smaller weight takes longer steps (fewer evaluations) at a larger correction error; 0.3 was
  /// chosen against the benchmark problems' reference answers (the measurements: docs/relu-kinks.md).
  public static let defaultCorrectionWeight = 0.3

  public let dimension: Int
  public internal(set) var rejectedSteps = 0
  public internal(set) var ownEvaluations = 0
  public internal(set) var failureMessage: String?
  /// Evaluations where the Filippov slope solver had more candidates than it holds (``FilippovCounting``).
  public var filippovOverflows: Int { (dynamics as? any FilippovCounting)?.overflowCount ?? 0 }
  /// The Filippov flow's evaluations with an exit slope, and with an unresolved repelling unit (``RepellingExitRule``).
  public var repellingExits: (exits: Int, unresolved: Int) {
    (slidingFlow?.repellingExitCount ?? 0, slidingFlow?.unresolvedRepellingCount ?? 0)
  }
  /// Crossings corrected in accepted steps.
  public internal(set) var crossings = 0

  let network: NetworkEvaluator
  /// Rows per product of ``firstLayerRates(_:into:)``: the network's blocks under `small-gemm` (OpenBLAS's
  /// small-matrix kernels, no packing or zeroing of the N × d_1 result), all N at once under `cache` (the
  /// legacy single product).
  let rateBlockRows: Int
  /// The field on the network: ReLU nets get the Filippov slopes on sliding pairs (``FilippovFlow``,
  /// ``DeepFilippovFlow``), which see the frozen pattern through ``NetworkEvaluator/isActive(layer:at:)``.
  let dynamics: any FlowDynamics
  /// The same network's field without Filippov slopes, for the steps that start with no pair sliding
  /// (the flows' candidate scan is then skipped; a pair that starts to slide inside such a step is an entry,
  /// handled by the correction). nil when `dynamics` has no Filippov slopes.
  let plainDynamics: (any FlowDynamics)?
  /// M(θ) of a normalized flow integrated in W (``NormalizedWeightField``): the field is M·G and a crossing
  /// changes it by M·ΔG. nil for the unconstrained flow (M = 1).
  let normalization: NormalizedWeightField?
  /// Whether the last evaluation of the true field at a step's start had sliding pairs.
  var holdsSlidingPairs = true
  /// η of the Filippov flows' kink band, or nil (no sliding treatment: leaky ReLU without `leakySliding`).
  let band: Double?
  /// The two-layer Filippov flow (its per-pair bands), or nil.
  let slidingFlow: FilippovFlow?
  /// Finds chattering first-layer pairs and hands them to the sliding set (nil: `holdsChatter` off, or
  /// deeper nets without `holdsDeepChatter`).
  let chatter: ChatterMonitor?
  /// The flow whose first-layer pair bands the hold widens (``FilippovFlow``, ``DeepFilippovFlow``), or nil
  /// when there is no hold.
  let heldBands: (any HeldPairBands)?
  let field: SampleField
  /// The batched correction of a net with one hidden layer (`crossing_kernel` `batched`), else nil.
  let shallow: ShallowCorrection?
  /// Projects sliding pairs back onto their surfaces at each step's end (`sliding_correction` `projected`,
  /// the unconstrained flow of a net with one hidden layer), else nil.
  let projection: SlidingProjection?
  /// Whether the correction of a step with crossings keeps the sliding pairs on their surfaces
  /// (`sliding_correction` `kept` or `resolved`, ``SlidingCorrection``; the unconstrained flow of a net with one
  /// hidden layer).
  let keepsSlidingInCorrection: Bool
  /// The box QP of the sliding slopes' change after a step's crossings (`sliding_correction` `resolved`), or nil
  /// (`kept`: the plain cancellation), and its scratch: the samples of one unit's pairs in it.
  let slopeChange: FilippovSlopeSolver?
  let resolvedSamples: UnsafeMutablePointer<Int>
  /// Under `resolved`, the pairs that started to slide in the current attempt (batched kernel, lone samples):
  /// sample, unit, the time τ_e = (1 − s_e)h they slide in the step, and their slope term U_e and bound L_e
  /// after the entry (``ShallowCorrection/addSliding``).
  let entrySamples: UnsafeMutablePointer<Int>
  let entryUnits: UnsafeMutablePointer<Int>
  let entryTimes: UnsafeMutablePointer<Double>
  let entrySlopeTerms: UnsafeMutablePointer<Double>
  let entryLowers: UnsafeMutablePointer<Double>
  var entryCount = 0
  /// Whether each trial step of size h caps the Filippov pull-back's rate at 1/(h·max(a_1, 1)) (`pull_back`
  /// `flow-limited`, or `step-limited` on the unconstrained flow; ``SlidingPullBack``; a net with one hidden
  /// layer). a_1 is the normalized flows' tangential factor of the first layer, 1 for the unconstrained flow.
  let limitsPullBack: Bool
  /// The first-layer rows of the last accepted step's start, for the hold of collapsed units (``UnitCollapse``
  /// `hold`: a ReLU net with one hidden layer, unconstrained flow), else nil.
  let collapseRows: UnsafeMutablePointer<Double>?
  /// Per first-layer unit, the index (in ``crossingSteps``) of the last step whose path passed through w_j = 0
  /// and ended pointing back to it, for that hold.
  let lastPasses: UnsafeMutablePointer<Int>
  /// Accepted steps with crossings so far (the hold's clock).
  var crossingSteps = 0
  /// The records of the crossing times moved onto the corrected path (``CrossingTimes`` `shifted`: one hidden
  /// layer, unconstrained flow), else nil.
  let crossingShift: CrossingShift?
  /// The frozen pattern's slope for a pair sliding at a step's start (``SlidingPattern``).
  let slidingPattern: SlidingPattern
  /// Whether the current attempt's events are in ``crossingShift`` (else the follower computes them).
  var hasShiftedEvents = false
  /// First-layer units set to w_j = 0 by that hold.
  public internal(set) var collapsedUnits = 0
  let tolerances: Tolerances
  let sampleCount: Int
  let hiddenCount: Int
  /// Offset (in the hidden layout) and width of each hidden layer.
  let layerOffsets: [Int]
  let layerWidths: [Int]
  /// d_0 … d_K and the offsets of W_1 … W_K in θ (index k; entry 0 is 0).
  let layerSizes: [Int]
  let parameterOffsets: [Int]
  let positiveSlope = 1.0
  /// The slope below the kink (0 for ReLU, the leaky slope otherwise).
  let lowerSlope: Double

  /// GSL's step of the ``FrozenPair`` on the frozen field (set at the end of init: it captures self).
  var frozenStep: EmbeddedStep!
  /// Exponential steps for a normalized flow's stiff mode (`normalized_kinks` `exponential`), else nil; set at the
  /// end of init (it captures self).
  var exponentialStep: ExponentialFrozenStep?
  /// Accepted steps since the stiff mode was last refreshed (``exponentialStep``).
  var stepsSinceMode = 0
  /// The clock value of the last refresh.
  var modeTime = 0.0
  /// Accepted steps between refreshes of the stiff mode, and the relative growth of t that refreshes it sooner:
  /// λ_1 falls roughly like 1/t late in a run, and a stale λ_1 leaves N a stiff remainder of (λ_1 − λ̃_1).
  static let modeRefreshInterval = 20
  static let modeRefreshGrowth = 0.1
  /// h|λ_1| above which a step is exponential (Cash–Karp's stability interval ends at 3.73).
  static let exponentialThreshold = 2.0

  /// Owns every buffer below (freed with the stepper).
  private let arena: ScratchArena
  // θ-sized buffers.
  let start: UnsafeMutablePointer<Double>
  let startRate: UnsafeMutablePointer<Double>
  let end: UnsafeMutablePointer<Double>
  let endRate: UnsafeMutablePointer<Double>
  let stepError: UnsafeMutablePointer<Double>
  let path: UnsafeMutablePointer<Double>
  let correction: UnsafeMutablePointer<Double>
  let lever: UnsafeMutablePointer<Double>
  let difference: UnsafeMutablePointer<Double>
  let probeRate: UnsafeMutablePointer<Double>
  /// For sliding pairs: θ̃'(s), ∇_θ z_u, and the force differences of a flip and of the sample's piece.
  let pathDerivative: UnsafeMutablePointer<Double>
  let zGradient: UnsafeMutablePointer<Double>
  let flipDifference: UnsafeMutablePointer<Double>
  let pieceDifference: UnsafeMutablePointer<Double>
  /// θ̃ at the grid's interior points (cells − 1 states).
  let grid: UnsafeMutablePointer<Double>
  /// Cells per step in which a followed sample of a deep net is checked: a deeper pair that crosses and
  /// crosses back within one cell is not seen, so more cells resolve closer double crossings at one pass
  /// of the sample per cell (8 was chosen against perturbed step sequences: docs/relu-kinks.md).
  static let cells = 8
  // Hidden pre-activations at s = 0, ½, 1 (the network's layout: layer k's N × d_k block at N·offset_k).
  // `startZ` and `endZ` (like `startRateZ` and `endRateZ`) trade buffers when a step without crossings is
  // accepted, instead of copying N × width values.
  var startZ: UnsafeMutablePointer<Double>
  let midZ: UnsafeMutablePointer<Double>
  var endZ: UnsafeMutablePointer<Double>
  // One sample: the pattern at the start, the current slopes, pre-activations (two scratch rows).
  let startSlopes: UnsafeMutablePointer<Double>
  let slopes: UnsafeMutablePointer<Double>
  let sampleZ: UnsafeMutablePointer<Double>
  let rootZ: UnsafeMutablePointer<Double>
  let flagged: UnsafeMutablePointer<Bool>
  /// One sample's first-layer units that started to slide in the step (``continuesAfterEntry``).
  let entered: UnsafeMutablePointer<Bool>
  /// Whether a one-hidden-layer sample is followed past a sliding entry, so that several of its units can
  /// start to slide in one step (the normalized flows, whose unit directions converge fast: a sample then
  /// meets the kinks of several near-parallel units at once). The unconstrained flow keeps stopping at the
  /// first entry, which its recorded runs replay.
  let continuesAfterEntry: Bool
  /// The units of one sample on the wrong side at a grid point.
  let wrongUnits: UnsafeMutablePointer<Int>
  /// ż of the first hidden layer at the step's ends under the frozen pattern (N × d_1: X Ẇ_1ᵀ), the
  /// transposed rate block of W_1 for that product, a cubic's roots, and one sample's crossings in order.
  var startRateZ: UnsafeMutablePointer<Double>
  var endRateZ: UnsafeMutablePointer<Double>
  let rateTransposed: UnsafeMutablePointer<Double>
  let rootScratch: UnsafeMutablePointer<Double>
  let eventTimes: UnsafeMutablePointer<Double>
  let eventUnits: UnsafeMutablePointer<Int>
  /// One first-layer unit's sliding samples (``projectDeepSlidingPairs(_:)``).
  let unitSamples: UnsafeMutablePointer<Int>

  var startTime = Double.nan
  /// σ of the unit e^σ in which this engine measures t (``RescaledTimeEngine``): its steps are in
  /// u = t·e^{−σ} and its field is the flow's times e^σ. The flow is autonomous, so nothing else changes.
  /// A new unit makes the next step a fresh start (its t is not the last step's end) and refreshes the
  /// stiff mode of the exponential steps, whose λ_1 is per unit of time.
  public var logTimeUnit = 0.0 {
    didSet {
      slidingFlow?.logTimeUnit = logTimeUnit
      field.logTimeUnit = logTimeUnit
      shallow?.logTimeUnit = logTimeUnit
      hasStart = false
      stepsSinceMode = Self.modeRefreshInterval
    }
  }
  var hasStart = false
  var stepCrossings = 0
  /// Whether `startRateZ` holds X Ẇ_1ᵀ of the current `startRate` (it changes only at a restart or an
  /// accepted step, so a rejected trial's retry reuses it).
  var startRatesFresh = false

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
    surfaces: CoincidentKinks.Treatment = .merged, leakySliding: Bool = false, holdsChatter: Bool = false,
    holdsDeepChatter: Bool = false, deepSliding: DeepSliding = .highest,
    kernel: CrossingKernel = .batched, frozenPair: FrozenPair = .rkck,
    slidingCorrection: SlidingCorrection = .projected, coincidentEntries: CoincidentEntries = .merged,
    pullBack: SlidingPullBack = .fixed, normalization: NormalizedWeightField? = nil,
    normalizedKinks: NormalizedKinks = .separate, blocks: NetworkBlocks = .cache,
    repellingExit: RepellingExit = .rounding, unitCollapse: UnitCollapse = .free,
    crossingTimes: CrossingTimes = .frozen, exitPattern: ExitPattern = .start,
    slidingPattern: SlidingPattern = .roundOff, slidingExit: SlidingExit = .held
  ) throws(ModelError) {
    try Self.checkArchitecture(architecture)
    if normalization != nil, architecture.depth != 2 {
      throw .invalidArchitecture(
        "--sliding corrected is implemented for the normalized flows with one hidden layer only "
          + "(got \(architecture.depth - 1)); use --sliding off")
    }
    self.normalization = normalization
    guard correctionWeight > 0, correctionWeight.isFinite else {
      throw .invalidArchitecture("the correction weight must be positive (got \(correctionWeight))")
    }
    network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels, blocks: blocks)
    network.enableFrozenPattern()
    rateBlockRows = blocks == .smallGemm ? network.blockRowsUsed : labels.count
    // Leaky ReLU gets the Filippov slopes (in [α, 1]) with one hidden layer when `leakySliding`.
    let leakyFilippov = leakySliding && architecture.activation == .leakyRelu && architecture.depth == 2
    let plain =
      architecture.activation == .relu || leakyFilippov ? UnconstrainedFlow(network: network, loss: loss) : nil
    let base: any FlowDynamics
    switch (architecture.activation, architecture.depth) {
    case (_, 2) where architecture.activation == .relu || leakyFilippov:
      base = try FilippovFlow(
        network: network, inputs: inputs, loss: loss, band: slidingBand, surfaces: surfaces)
      band = slidingBand
    case (.relu, _):
      base = try DeepFilippovFlow(
        network: network, inputs: inputs, loss: loss, band: slidingBand, deepSliding: deepSliding)
      band = slidingBand
    default:
      base = UnconstrainedFlow(network: network, loss: loss)
      band = nil
    }
    slidingFlow = base as? FilippovFlow
    // The exit rule is built for the unconstrained field (its ṡ* follows that flow's θ̇).
    if normalization == nil {
      slidingFlow?.repellingExit = repellingExit
      slidingFlow?.exitPattern = exitPattern
      slidingFlow?.slidingExit = slidingExit
    }
    // The batched correction is built for the unconstrained field; a normalized flow (M(W)·G(W)) keeps the
    // per-sample correction, and gets the hold and the projection under `normalized_kinks` `shared` (its
    // sliding pairs and their surfaces are the unconstrained flow's: ``NormalizedKinks``). Deeper nets of the
    // unconstrained flow hold first-layer pairs through ``DeepFilippovFlow``'s per-pair bands (`deep_chatter`).
    let sharesSliding = normalization == nil || normalizedKinks.sharesSliding
    let deepFlow = holdsDeepChatter && normalization == nil ? base as? DeepFilippovFlow : nil
    chatter =
      holdsChatter && sharesSliding && (slidingFlow != nil || deepFlow != nil)
      ? ChatterMonitor(samples: labels.count, width: architecture.layerSizes[1]) : nil
    heldBands = chatter == nil ? nil : slidingFlow.map { $0 as any HeldPairBands } ?? deepFlow
    if let normalization {
      dynamics = NormalizedWeightFlow(base: base, field: normalization)
      plainDynamics = plain.map { NormalizedWeightFlow(base: $0, field: normalization) }
    } else {
      dynamics = base
      plainDynamics = plain
    }
    field = SampleField(architecture: architecture, inputs: inputs, labels: labels, loss: loss)
    shallow =
      kernel == .batched && architecture.depth == 2 && normalization == nil
      ? ShallowCorrection(
        architecture: architecture, inputs: inputs, labels: labels, loss: loss,
        coincident: coincidentEntries == .merged && slidingFlow != nil
          ? CoincidentKinks(inputs: inputs, dimension: architecture.inputDimension, treatment: surfaces) : nil)
      : nil
    limitsPullBack =
      slidingFlow != nil
      && (pullBack == .flowLimited || (pullBack == .stepLimited && normalization == nil))
    // Deeper nets project their first-layer sliding pairs only with the deep hold (`deep_chatter`).
    projection =
      slidingCorrection != .free && sharesSliding && (slidingFlow != nil || heldBands != nil)
      ? SlidingProjection(
        inputs: inputs, inputDimension: architecture.inputDimension, width: architecture.layerSizes[1]) : nil
    keepsSlidingInCorrection =
      (slidingCorrection == .kept || slidingCorrection == .resolved) && projection != nil && slidingFlow != nil
      && normalization == nil
    slopeChange =
      keepsSlidingInCorrection && slidingCorrection == .resolved
      ? FilippovSlopeSolver(capacity: min(labels.count, 256)) : nil
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
    let arena = ScratchArena()
    self.arena = arena
    let buffer = { (count: Int) in arena.buffer(Double.self, count: count) }
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
    flagged = arena.buffer(count: sampleCount)
    entered = arena.buffer(count: hiddenCount)
    continuesAfterEntry = normalization != nil
    wrongUnits = arena.buffer(count: hiddenCount)
    let firstWidth = architecture.layerSizes[1]
    startRateZ = buffer(sampleCount * firstWidth)
    endRateZ = buffer(sampleCount * firstWidth)
    rateTransposed = buffer(firstWidth * architecture.inputDimension)
    rootScratch = buffer(5)
    // Up to a stale flip and three roots per pair.
    eventTimes = buffer(4 * firstWidth + 1)
    eventUnits = arena.buffer(count: 4 * firstWidth + 1)
    unitSamples = arena.buffer(count: max(sampleCount, 1))
    resolvedSamples = arena.buffer(count: slopeChange?.capacity ?? 1)
    entrySamples = arena.buffer(count: max(sampleCount, 1))
    entryUnits = arena.buffer(count: max(sampleCount, 1))
    entryTimes = buffer(max(sampleCount, 1))
    entrySlopeTerms = buffer(max(sampleCount, 1))
    entryLowers = buffer(max(sampleCount, 1))
    collapseRows =
      unitCollapse == .hold && slidingFlow != nil && normalization == nil && lowerSlope == 0
      ? buffer(firstWidth * architecture.inputDimension) : nil
    lastPasses = arena.buffer(count: firstWidth)
    crossingShift =
      crossingTimes == .shifted && architecture.depth == 2 && normalization == nil
      ? CrossingShift(arena: arena, samples: sampleCount, width: firstWidth) : nil
    lastPasses.update(repeating: Int.min / 2, count: firstWidth)
    self.slidingPattern = slidingPattern

    do {
      frozenStep = try EmbeddedStep(stepper: frozenPair.stepper, dimension: p) { [unowned self] y, dydt in
        frozenField(y, into: dydt)
      }
    } catch {
      throw .invalidArchitecture(error.description)
    }
    if let normalization, normalizedKinks.stepsStiffModeExponentially {
      exponentialStep = ExponentialFrozenStep(
        dimension: p, field: { [unowned self] y, dydt in frozenField(y, into: dydt) },
        leftVector: { theta, u, w in normalization.applyInverse(theta: theta, to: u, into: w) })
    }
  }
}
