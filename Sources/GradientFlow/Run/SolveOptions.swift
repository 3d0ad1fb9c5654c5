import Foundation
import ODE

/// How a ``Problem`` is integrated — the "solve" of problem-then-solve: the clock and its end, the saves,
/// the flow's steppers or gradient descent's step, the tolerances and limits (as the ODE layer's
/// ``SolverOptions``), the sliding mode and the stop conditions. ``validate(_:)`` checks a config's solve
/// options once, before anything is read; each component of a run then receives only the part it reads.
public struct SolveOptions {
  /// The clock integrated in (see ``Clock``).
  public let clock: Clock
  /// t at the end (infinite past log t ≈ 709.78) and log t at the end.
  public let tEnd: Double
  public let logTEnd: Double
  /// The ρ clock's end (a stop condition in the other clocks, see ``stops``).
  public let rhoEnd: Double?
  /// How the ρ clock ends at the log-t end (``RhoClockEnd``).
  public let rhoClockEnd: RhoClockEnd
  /// The save times: log-spaced in t from the first save time to the end, as t (where representable) and
  /// as log t.
  public let saveTimes: [Double]
  public let saveLogTimes: [Double]
  /// Gradient descent's learning rate η, replacing the flow (`nil`: the flow).
  public let gradientDescentStep: Double?
  /// The GSL stepper of the t phases and of the log-t and ρ phases.
  public let timeStepper: Stepper
  public let asymptoticStepper: Stepper
  /// Tolerances, error norm, step and wall-clock limits, as the ODE layer takes them (stepper, saves,
  /// stops and step engine are set per phase).
  public let solver: SolverOptions
  public let kinks: KinkOptions
  /// Whether the Lagrange or weight-normalized flow's log-t phases step in t with the t phases' corrected
  /// engine under `auto` with the rule for kinked right-hand sides (``LogTimeKinks/appliesToNormalizedFlow``).
  public let normalizedLogTimeInT: Bool
  /// What `--stepper auto` switches to in the t phases of a one-hidden-layer ReLU net (``StiffKinks``).
  public let stiffKinks: StiffKinks
  /// The stiffness switching rule for kinked right-hand sides with the config's return to msbdf (``ImplicitReturn``),
  /// for the t phases of one hidden ReLU layer and the log-t phases stepping in t.
  public let kinkedSwitching: StiffnessSwitching
  public let stops: StopOptions
  /// OpenBLAS threads (``BLASThreads``; changes the summation order of split products, nothing else).
  public let threads: Int
  /// How the network evaluators block the samples (``NetworkBlocks``; changes summation order only).
  public let networkBlocks: NetworkBlocks

