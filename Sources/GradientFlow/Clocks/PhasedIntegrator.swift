import Foundation
import ODE

/// Integrates a ``FlowDynamics`` from t = 0 through the phases its ``Clock`` prescribes, carrying the
/// state over exactly at each switch:
///
/// | clock | phases |
/// |---|---|
/// | `t` | t ∈ [0, t_end] |
/// | `log-t` | t ∈ [0, 1], then s = log t ∈ [0, log t_end] |
/// | `auto` | t ∈ [0, 1]; if L ≥ 1 there, t onward until L < 1; then s = log t to log t_end |
/// | `rho` | t until L < 1, then ρ up to `--rho-end` (or until log t = log t_end) |
///
/// Saves follow ``SaveSpacing`` (``RunConfig/saveLogTimes``): each phase saves the scheduled
/// times that fall inside it (in its own variable; in the ρ phase, evenly in ρ up to the predicted end
/// ρ + Δlog t/γ̄ of THEORY P4). The last state of every phase is saved too, so every switch is a row.
final class PhasedIntegrator {
  /// One phase as it ran.
  struct PhaseRecord {
    let clock: PhaseClock
    /// The GSL stepper (`nil` for gradient descent, whose phase's clock is `gd`).
    let stepper: Stepper?
    let start: Double
    let end: Double
    let termination: Termination
    let statistics: SolverStatistics
  }

  /// How the whole run ended.
  struct Outcome {
    var termination: Termination
    /// The name of the variable the last phase integrated in ("t", "log t", "ρ").
    var timeName: String
    /// The dynamics state at the end (without the ρ clock's log t component).
    var finalState: [Double]
    var finalLogT: Double
    /// t at the end: exact in a t phase, exp(log t) otherwise (infinite past log t ≈ 709.78).
    var finalT: Double
    var statistics: SolverStatistics
    var phases: [PhaseRecord]

    /// The termination in words, with the right variable name, and a diagnosis when an explicit
    /// method's steps were held at its stability limit (h·ρ(J) near 3: the problem is stiff there).
    var message: String {
      let text = termination.description(timeName: timeName)
      guard let diagnosis = statistics.stiffnessDiagnosis(termination) else { return text }
      return text + "; " + diagnosis
    }
  }

  typealias SaveObserver = (_ t: Double, _ logT: Double, _ state: UnsafeBufferPointer<Double>) throws -> Void
  typealias StepObserver = (_ logT: Double, _ state: UnsafeBufferPointer<Double>) -> Void

  private let dynamics: any FlowDynamics
  private let solve: SolveOptions
  private let baseOptions: SolverOptions
  /// log L of a state (for the L < 1 switch and the ρ-phase save plan).
  private let logLoss: (UnsafeBufferPointer<Double>) -> Double
  /// γ̄ of a state (for the ρ-phase save plan).
  private let margin: (UnsafeBufferPointer<Double>) -> Double
  private let rho: (UnsafeBufferPointer<Double>) -> Double
  /// The step engine of the log-t phases (`--sliding exact`: its t engine behind ``LogClockEngine``); nil: GSL.
  private let logTimeEngine: StepEngineFactory?
  /// The log t up to which ``logTimeEngine`` steps; a log-t phase beyond it goes on with the GSL stepper on
  /// the flow in s (the normalized flows' ``LogTimeKinks/latestEnd``; ∞: the whole phase).
  private let logTimeEngineEnd: Double
  /// The stiffness switch of the phase stepped by ``logTimeEngine`` (`--stepper auto` with this rule);
  /// nil: the phase's own stepper and the solve's rule.
  private let logTimeSwitching: StiffnessSwitching?
  /// The implicit engine of that switch (``SolverOptions/implicitEngine``, behind ``LogClockEngine``); nil: msbdf.
  private let logTimeImplicitEngine: StepEngineFactory?

