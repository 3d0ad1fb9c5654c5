import Foundation
import ODE

/// Steps of `--sliding exact`: the event-driven reference integration of the unconstrained flow of a net
/// with one hidden layer (relu or leaky relu), stepping in t (log-t phases through ``LogClockEngine``;
/// docs/kinks.md "Exact").
///
/// Between events the activation pattern is frozen (``FrozenPatternField``: every pair's slope fixed, the
/// sliding surfaces held by the equivalent control) and the field is polynomial in θ, so an embedded
/// Runge–Kutta pair (rk8pd unless `--stepper` names another explicit one) with its usual error control
/// integrates it at its full order; `--stepper bsimp` integrates stiff pieces with GSL's implicit Bulirsch–Stoer
/// method, its Jacobian by central differences (``EmbeddedStep``; docs/stiff.md, "Stiff pieces of the exact
/// engine"), each trial step Φ_h checked against two half steps Φ_{h/2}∘Φ_{h/2} from the same start: its error is
/// the larger of bsimp's own estimate (the last correction of its extrapolation, which on stiff pieces was 100
/// times too small: docs/stiff.md, "The half-step check of implicit pieces") and |Φ_h − Φ_{h/2}∘Φ_{h/2}|.
/// After every trial step the end is checked for events:
///
/// - a pair off its sliding surfaces whose relative pre-activation side·z/(‖x‖‖w‖) went below −1e-13
///   (``roundoff``) — it crossed its kink;
/// - a sliding surface whose share λ left (0, 1) — the flow leaves the surface;
/// - with `dip_search` `interior`, a pair whose z dips across its kink and back inside the step
///   (``DipSearch``, ``searchDips(step:)``): its first zero is the event;
/// - with `repelling_exit` `rule`, the output weight a_j of a unit with exactly one sliding surface
///   crossing 0 — the surface turns repelling and the pair leaves it there (``RepellingExit``; below).
///
/// The first event in the step is located to round-off in τ by the Illinois method on G(τ) = the least
/// event function of the flagged pairs and surfaces at Φ_τ(θ_0), where Φ_τ is one Runge–Kutta step of size τ
/// from the step's start (each iterate a full step of the method, so the state at the event has the
/// method's local error, not an interpolant's). The step stops there; the pairs on their kink are resolved
/// into crossings and sliding surfaces by the box LCP (``FrozenPatternField/resolve(_:atZero:candidates:coincident:scratch:)``),
/// and the next step integrates the new pattern. A switch therefore costs no order: the global error falls
/// like the method's (tested in ExactStepperTests), where a stepper that steps across the switch has a
/// first-order local error there.
///
/// **Repelling exits.** On a sliding surface of unit j, ż = a_j A (s − s*) with s* the equivalent control,
/// which does not depend on a_j; when a_j crosses 0 the surface turns repelling and the Filippov solution
/// is not unique (`rounding`, the legacy behaviour, stays on it until s* leaves (0, 1)). The smooth-ReLU
/// limit leaves at that instant to the side of −ṡ* (docs/kinks.md "Repelling sliding surfaces"), so under
/// `rule` the crossing is an event located like the others (event function sign(a_j at the piece's
/// start)·a_j/‖w_j‖), and at it the surface's pairs are taken off it with the share of that side: λ = 0
/// (below) if s* is rising at the event, λ = 1 (above) if it is falling — the sign of ṡ* from λ's derivative along
/// the flow there (``ExitRate`` `derivative`), or, for runs recorded before `exit_rate`, from the chord of λ over
/// the last 100–200 accepted steps of the piece (``chordSteps``; benchmarks/zoo/reference.py takes the last
/// step's chord at its tight tolerances). The new pattern is resolved with those pairs held on their side (the box LCP
/// would put a repelling scalar surface below whatever ṡ*), and until they leave round-off of their kink
/// they are not re-resolved at later events. A unit with two or more sliding surfaces at a_j = 0 keeps the
/// legacy behaviour (the smooth limit depends on the mollifier there) and is counted in
/// ``unresolvedRepelling``, as is a crossing whose ṡ* is 0.
///
/// Under `dip_search` `step-ends` (runs recorded before the key) a pair may cross and cross back within one
/// step without being seen, so whether its crossing is an event depends on where the steps end, and so on
/// rtol. Events at the step's start that repeat without
/// progress (a pattern the LCP keeps re-entering) end the run after ``stallLimit``.
public final class EventDrivenStepper: StepEngine {
  /// Relative |z|/(‖x‖‖w‖) at which a pair counts as on its kink (z is a sum of d products).
  public static let roundoff = 1e-13
  /// Consecutive events without progress in t that end the run.
  static let stallLimit = 1000
  /// Illinois iterations per event (the bracket reaches a few ulps of t in far fewer).
  static let locatorIterations = 200