  /// The solve options of a validated `config` for its problem.
  init(config: RunConfig, problem: Problem) {
    let architecture = problem.architecture
    clock = config.clock
    tEnd = config.resolvedTEnd
    logTEnd = config.resolvedLogTEnd
    rhoEnd = config.rhoEnd
    rhoClockEnd = config.rhoClockEnd
    saveTimes = config.saveTimes
    saveLogTimes = config.saveLogTimes
    gradientDescentStep = config.gdStep
    asymptoticStepper =
      config.sliding == .exact && config.stepper(forClock: .logT) == .auto
      ? .rk8pd : Self.stepper(config, architecture: architecture, clock: .logT)
    var solver = SolverOptions()
    solver.tolerances = Tolerances(relative: config.rtol, absolute: config.atol, errorNorm: config.errorNorm)
    solver.maxSteps = config.maxSteps
    solver.wallClockLimit = config.maxWallSeconds
    solver.minStep = config.hmin
    solver.maxStep = config.hmax ?? .infinity
    solver.initialStep = config.initialStep
    solver.recordStates = false
    solver.stepEngineName = "corrected"  // the only step engine ``Stepper/auto`` switches away from
    threads = config.threads
    networkBlocks = config.networkBlocks
    // `auto` takes the Filippov slopes on one hidden ReLU layer whose data have parallel inputs (x, −x):
    // their samples share one kink surface per unit, which the crossing-corrected steps treat as two —
    // unless they merge the class's crossings (`coincident_entries` `merged`, with the batched kernel of the
    // unconstrained flow: ``ShallowCorrection``).
    // The normalized flows' corrected steps with the sliding projection and chatter hold (`normalized_kinks`
    // `shared` or `relaxed`) pass coincident surfaces without merged entries: on mirror-symmetric and XOR data
    // they agree with a tight Filippov run to ≤ 1.4e-8 in log L at 1.5–74× fewer evaluations than `filippov`
    // (docs/kinks.md, "Normalized flows on coincident kink surfaces").
    let passesCoincidentSurfaces =
      config.dynamics == .unconstrained
      ? config.coincidentEntries == .merged && config.crossingKernel == .batched && config.gdStep == nil
      : config.normalizedKinks.sharesSliding
    let coincident =
      config.sliding == .auto && config.kinkSurfaces == .merged && architecture.activation == .relu
      && architecture.depth == 2 && !passesCoincidentSurfaces
      && !CoincidentKinks(inputs: problem.dataset.inputs, dimension: problem.dataset.dimension).isEmpty
    kinks = KinkOptions(
      sliding: config.sliding.resolved(
        architecture: architecture, dynamics: config.dynamics, gradientDescent: config.gdStep != nil,
        coincidentSurfaces: coincident),
      band: config.kinkBand, rtol: config.rtol, surfaces: config.kinkSurfaces,
      alignmentVelocity: config.alignmentVelocity, chatter: config.chatter,
      deepChatter: config.deepChatter, deepSliding: config.deepSliding, leakySliding: config.leakySliding,
      crossingKernel: config.crossingKernel, jacobian: config.kinkJacobian, frozenPair: config.frozenPair,
      slidingCorrection: config.slidingCorrection, coincidentEntries: config.coincidentEntries,
      logTimeKinks: config.logTimeKinks, slidingPullBack: config.slidingPullBack,
      correctionWeight: config.correctionWeight, normalizedKinks: config.normalizedKinks,
      normalizedLogTimeKinks: config.normalizedLogTimeKinks, repellingExit: config.repellingExit,
      unitCollapse: config.unitCollapse, crossingTimes: config.crossingTimes,
      dipSearch: config.dipSearch, exitRate: config.exitRate, exitPattern: config.exitPattern,
      slidingPattern: config.slidingPattern, slidingExit: config.slidingExit)
    solver.differenceStep = kinks.differenceStep
    // One hidden ReLU layer under `stiff_kinks` `switch`: `auto` stays `auto` in t, with the rule for kinked
    // right-hand sides (``StiffKinks``).
    let switchesOnKinks = StiffKinks.applies(
      config.stiffKinks, stepper: config.stepper(forClock: .t), architecture: architecture,
      dynamics: config.dynamics, sliding: kinks.sliding, gradientDescent: config.gdStep != nil)
    // Gradient descent takes its own steps: no stiffness switching around them.
    timeStepper =
      config.gdStep != nil
      ? .rkf45
      : config.sliding == .exact && config.stepper(forClock: .t) == .auto
        ? .rk8pd  // `exact` integrates its smooth pieces with a high-order pair (``EventDrivenStepper``)
        : switchesOnKinks ? .auto : Self.stepper(config, architecture: architecture, clock: .t)
    solver.stepper = timeStepper
    var kinkedSwitching = StiffnessSwitching.kinked
    kinkedSwitching.implicitReturn = config.implicitReturn
    kinkedSwitching.verdict = config.stiffnessVerdict
    self.kinkedSwitching = kinkedSwitching
    if switchesOnKinks { solver.switching = kinkedSwitching }
    // At a minimizer the kinked rule's warm-up is waived (``StiffMinimizer``); the log-t phases stepping in t
    // inherit it with the rest of the solver's options.
    if config.stiffMinimizer == .early, config.stopAtMinimizer {
      solver.nearStationaryFactor = StiffMinimizer.factor
    }
    stiffKinks = config.stiffKinks
    normalizedLogTimeInT =
      config.dynamics != .unconstrained && kinks.sliding == .corrected
      && LogTimeKinks.appliesToNormalizedFlow(
        config.normalizedLogTimeKinks, stiffKinks: config.stiffKinks, stepper: config.stepper(forClock: .logT),
        architecture: architecture, gradientDescent: config.gdStep != nil)
    self.solver = solver
    var stops = StopOptions()
    stops.whenSeparated = config.stopWhenSeparated
    stops.loss = config.stopLoss
    stops.margin = config.stopMargin
    stops.rho = config.clock == .rho ? nil : config.rhoEnd
    stops.kkt = config.stopAtKkt
    stops.minimizer = config.stopAtMinimizer
    stops.minimizerVelocity = config.minimizerVelocity
    self.stops = stops
  }

