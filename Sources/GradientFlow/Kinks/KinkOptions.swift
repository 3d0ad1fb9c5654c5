import Foundation

/// How a run treats ReLU kinks (`--sliding`, `--kink-band`), resolved for its problem, and the two
/// bands derived from the tolerance — both defined here and nowhere else.
public struct KinkOptions: Sendable, Equatable {
  /// The sliding mode that runs (`--sliding`): `auto` already resolved (``SlidingMode/resolved(architecture:dynamics:gradientDescent:)``).
  public let sliding: SlidingMode
  /// η of the Filippov and crossing-corrected treatments: pairs with |z| ≤ η‖w‖‖h‖ are on the kink.
  public let band: Double
  /// The band of the sliding diagnostics (trajectory.csv's sliding columns).
  public let diagnosticBand: Double
  /// Whether samples with parallel inputs (x and −x) share one kink surface per unit in the Filippov slopes.
  public let surfaces: CoincidentKinks.Treatment
  /// Which velocity `alignment` and `grad_norm` use where pairs slide.
  public let alignmentVelocity: AlignmentVelocity
  /// Whether the crossing-corrected steps hold chattering pairs on their kink.
  public let chatter: ChatterTreatment
  /// Whether they hold them in nets with two or more hidden layers too (first-layer pairs, under `chatter`).
  public let deepChatter: ChatterTreatment
  /// Whether the deep Filippov slopes solve a sample's pairs in several hidden layers together.
  public let deepSliding: DeepSliding
  /// Whether leaky-ReLU kinks get the Filippov slopes under `corrected`.
  public let leakySliding: LeakySliding
  /// How the crossing-corrected steps compute a one-hidden-layer net's correction.
  public let crossingKernel: CrossingKernel
  /// The embedded pair of the crossing-corrected steps' frozen field.
  public let frozenPair: FrozenPair
  /// Whether the crossing-corrected steps project sliding pairs back onto their kinks at each step's end.
  public let slidingCorrection: SlidingCorrection
  /// Whether the crossing-corrected steps take one unit's simultaneous crossings as one event.
  public let coincidentEntries: CoincidentEntries
  /// How the log-t phases treat kinks under `corrected`.
  public let logTimeKinks: LogTimeKinks
  /// How the Lagrange and weight-normalized flows' log-t phases treat kinks under `corrected`.
  public let normalizedLogTimeKinks: LogTimeKinks
  /// Whether the crossing-corrected steps cap the Filippov pull-back's rate at 1/h.
  public let slidingPullBack: SlidingPullBack
  /// The normalized flows' sliding treatment and correction weight in their corrected steps.
  public let normalizedKinks: NormalizedKinks
  /// Where a pair leaves a sliding surface that turns repelling (the unconstrained Filippov flow, one hidden layer).
  public let repellingExit: RepellingExit
  /// Whether the crossing-corrected steps hold a ReLU unit whose input weights collapse to 0.
  public let unitCollapse: UnitCollapse
  /// Where the crossing-corrected steps place a unit's later crossings in a step.
  public let crossingTimes: CrossingTimes
  /// Whether `exact` searches each step for pairs that cross their kink and come back.
  public let dipSearch: DipSearch
  /// How `exact` takes ṡ* at a repelling exit.
  public let exitRate: ExitRate
  /// Whether the crossing-corrected steps' frozen pattern takes a repelling exit's side.
  public let exitPattern: ExitPattern
  /// The frozen pattern's slope for a pair sliding at a corrected step's start.
  public let slidingPattern: SlidingPattern
  /// Whether a pair on its kink to round-off leaves at its slope program's bound inside a corrected step.
  public let slidingExit: SlidingExit
  /// The step of the implicit steppers' finite-difference Jacobian where the flow has Filippov slopes.
  public let jacobian: KinkJacobian
  /// The crossing-corrected steps' share of the second correction term in their error estimate
  /// (``CrossingCorrectedStepper/correctionWeight``).
  public let correctionWeight: Double
  /// The correction weight of the normalized flows' corrected steps: `correctionWeight` when set, else
  /// ``NormalizedKinks/correctionWeight``.
  public let normalizedCorrectionWeight: Double