  public let dimension: Int
  public private(set) var rejectedSteps = 0
  public var ownEvaluations: Int { field.evaluations }
  public var ownJacobians: EngineJacobians { rungeKutta.jacobians }
  public private(set) var failureMessage: String?
  /// Events handled (crossings, sliding entries and exits; several pairs may switch at one event).
  public private(set) var events = 0
  /// Events after which some surface slides.
  public private(set) var slidingEvents = 0
  /// The Runge–Kutta pair and, for tests, a fixed step (nil: error control).
  public let stepper: Stepper
  public let fixedStep: Double?
  /// Whether a repelling surface is left at a_j = 0 (`rule`) or held until s* leaves (0, 1) (`rounding`).
  public let repellingExit: RepellingExit
  /// `rule`: exits applied at a_j = 0, and crossings of a_j = 0 left unresolved (two or more sliding surfaces
  /// on the unit, or a zero chord of s*).
  public internal(set) var repellingExits = 0
  public internal(set) var unresolvedRepelling = 0
  /// Whether accepted steps are searched for pairs that cross and come back inside them (``DipSearch``), and
  /// the steps in which that search found a pair past its kink.
  public let dipSearch: DipSearch
  public internal(set) var dipsFound = 0
  /// Candidates of the dip search minimised along their step (``searchDips(step:)``).
  public internal(set) var dipSearches = 0

  let field: FrozenPatternField
  private let candidates: KinkSurfaceSet
  private let coincident: CoincidentKinks
  private let lcp: UnitBoxLCP
  private let tolerances: Tolerances
  private var order: Double = 0
  private var rungeKutta: EmbeddedStep!

  private let arena = ScratchArena()
  let start: UnsafeMutablePointer<Double>
  let startRate: UnsafeMutablePointer<Double>
  let trial: UnsafeMutablePointer<Double>
  let trialRate: UnsafeMutablePointer<Double>
  private let stepError: UnsafeMutablePointer<Double>
  let probe: UnsafeMutablePointer<Double>
  let probeRate: UnsafeMutablePointer<Double>
  /// The state and rate at the midpoint of an implicit piece's step, and a pair's event function there (the dip
  /// search).
  let midpoint: UnsafeMutablePointer<Double>
  let midpointRate: UnsafeMutablePointer<Double>
  /// Implicit pieces: the two half steps' end and its last error estimate, and whether ``midpoint`` holds the
  /// current trial step's Φ_{h/2}(θ_0).
  let halfEnd: UnsafeMutablePointer<Double>
  let halfError: UnsafeMutablePointer<Double>
  var midpointReady = false
  var midpointValue = 0.0
  /// The implicit locator's event functions (their codes as ``eventValue(_:)``'s `which`) and their values at the
  /// bracket's ends and at the probe (``locateImplicit(step:end:)``).
  var locatorCodes: [Int] = []
  var locatorA: [Double] = []
  var locatorB: [Double] = []
  var locatorC: [Double] = []
  let located: UnsafeMutablePointer<Double>
  let norms: UnsafeMutablePointer<Double>
  /// Per pair: flagged in the current step, on its kink at an event, and its event function's offset
  /// min(0, side·z/(‖x‖‖w‖)) at the piece's start (0 but for a pair resolved a few ulps past its kink).
  let flagged: UnsafeMutablePointer<Bool>
  let atZero: UnsafeMutablePointer<Bool>
  let pieceOffset: UnsafeMutablePointer<Double>
  let flaggedSurface: UnsafeMutablePointer<Bool>
  /// Per sliding surface: its share at the step's start and end, and the least distance min(λ, 1 − λ) over the
  /// step's stages (the dip search).
  let startShare: UnsafeMutablePointer<Double>
  let endShare: UnsafeMutablePointer<Double>
  let stageShare: UnsafeMutablePointer<Double>
  /// Per unit: sign of a_j at the piece's start if it has a sliding surface (else 0), and whether its
  /// crossing of a_j = 0 is flagged in the current step. Per pair: left a repelling surface by the rule and
  /// still within round-off of its kink.
  let unitSign: UnsafeMutablePointer<Double>
  let flaggedUnit: UnsafeMutablePointer<Bool>
  let repelled: UnsafeMutablePointer<Bool>
  /// Per unit: its surface's share at the chord's anchor and at the next anchor (``chordSteps``).
  let anchorShare: UnsafeMutablePointer<Double>
  let nextAnchorShare: UnsafeMutablePointer<Double>
  /// Accepted steps since the next anchor was taken.
  var anchorSteps = 0
  /// How ṡ* is taken at an exit (``ExitRate``); under `derivative`, θ̇ at the event and each unit's share at
  /// θ ± σθ̇ (``shareDifferences(at:)``).
  public let exitRate: ExitRate
  let exitDirection: UnsafeMutablePointer<Double>
  let shareAhead: UnsafeMutablePointer<Double>
  let shareBehind: UnsafeMutablePointer<Double>