  /// The stepper of a phase in the given clock.
  func stepper(forClock clock: Clock) -> Stepper { clock == .t ? timeStepper : asymptoticStepper }

  /// The config's stepper of a phase, except that ``Stepper/auto`` on a net with ReLU kinks (relu or
  /// leaky-relu with a hidden layer) is the per-phase choice of runs without a stepper: rkf45, and
  /// msbdf for the Lagrange and weight-normalized flows in the log-t and ρ clocks. A BDF method's history
  /// and Newton iteration assume a smooth right-hand side, which every kink crossing breaks: in the zoo
  /// (docs/stiff.md) switching to msbdf made moons_bias_w8x8 go from 405,106 evaluations to an unfinished
  /// run and xor4_w2 from 6,751 to 23,540; of the ReLU problems only xor4_w8_s1e-3 got faster.
  static func stepper(_ config: RunConfig, architecture: Architecture, clock: Clock) -> Stepper {
    let stepper = config.stepper(forClock: clock)
    let kinked =
      architecture.depth >= 2 && (architecture.activation == .relu || architecture.activation == .leakyRelu)
      && architecture.smoothGate == nil
    guard stepper == .auto, kinked else { return stepper }
    return config.dynamics != .unconstrained && clock != .t ? ConfigDefaults.stiffStepper : ConfigDefaults.legacyStepper
  }