  /// `band` nil takes ``defaultBand(rtol:)``, `correctionWeight` nil
  /// ``CrossingCorrectedStepper/defaultCorrectionWeight``. The diagnostics' band is max(1e-6, 100·rtol): chattering
  /// pairs hover at |z| ~ rtol·‖w‖‖x‖, so it sits two decades above that.
  public init(
    sliding: SlidingMode, band: Double?, rtol: Double, surfaces: CoincidentKinks.Treatment = .merged,
    alignmentVelocity: AlignmentVelocity = .flow, chatter: ChatterTreatment = .hold,
    deepChatter: ChatterTreatment = .hold, deepSliding: DeepSliding = .coupled, leakySliding: LeakySliding = .filippov,
    crossingKernel: CrossingKernel = .batched,
    jacobian: KinkJacobian = .inBand, frozenPair: FrozenPair = .rkck,
    slidingCorrection: SlidingCorrection = .resolved, coincidentEntries: CoincidentEntries = .merged,
    logTimeKinks: LogTimeKinks = .corrected, slidingPullBack: SlidingPullBack = .flowLimited,
    correctionWeight: Double? = nil, normalizedKinks: NormalizedKinks = .relaxed,
    normalizedLogTimeKinks: LogTimeKinks = .rebased, repellingExit: RepellingExit = .rule,
    unitCollapse: UnitCollapse = .hold, crossingTimes: CrossingTimes = .frozen,
    dipSearch: DipSearch = .interior, exitRate: ExitRate = .derivative, exitPattern: ExitPattern = .exitSide,
    slidingPattern: SlidingPattern = .roundOff, slidingExit: SlidingExit = .held
  ) {
    self.normalizedLogTimeKinks = normalizedLogTimeKinks
    self.repellingExit = repellingExit
    self.unitCollapse = unitCollapse
    self.crossingTimes = crossingTimes
    self.dipSearch = dipSearch
    self.exitRate = exitRate
    self.exitPattern = exitPattern
    self.slidingPattern = slidingPattern
    self.slidingExit = slidingExit
    self.normalizedKinks = normalizedKinks
    self.correctionWeight = correctionWeight ?? CrossingCorrectedStepper.defaultCorrectionWeight
    self.slidingPullBack = slidingPullBack
    normalizedCorrectionWeight = correctionWeight ?? normalizedKinks.correctionWeight
    self.slidingCorrection = slidingCorrection
    self.coincidentEntries = coincidentEntries
    self.logTimeKinks = logTimeKinks
    self.frozenPair = frozenPair
    self.jacobian = jacobian
    self.crossingKernel = crossingKernel
    self.chatter = chatter
    self.deepChatter = deepChatter
    self.deepSliding = deepSliding
    self.leakySliding = leakySliding
    self.sliding = sliding
    self.surfaces = surfaces
    self.alignmentVelocity = alignmentVelocity
    self.band = band ?? Self.defaultBand(rtol: rtol)
    diagnosticBand = max(SlidingDiagnostics.defaultBand, 100 * rtol)
  }

  /// The default kink band of the Filippov and corrected treatments: η = 100·rtol, capped at 1e-2. A
  /// chattering pair's |z|/(‖w‖‖x‖) sits at the tolerance level, and the RMS norm lets one component's error
  /// exceed rtol several-fold, so the band must sit well above it (with η = 10·rtol pairs escaped the band
  /// and chattered; docs/kinks.md).
  public static func defaultBand(rtol: Double) -> Double { min(100 * rtol, 1e-2) }

  /// The relative step of the finite-difference Jacobian (``SolverOptions/differenceStep``): η/100, at most
  /// ε^{1/3}, where the flow has a kink band (`filippov`, `corrected`) and ``jacobian`` is `in-band`; nil
  /// (ε^{1/3}) otherwise. See ``KinkJacobian``.
  public var differenceStep: Double? {
    guard jacobian == .inBand, sliding == .filippov || sliding == .corrected else { return nil }
    return min(cbrt(Double.ulpOfOne), band / 100)
  }
}