  private var hasPiece = false
  var pieceTime = Double.nan
  private var stalled = 0

  /// `stepper` must be an explicit Runge–Kutta pair of GSL (rk2, rk4, rkf45, rkck, rk8pd) or bsimp, whose order is
  /// the one GSL states for its extrapolation.
  public init(
    architecture: Architecture, inputs: [Double], labels: [Double], loss: Loss, tolerances: Tolerances,
    stepper: Stepper = .rk8pd, fixedStep: Double? = nil, repellingExit: RepellingExit = .rounding,
    dipSearch: DipSearch = .stepEnds, exitRate: ExitRate = .chord
  ) throws(ModelError) {
    let explicitOrders: [Stepper: Double] = [.rk2: 2, .rk4: 4, .rkf45: 5, .rkck: 5, .rk8pd: 8]
    guard explicitOrders[stepper] != nil || stepper == .bsimp else {
      throw .invalidArchitecture(
        "--sliding exact steps with an explicit Runge–Kutta pair (--stepper rk8pd, its default, rkck, rkf45, rk4 "
          + "or rk2) or with bsimp, implicit, for stiff pieces (got \(stepper.rawValue))")
    }
    if let fixedStep, !(fixedStep > 0 && fixedStep.isFinite) {
      throw .invalidArchitecture("the exact stepper's fixed step must be positive (got \(fixedStep))")
    }
    field = try FrozenPatternField(architecture: architecture, inputs: inputs, labels: labels, loss: loss)
    field.blasProducts = stepper == .bsimp
    self.stepper = stepper
    self.fixedStep = fixedStep
    self.repellingExit = repellingExit
    self.dipSearch = dipSearch
    self.exitRate = exitRate
    self.tolerances = tolerances
    dimension = field.dimension
    let d = architecture.inputDimension
    coincident = CoincidentKinks(inputs: inputs, dimension: d)
    let pairs = max(labels.count * field.width, 1)
    candidates = KinkSurfaceSet(pairs: pairs, width: field.width)
    lcp = UnitBoxLCP(capacity: field.unitCapacity, inputDimension: d)
    let p = dimension
    start = arena.buffer(count: p)
    startRate = arena.buffer(count: p)
    trial = arena.buffer(count: p)
    trialRate = arena.buffer(count: p)
    stepError = arena.buffer(count: p)
    probe = arena.buffer(count: p)
    probeRate = arena.buffer(count: p)
    midpoint = arena.buffer(count: p)
    midpointRate = arena.buffer(count: p)
    halfEnd = arena.buffer(count: p)
    halfError = arena.buffer(count: p)
    located = arena.buffer(count: p)
    norms = arena.buffer(count: field.width)
    flagged = arena.buffer(count: pairs)
    atZero = arena.buffer(count: pairs)
    atZero.update(repeating: false, count: pairs)
    pieceOffset = arena.buffer(count: pairs)
    flaggedSurface = arena.buffer(count: pairs)
    startShare = arena.buffer(count: pairs)
    endShare = arena.buffer(count: pairs)
    stageShare = arena.buffer(count: pairs)
    unitSign = arena.buffer(count: max(field.width, 1))
    unitSign.update(repeating: 0, count: max(field.width, 1))
    flaggedUnit = arena.buffer(count: max(field.width, 1))
    flaggedUnit.update(repeating: false, count: max(field.width, 1))
    repelled = arena.buffer(count: pairs)
    repelled.update(repeating: false, count: pairs)
    anchorShare = arena.buffer(count: max(field.width, 1))
    nextAnchorShare = arena.buffer(count: max(field.width, 1))
    exitDirection = arena.buffer(count: p)
    shareAhead = arena.buffer(count: max(field.width, 1))
    shareBehind = arena.buffer(count: max(field.width, 1))
    do {
      rungeKutta = try EmbeddedStep(stepper: stepper, dimension: p) { [unowned self] y, dydt in
        field.evaluate(y, into: dydt)
      }
    } catch {
      throw .invalidArchitecture(error.description)
    }
    order = explicitOrders[stepper] ?? Double(rungeKutta.order)
  }