  /// Checks the solve options of a config: the one place each is validated.
  static func validate(_ c: RunConfig) throws(RunError) {
    func require(_ condition: Bool, _ message: String) throws(RunError) {
      if !condition { throw .usage(message) }
    }
    try require(
      c.tEnd.isFinite && c.tEnd > 0,
      "--t-end must be a finite number greater than the start time t = 0 (got \(c.tEnd))")
    try require(c.saves >= 1, "--saves must be at least 1 (got \(c.saves))")
    if let logTEnd = c.logTEnd {
      try require(logTEnd.isFinite, "--log-t-end must be a finite number (got \(logTEnd))")
    }
    if c.saveFrom == nil {
      try require(
        c.resolvedSaveFrom > 0,
        "--t-end \(c.resolvedTEnd) is too small: the first save, t-end/100, underflows to 0; "
          + "choose a --t-end of at least 1e-300")
    }
    try require(
      c.resolvedSaveFrom > 0 && Foundation.log(c.resolvedSaveFrom) <= c.resolvedLogTEnd,
      "--save-from must lie in (0, t-end] (got \(c.resolvedSaveFrom))")
    try require(
      c.clock != .t || c.resolvedLogTEnd < 709.78,
      "the end log t = \(c.resolvedLogTEnd) is past the largest double t (log t ≈ 709.78); use --clock log-t or auto")
    if let eta = c.gdStep {
      try require(eta > 0 && eta.isFinite, "--gd-step must be a positive, finite learning rate (got \(eta))")
      try require(c.clock == .t, "--gd-step runs gradient descent in t (iterate k at t = kη); drop --clock")
      try require(
        c.stepper == nil || c.stepper == .auto,
        "--stepper \(c.stepper?.rawValue ?? "") does not apply to --gd-step (gradient descent takes its own fixed "
          + "steps); drop --stepper or --gd-step")
      // In floating point, before any integer conversion: t_end/η can exceed every integer (η = 1e-300).
      let iterations = c.resolvedTEnd / eta
      try require(
        iterations.isFinite && iterations <= Double(c.maxSteps),
        "--gd-step \(eta) needs \(String(format: "%.3g", iterations)) iterations to reach t-end "
          + "\(c.resolvedTEnd), more than --max-steps \(c.maxSteps); raise --gd-step or --max-steps, or lower --t-end")
    }
    if let weight = c.correctionWeight {
      try require(
        weight > 0 && weight.isFinite, "--correction-weight must be a positive, finite number (got \(weight))")
    }
    if c.sliding == .exact {
      try require(
        c.clock != .rho && c.gdStep == nil && c.dynamics == .unconstrained,
        "--sliding exact integrates the unconstrained flow in the t, log-t or auto clock (got --clock "
          + "\(c.clock.rawValue), --dynamics \(c.dynamics.rawValue)\(c.gdStep == nil ? "" : ", --gd-step")); use "
          + "--clock t with --rho-end for a ρ end, --dynamics unconstrained, or --sliding corrected or filippov")
      try require(
        c.resolvedLogTEnd < 709.78,
        "--sliding exact steps in t, which overflows past log t ≈ 709.78 (the end is log t = \(c.resolvedLogTEnd)); "
          + "use --sliding filippov or corrected for a later end")
      let stepper = c.stepper(forClock: .t)
      try require(
        [.auto, .rk8pd, .rkck, .rkf45, .rk4, .rk2, .bsimp].contains(stepper),
        "--sliding exact steps with an explicit Runge–Kutta pair (--stepper rk8pd, its default, rkck, rkf45, rk4 "
          + "or rk2) or with bsimp, implicit, for stiff pieces (got \(stepper.rawValue))")
    }
    if let rhoEnd = c.rhoEnd {
      try require(rhoEnd > 0 && rhoEnd.isFinite, "--rho-end must be a positive number (got \(rhoEnd))")
    }
    if let tolerance = c.stopAtKkt {
      try require(tolerance > 0 && tolerance.isFinite, "--stop-at-kkt must be a positive tolerance (got \(tolerance))")
    }
    if let target = c.stopMargin {
      try require(target.isFinite, "--stop-margin must be a finite number (got \(target))")
    }
    try require(c.rtol.isFinite && c.rtol > 0, "--rtol must be positive (got \(c.rtol))")
    try require(
      c.rtol < 1,
      "--rtol must be below 1 (got \(c.rtol)): it bounds the relative error of each step; typical values "
        + "are 1e-6 to 1e-10")
    try require(c.atol.isFinite && c.atol >= 0, "--atol must be non-negative (got \(c.atol))")
    try require(c.maxSteps >= 1, "--max-steps must be at least 1 (got \(c.maxSteps))")
    if let loss = c.stopLoss {
      try require(loss > 0 && loss.isFinite, "--stop-loss must be a positive number (got \(loss))")
    }
    try require(c.hmin.isFinite && c.hmin >= 0, "--hmin must be a finite non-negative number (got \(c.hmin))")
    if let hmax = c.hmax {
      try require(hmax > 0, "--hmax must be positive (got \(hmax))")
      try require(c.hmin <= hmax, "--hmin \(c.hmin) exceeds --hmax \(hmax)")
    }
    if c.clock == .t, c.gdStep == nil {
      try require(
        c.hmin < c.resolvedTEnd,
        "--hmin \(c.hmin) is not below t-end \(c.resolvedTEnd): no step fits in the run; lower --hmin")
    }
    if let h = c.initialStep {
      try require(h.isFinite && h > 0, "--initial-step must be a finite positive number (got \(h))")
    }
    if let limit = c.maxWallSeconds {
      try require(limit > 0, "--max-wall-seconds must be positive (got \(limit))")
    }
    if let problem = BLASThreads.problem(with: c.threads) { throw .usage(problem) }
  }
}