  init(
    dynamics: any FlowDynamics, solve: SolveOptions, baseOptions: SolverOptions,
    logLoss: @escaping (UnsafeBufferPointer<Double>) -> Double,
    margin: @escaping (UnsafeBufferPointer<Double>) -> Double,
    rho: @escaping (UnsafeBufferPointer<Double>) -> Double, logTimeEngine: StepEngineFactory? = nil,
    logTimeEngineEnd: Double = .infinity, logTimeSwitching: StiffnessSwitching? = nil,
    logTimeImplicitEngine: StepEngineFactory? = nil
  ) {
    self.logTimeImplicitEngine = logTimeImplicitEngine
    self.logTimeEngineEnd = logTimeEngineEnd
    self.logTimeSwitching = logTimeSwitching
    self.logTimeEngine = logTimeEngine
    self.dynamics = dynamics
    self.solve = solve
    self.baseOptions = baseOptions
    self.logLoss = logLoss
    self.margin = margin
    self.rho = rho
  }

  func run(initialState: [Double], onSave: @escaping SaveObserver, onStep: @escaping StepObserver) throws(ODEError)
    -> Outcome
  {
    let logTEnd = solve.logTEnd
    let saveLogTimes = solve.saveLogTimes
    var outcome = Outcome(
      termination: .reachedEnd(t: 0), timeName: "t", finalState: initialState, finalLogT: -.infinity, finalT: 0,
      statistics: SolverStatistics(), phases: [])
    let tEnd = solve.tEnd  // may be inf
    let transientEnd: Double
    switch solve.clock {
    case .t: transientEnd = tEnd
    case .logT, .auto: transientEnd = min(Clock.switchTime, tEnd)
    case .rho: transientEnd = tEnd.isFinite ? tEnd : .greatestFiniteMagnitude
    }

    // Phase 1: t from 0.
    let untilLossBelowOne = solve.clock == .rho
    guard
      try runTimePhase(
        from: 0, to: transientEnd, includeInitial: true, switchAtLossBelowOne: untilLossBelowOne,
        saveLogTimes: saveLogTimes, outcome: &outcome, onSave: onSave, onStep: onStep)
    else { return outcome }

    // Auto: stay in t until L < 1.
    if solve.clock == .auto, outcome.finalLogT < logTEnd,
      outcome.finalState.withUnsafeBufferPointer(logLoss) >= 0
    {
      guard
        try runTimePhase(
          from: outcome.finalT, to: tEnd.isFinite ? tEnd : .greatestFiniteMagnitude, includeInitial: false,
          switchAtLossBelowOne: true, saveLogTimes: saveLogTimes, outcome: &outcome, onSave: onSave,
          onStep: onStep)
      else { return outcome }
    }
    guard outcome.finalLogT < logTEnd else { return outcome }

    switch solve.clock {
    case .t: return outcome
    case .logT, .auto:
      try runLogTimePhase(to: logTEnd, saveLogTimes: saveLogTimes, outcome: &outcome, onSave: onSave, onStep: onStep)
    case .rho:
      try runRhoPhase(logTEnd: logTEnd, saveLogTimes: saveLogTimes, outcome: &outcome, onSave: onSave, onStep: onStep)
    }
    return outcome
  }

  /// Runs t ∈ [from, to]; returns whether the run goes on (the phase reached its end or switched).
  private func runTimePhase(
    from start: Double, to end: Double, includeInitial: Bool, switchAtLossBelowOne: Bool, saveLogTimes: [Double],
    outcome: inout Outcome, onSave: @escaping SaveObserver, onStep: @escaping StepObserver
  ) throws(ODEError) -> Bool {
    var options = baseOptions
    let times = solve.saveTimes.filter { $0 > start && $0 <= end }
    options.saveSchedule = SaveSchedule(times: times, includeInitial: includeInitial, includeFinal: true)
    if switchAtLossBelowOne {
      let logLoss = self.logLoss
      options.stopConditions.append(StopCondition(name: Self.switchName) { _, y in -logLoss(y) })
    }
    if let eta = solve.gradientDescentStep {
      let dynamics = self.dynamics
      options.stepEngine = { _, _ in GradientDescent(dynamics: dynamics, learningRate: eta) }
    }
    var solution = try ODESolver(system: FlowSystem(dynamics: dynamics), options: options).solve(
      from: start, to: end, initialState: outcome.finalState,
      onSave: { t, y in try onSave(t, log(t), y) }, onStep: { t, y in onStep(log(t), y) })
    if let eta = solve.gradientDescentStep, solution.termination.isSuccess,
      GradientDescent.lossDiverged(logLoss: solution.finalState.withUnsafeBufferPointer(logLoss))
    {
      // The last iterate reached the end, but its loss overflowed: a diverged run, not a success.
      solution.termination = .rhsFailed(
        t: solution.finalTime,
        message: GradientDescent.divergence(
          at: solution.finalTime, iteration: solution.statistics.stepsAccepted, learningRate: eta))
    }
    record(
      solution, clock: solve.gradientDescentStep == nil ? .t : .gradientDescent,
      stepper: solve.gradientDescentStep == nil ? options.stepper : nil,
      start: start, logT: log(solution.finalTime), outcome: &outcome)
    switch solution.termination {
    case .reachedEnd: return true
    case .stopCondition(let name, _) where name == Self.switchName: return true
    default: return false
    }
  }