  public func step(t: inout Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> StepResult {
    let p = dimension
    if !hasPiece || t != pieceTime || memcmp(y, start, p * MemoryLayout<Double>.stride) != 0 {
      // A new start (or one the solver moved): the sign pattern there, its pairs on their kinks resolved.
      start.update(from: y, count: p)
      field.setSignPattern(start)
      repelled.update(repeating: false, count: field.sampleCount * field.width)
      markPairsOnKinks(start, forced: -1)
      guard beginPiece(at: start) else { return .failed(failureMessage ?? "") }
      hasPiece = true
      pieceTime = t
    }
    let t0 = t
    while true {
      let remaining = target - t0
      guard remaining > 0 else { return .accepted }
      let trialStep = min(fixedStep ?? h, remaining)
      guard t0 + trialStep > t0 else { return .stepSizeUnderflow }
      if dipSearch == .interior { field.resetShareRange() }
      // Implicit pieces: the step is checked against two half steps (``takeHalves(_:)``).
      let checked = !stepper.isExplicit && fixedStep == nil
      midpointReady = false
      guard !checked || takeHalves(trialStep), rungeStep(trialStep, into: trial) else {
        // A stage left the field's finite range (a fast start): a shorter step, as for a rejected one.
        rejectedSteps += 1
        h = 0.1 * trialStep
        guard fixedStep == nil else { return failed("the frozen-pattern field failed at t=\(t0)") }
        continue
      }
      if checked {
        for i in 0..<p { stepError[i] = max(abs(stepError[i]), abs(halfEnd[i] - trial[i])) }
      }
      var next = h
      if fixedStep == nil {
        let ratio = tolerances.errorRatio(stepError, state: trial, rate: startRate, step: trialStep, dimension: p)
        guard ratio <= 1 else {
          rejectedSteps += 1
          h = trialStep * (ratio.isFinite ? max(0.2, 0.9 * pow(ratio, -1 / order)) : 0.2)
          continue
        }
        let grown = trialStep * (ratio > 0 ? min(5, max(0.2, 0.9 * pow(ratio, -1 / order))) : 5)
        next = trialStep < h ? max(h, grown) : grown
      }
      guard field.evaluate(trial, into: trialRate) else { return failed("the frozen-pattern field failed at t=\(t0)") }
      var crossed = flagEvents(trial)
      var end = trialStep
      if dipSearch == .interior, let dip = searchDips(step: trialStep) {
        (crossed, end) = (true, dip)
      }
      guard crossed else {
        // No event: the step stands.
        countUnresolved(at: trial)
        advanceAnchors()
        y.update(from: trial, count: p)
        start.update(from: trial, count: p)
        startRate.update(from: trialRate, count: p)
        startShare.update(from: field.lambda, count: field.sliding.count)
        t = trialStep == remaining ? target : t0 + trialStep
        pieceTime = t
        h = next
        stalled = 0
        return .accepted
      }
      let (tau, forced) =
        stepper.isExplicit ? locate(step: trialStep, end: end) : locateImplicit(step: trialStep, end: end)
      y.update(from: tau == trialStep ? trial : located, count: p)
      t = tau == remaining ? target : t0 + tau
      stalled = tau > 0 ? 0 : stalled + 1
      guard stalled < Self.stallLimit else {
        return failed(
          "--sliding exact: \(Self.stallLimit) events at t=\(t) without progress (the kink pattern does not settle); "
            + "use --sliding filippov")
      }
      let exits = repellingExit == .rule ? chooseExits(at: y) : 0
      start.update(from: y, count: p)
      markPairsOnKinks(start, forced: forced)
      if exits > 0 { holdExits() }
      guard beginPiece(at: start) else { return .failed(failureMessage ?? "") }
      events += 1
      pieceTime = t
      h = next
      return .accepted
    }
  }

  private func failed(_ message: String) -> StepResult {
    failureMessage = message
    return .systemFailed
  }

  /// Implicit pieces: Φ_{h/2}(θ_0) into ``midpoint`` (which the dip search then reuses) and Φ_{h/2}(Φ_{h/2}(θ_0))
  /// into ``halfEnd``, against which the step Φ_h(θ_0) is checked: its error is taken as the larger of bsimp's own
  /// estimate and |Φ_h − Φ_{h/2}∘Φ_{h/2}|.
  func takeHalves(_ step: Double) -> Bool {
    guard rungeStep(0.5 * step, into: midpoint) else { return false }
    midpointReady = true
    halfEnd.update(from: midpoint, count: dimension)
    return rungeKutta.apply(t: 0, h: 0.5 * step, y: halfEnd, error: halfError, rateIn: nil, rateOut: nil)
  }

  /// One Runge–Kutta step of size τ from the step's start into `out` (its error estimate in ``stepError``).
  func rungeStep(_ tau: Double, into out: UnsafeMutablePointer<Double>) -> Bool {
    out.update(from: start, count: dimension)
    return rungeKutta.apply(t: 0, h: tau, y: out, error: stepError, rateIn: startRate, rateOut: nil)
  }

  /// Flags the pairs that crossed and the surfaces whose share left (0, 1) at θ (the field's last
  /// evaluation is at θ); returns whether any did.
  private func flagEvents(_ theta: UnsafePointer<Double>) -> Bool {
    field.weightNorms(theta, into: norms)
    let m = field.width
    var any = false
    for pair in 0..<(field.sampleCount * m) {
      let g = field.violation(pair: pair, theta: theta, weightNorm: norms[pair % m]) - pieceOffset[pair]
      flagged[pair] = g < -Self.roundoff
      any = any || flagged[pair]
    }
    for s in 0..<field.sliding.count {
      let share = field.lambda[s]
      flaggedSurface[s] = !(share > 0 && share < 1)
      any = any || flaggedSurface[s]
    }
    for j in 0..<m {
      flaggedUnit[j] = crossedZero(unit: j, at: theta)
      any = any || flaggedUnit[j]
    }
    return any
  }

  /// G at θ (evaluated first): the least event function of the flagged pairs and surfaces, and which
  /// (a pair index, or −1 − surface).
  private func eventValue(_ theta: UnsafePointer<Double>) -> (value: Double, which: Int)? {
    guard field.evaluate(theta, into: probeRate) else { return nil }
    field.weightNorms(theta, into: norms)
    let m = field.width
    var best = (value: Double.infinity, which: -1)
    for pair in 0..<(field.sampleCount * m) where flagged[pair] {
      let g = field.violation(pair: pair, theta: theta, weightNorm: norms[pair % m]) - pieceOffset[pair]
      if g < best.value { best = (g, pair) }
    }
    for s in 0..<field.sliding.count where flaggedSurface[s] {
      let share = field.lambda[s]
      let g = share.isFinite ? min(share, 1 - share) : -1
      if g < best.value { best = (g, -1 - s) }
    }
    for j in 0..<m where flaggedUnit[j] {
      let g = unitSign[j] * theta[field.outputOffset + j] / (norms[j] + 1e-300)
      if g < best.value { best = (g, -1 - field.sliding.count - j) }
    }
    return best
  }

  /// The first event in (0, end]: the Illinois method on G(τ) at Φ_τ(θ_0), bracket [a, b] with G(a) > 0 ≥ G(b),
  /// to a few ulps of t; `end` is the step, or a point inside it where a pair's dip is past its kink
  /// (``searchDips(step:)``). Returns b (the state there in ``located``, or ``trial`` when b is the whole step)
  /// and the event's pair (−1 for a surface's exit).
  private func locate(step: Double, end bracketEnd: Double) -> (tau: Double, forced: Int) {
    let p = dimension
    if bracketEnd < step {
      guard rungeStep(bracketEnd, into: located) else { return (step, -1) }
    } else {
      located.update(from: trial, count: p)
    }
    guard let end = eventValue(located) else { return (step, -1) }
    var (b, gb, whichB) = (bracketEnd, end.value, end.which)
    // A pair that starts on its kink (g = 0: it was just resolved there) is no event at τ = 0 unless it
    // starts past it by more than round-off; the bracket is bisected until G > 0 at its left end.
    guard let startValue = eventValue(start), startValue.value >= -Self.roundoff else {
      located.update(from: start, count: p)
      return (0, eventValue(start)?.which ?? -1)
    }
    var (a, ga) = (0.0, startValue.value)
    var side = 0
    for _ in 0..<Self.locatorIterations {
      let resolution = 4 * Double.ulpOfOne * max(abs(pieceTime) + b, b)
      guard b - a > resolution, gb < 0 else { break }
      var c = ga > 0 ? b - gb * (b - a) / (gb - ga) : 0.5 * (a + b)
      if !(c > a && c < b) { c = 0.5 * (a + b) }
      guard rungeStep(c, into: probe), let value = eventValue(probe) else { break }
      if value.value <= 0 {
        (b, gb, whichB) = (c, value.value, value.which)
        located.update(from: probe, count: p)
        if side == -1 { ga *= 0.5 }
        side = -1
      } else {
        (a, ga) = (c, value.value)
        if side == 1 { gb *= 0.5 }
        side = 1
      }
    }
    if b == step { trial.update(from: located, count: p) }
    return (b, whichB >= 0 ? whichB : -1)
  }

  /// Marks in ``atZero`` the pairs on their kink at θ (|side·z|/(‖x‖‖w‖) ≤ ``roundoff``), every sliding pair,
  /// and `forced` (the located event's pair, ≥ 0).
  private func markPairsOnKinks(_ theta: UnsafePointer<Double>, forced: Int) {
    field.prepare(theta)
    field.weightNorms(theta, into: norms)
    let m = field.width
    for pair in 0..<(field.sampleCount * m) {
      let r = field.violation(pair: pair, theta: theta, weightNorm: norms[pair % m])
      if repelled[pair] && (abs(r) > Self.roundoff || pair == forced || field.isSliding[pair]) {
        repelled[pair] = false
      }
      atZero[pair] = field.isSliding[pair] || (abs(r) <= Self.roundoff && !repelled[pair]) || pair == forced
    }
  }

  /// Resolves the marked pairs into the new pattern at θ, sets the event offsets of the piece and its start rate.
  private func beginPiece(at theta: UnsafePointer<Double>) -> Bool {
    guard
      let slidingCount = field.resolve(
        theta, atZero: atZero, candidates: candidates, coincident: coincident, scratch: lcp)
    else {
      failureMessage =
        "--sliding exact: no consistent activation pattern at a kink (the box LCP has no solution, or one unit has "
        + "more than \(field.unitCapacity) surfaces on its kink); use --sliding filippov"
      return false
    }
    if slidingCount > 0 { slidingEvents += 1 }
    for j in 0..<field.width {
      unitSign[j] = field.sliding.unitRange(j).isEmpty ? 0 : Self.sign(theta[field.outputOffset + j])
    }
    field.prepare(theta)
    field.weightNorms(theta, into: norms)
    let m = field.width
    for pair in 0..<(field.sampleCount * m) {
      pieceOffset[pair] = min(0, field.violation(pair: pair, theta: theta, weightNorm: norms[pair % m]))
    }
    guard field.evaluate(theta, into: startRate) else {
      failureMessage = "the frozen-pattern field failed at the start of a piece"
      return false
    }
    startShare.update(from: field.lambda, count: field.sliding.count)
    resetAnchors()
    return true
  }
}
