import Foundation
import ODE

/// How a ``Problem`` is integrated — the "solve" of problem-then-solve: the clock and its end, the saves,
/// the flow's steppers or gradient descent's step, the tolerances and limits (as the ODE layer's
/// ``SolverOptions``), the kink policy and the stop conditions. ``validate(_:)`` checks a config's solve
/// options once, before anything is read; each component of a run then receives only the part it reads.
public struct SolveOptions {
  /// The clock integrated in (see ``Clock``).
  public let clock: Clock
  /// t at the end (infinite past log t ≈ 709.78) and log t at the end.
  public let tEnd: Double
  public let logTEnd: Double
  /// The ρ clock's end (a stop condition in the other clocks, see ``stops``).
  public let rhoEnd: Double?
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
  public let stops: StopOptions

  /// The solve options of a validated `config` for its problem.
  init(config: SimulationConfig, problem: Problem) {
    let architecture = problem.architecture
    clock = config.clock
    tEnd = config.resolvedTEnd
    logTEnd = config.resolvedLogTEnd
    rhoEnd = config.rhoEnd
    saveTimes = config.saveTimes
    saveLogTimes = config.saveLogTimes
    gradientDescentStep = config.gdStep
    timeStepper = config.stepper(forClock: .t)
    asymptoticStepper = config.stepper(forClock: .logT)
    var solver = SolverOptions()
    solver.stepper = timeStepper
    solver.tolerances = Tolerances(relative: config.rtol, absolute: config.atol, errorNorm: config.errorNorm)
    solver.maxSteps = config.maxSteps
    solver.wallClockLimit = config.maxWallSeconds
    solver.minStep = config.hmin
    solver.maxStep = config.hmax ?? .infinity
    solver.initialStep = config.initialStep
    solver.recordStates = false
    self.solver = solver
    // `auto` takes the Filippov slopes on one hidden ReLU layer whose data have parallel inputs (x, −x):
    // their samples share one kink surface per unit, which the crossing-corrected steps treat as two.
    let coincident =
      config.sliding == .auto && config.kinkSurfaces == .merged && architecture.activation == .relu
      && architecture.depth == 2
      && !CoincidentKinks(inputs: problem.dataset.inputs, dimension: problem.dataset.dimension).isEmpty
    kinks = KinkOptions(
      policy: config.sliding.resolved(
        architecture: architecture, dynamics: config.dynamics, gradientDescent: config.gdStep != nil,
        coincidentSurfaces: coincident),
      band: config.slidingBand, rtol: config.rtol, surfaces: config.kinkSurfaces,
      alignmentVelocity: config.alignmentVelocity, crossingKernel: config.crossingKernel)
    var stops = StopOptions()
    stops.whenSeparated = config.stopWhenSeparated
    stops.loss = config.stopLoss
    stops.margin = config.stopMargin
    stops.rho = config.clock == .rho ? nil : config.rhoEnd
    stops.kkt = config.stopAtKkt
    self.stops = stops
  }

  /// The stepper of a phase in the given clock.
  func stepper(forClock clock: Clock) -> Stepper { clock == .t ? timeStepper : asymptoticStepper }

  /// Checks the solve options of a config: the one place each is validated.
  static func validate(_ c: SimulationConfig) throws(SimulationError) {
    func require(_ condition: Bool, _ message: String) throws(SimulationError) {
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
        c.stepper == nil,
        "--stepper \(c.stepper?.rawValue ?? "") does not apply to --gd-step (gradient descent takes its own fixed "
          + "steps); drop --stepper or --gd-step")
      // In floating point, before any integer conversion: t_end/η can exceed every integer (η = 1e-300).
      let iterations = c.resolvedTEnd / eta
      try require(
        iterations.isFinite && iterations <= Double(c.maxSteps),
        "--gd-step \(eta) needs \(String(format: "%.3g", iterations)) iterations to reach t-end "
          + "\(c.resolvedTEnd), more than --max-steps \(c.maxSteps); raise --gd-step or --max-steps, or lower --t-end")
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
  }
}