  /// The log-t phase: with ``logTimeEngine`` up to ``logTimeEngineEnd``, then (if the end lies beyond it)
  /// with the GSL stepper on the flow in s; one phase record for each.
  /// `stepper`, when given, replaces the clock's stepper in the GSL stretch (the ρ clock's finish).
  private func runLogTimePhase(
    to logTEnd: Double, saveLogTimes: [Double], outcome: inout Outcome, onSave: @escaping SaveObserver,
    onStep: @escaping StepObserver, stepper: Stepper? = nil
  ) throws(ODEError) {
    guard logTimeEngine != nil, logTEnd > logTimeEngineEnd else {
      try runLogTimeStretch(
        to: logTEnd, engine: logTimeEngine, saveLogTimes: saveLogTimes, outcome: &outcome, onSave: onSave,
        onStep: onStep, stepper: stepper)
      return
    }
    let startsInEngine = outcome.finalLogT < logTimeEngineEnd
    if startsInEngine {
      try runLogTimeStretch(
        to: logTimeEngineEnd, engine: logTimeEngine, saveLogTimes: saveLogTimes, outcome: &outcome,
        onSave: onSave, onStep: onStep)
      guard case .reachedEnd = outcome.termination else { return }
    }
    try runLogTimeStretch(
      to: logTEnd, engine: nil, saveLogTimes: saveLogTimes, outcome: &outcome, onSave: onSave, onStep: onStep,
      stepper: startsInEngine ? nil : stepper)
  }

  private func runLogTimeStretch(
    to logTEnd: Double, engine: StepEngineFactory?, saveLogTimes: [Double], outcome: inout Outcome,
    onSave: @escaping SaveObserver, onStep: @escaping StepObserver, stepper: Stepper? = nil
  ) throws(ODEError) {
    let start = outcome.finalLogT
    var options = baseOptions
    // An engine steps θ in t (``CrossingCorrectedStepper``), not log t; `exact`'s is wrapped for log t.
    options.stepEngine = engine
    options.implicitEngine = engine == nil ? nil : logTimeImplicitEngine
    options.stepper = engine == nil ? stepper ?? solve.stepper(forClock: .logT) : solve.stepper(forClock: .logT)
    // The t phases' engine stepping in t keeps the stiffness switch of kinked right-hand sides: on data the
    // net cannot separate, the approach to the minimizer is stiff, and msbdf on the log-t system takes over
    // there as it does in the t phases (the normalized flows' V-rates carry ρ_k² besides).
    if engine != nil, let switching = logTimeSwitching {
      options.stepper = .auto
      options.switching = switching
    }
    options.saveSchedule = SaveSchedule(
      times: saveLogTimes.filter { $0 > start && $0 <= logTEnd }, includeInitial: false, includeFinal: true)
    let solution = try ODESolver(system: LogTimeSystem(dynamics: dynamics), options: options).solve(
      from: start, to: logTEnd, initialState: outcome.finalState, onSave: { s, y in try onSave(exp(s), s, y) },
      onStep: onStep)
    record(
      solution, clock: .logT, stepper: options.stepper, start: start, logT: solution.finalTime, outcome: &outcome)
  }

  private func runRhoPhase(
    logTEnd: Double, saveLogTimes: [Double], outcome: inout Outcome, onSave: @escaping SaveObserver,
    onStep: @escaping StepObserver
  ) throws(ODEError) {
    let n = dynamics.dimension
    let state = outcome.finalState + [outcome.finalLogT]
    let start = outcome.finalState.withUnsafeBufferPointer(rho)
    let gamma = outcome.finalState.withUnsafeBufferPointer(margin)
    let predicted = gamma > 0 ? start + (logTEnd - outcome.finalLogT) / gamma : start * 10
    let end = solve.rhoEnd ?? predicted
    guard end > start else { return }
    var options = baseOptions
    options.stepEngine = nil
    options.implicitEngine = nil
    options.stepper = solve.stepper(forClock: .rho)
    let remaining = saveLogTimes.filter { $0 > outcome.finalLogT }.count
    let planEnd = min(end, predicted)
    options.saveSchedule = SaveSchedule(
      times: (1...max(remaining, 1)).map { start + (planEnd - start) * Double($0) / Double(max(remaining, 1)) },
      includeInitial: false, includeFinal: true)
    if logTEnd.isFinite {
      options.stopConditions.append(
        StopCondition(name: Self.logTEndName, kind: solve.rhoClockEnd == .logTime ? .atStepStart : .event) { _, y in
          y[n] - logTEnd
        })
    }
    let solution = try ODESolver(system: RhoClockSystem(dynamics: dynamics), options: options).solve(
      from: start, to: end, initialState: state,
      onSave: { _, y in try onSave(exp(y[n]), y[n], UnsafeBufferPointer(rebasing: y[0..<n])) },
      onStep: { _, y in onStep(y[n], UnsafeBufferPointer(rebasing: y[0..<n])) })
    record(
      solution, clock: .rho, stepper: options.stepper, start: start, logT: solution.finalState[n], outcome: &outcome,
      dropLast: true)
    // The log-t end is not located in ρ (bisection re-integrates from the step's start, which fails with msbdf
    // here): the phase stops at the start of the step that would cross it, or at the predicted ρ when that fell
    // short (no --rho-end), and the flow goes on in the log-t clock, whose steps land on log t_end exactly.
    let finishesInLogTime: Bool
    switch solution.termination {
    case .stopCondition(let name, _) where name == Self.logTEndName:
      guard solve.rhoClockEnd == .logTime else {
        outcome.termination = .reachedEnd(t: solution.finalState[n])
        outcome.timeName = "log t"
        return
      }
      finishesInLogTime = true
    case .reachedEnd:
      finishesInLogTime = solve.rhoClockEnd == .logTime && solve.rhoEnd == nil && solution.finalState[n] < logTEnd
    default: finishesInLogTime = false
    }
    if finishesInLogTime {
      // With the method the ρ phase ended with: msbdf where `auto` had switched to it (log t's explicit start
      // would be far beyond its stability bound this late, and overflow the loss).
      let ended = solution.statistics.stepperSwitches.last.flatMap { Stepper(rawValue: $0.to) } ?? options.stepper
      try runLogTimePhase(
        to: logTEnd, saveLogTimes: saveLogTimes, outcome: &outcome, onSave: onSave, onStep: onStep,
        stepper: ended == .auto ? nil : ended)
    }
  }

  private func record(
    _ solution: ODESolution, clock: PhaseClock, stepper: Stepper?, start: Double, logT: Double,
    outcome: inout Outcome, dropLast: Bool = false
  ) {
    outcome.phases.append(
      PhaseRecord(
        clock: clock, stepper: stepper, start: start, end: solution.finalTime, termination: solution.termination,
        statistics: solution.statistics))
    outcome.termination = solution.termination
    outcome.timeName = clock.variableName
    outcome.finalState = dropLast ? Array(solution.finalState.dropLast()) : solution.finalState
    outcome.finalLogT = logT
    outcome.finalT = clock == .t || clock == .gradientDescent ? solution.finalTime : exp(logT)
    outcome.statistics.append(solution.statistics)
  }

  /// The internal stop condition that ends a t phase when the loss first falls below 1.
  static let switchName = "switch: loss<1"
  /// The internal stop condition that ends a ρ phase at log t = log t_end.
  static let logTEndName = "log_t_end"
}

/// The variable a phase integrates in (run.json `phases[].clock`, `termination.clock`): a ``Clock``'s phases
/// are `t`, `log-t` and `rho`; gradient descent's is `gd`.
public enum PhaseClock: String, Sendable, Codable, CaseIterable {
  case t
  case gradientDescent = "gd"
  case logT = "log-t"
  case rho

  /// Its variable in messages: "t" (also gradient descent's), "log t", "ρ".
  public var variableName: String {
    switch self {
    case .t, .gradientDescent: "t"
    case .logT: "log t"
    case .rho: "ρ"
    }
  }
}
