import Foundation
import ODE

/// Runs one gradient-flow simulation end to end: builds the dynamics of the ``Problem``, integrates them
/// as the ``SolveOptions`` say, records every save (``TrajectoryRecorder``: `OUT/trajectory.csv`, flushed
/// per row), then writes `OUT/run.json` and the initial and final weights. An interrupted or failed run
/// still writes everything computed so far, with the termination reason in run.json.
public final class Run {
  public let setup: RunSetup
  /// The output directory.
  public let outputDirectory: String
  /// The crossing-corrected steppers of the run's t phases (for their Filippov counts).
  private let engines = EngineLog()

  /// Called about twice a second from the integration loop with (log t, accepted steps), for progress displays.
  public var progress: ((Double, Int) -> Void)?
  /// Called with each warning about the run (a stationary start) before it starts; they go to run.json too.
  public var warn: ((String) -> Void)?
  /// The warnings of this run, recorded in run.json.
  private var warnings: [String] = []

  private var problem: Problem { setup.problem }
  private var solve: SolveOptions { setup.solve }

  public init(setup: RunSetup, outputDirectory: String) {
    self.setup = setup
    self.outputDirectory = outputDirectory
  }

  /// Integrates and writes the outputs. Throws only for problems that prevent the run or its output.
  public func run(force: Bool = false, commandLine: [String] = []) throws(RunError) -> RunResult {
    warnings = []
    BLASThreads.use(solve.threads)
    let (flow, observables) = try makeDynamics()
    try checkStart(flow: flow, observables: observables)
    let output = try OutputDirectory(path: outputDirectory, force: force)
    let recorder = try startRecording(flow: flow, observables: observables, in: output, commandLine: commandLine)
    let outcome = try integrate(flow: flow, recorder: recorder)
    var result = summarize(outcome, recorder: recorder, output: output)
    result.horizonAdvice = longHorizonAdvice(outcome.termination)
    try finish(result, recorder: recorder, output: output, commandLine: commandLine)
    if setup.output.checkAtEnd { checkEnd(&result, output: output) }
    return result
  }

  /// The flow the solver integrates (the Filippov flow where the sliding mode asks for it) and the
  /// observables, each on a network evaluator of its own.
  private func makeDynamics() throws(RunError) -> (any FlowDynamics, Observables) {
    let kinks = solve.kinks
    let gradientDescent = solve.gradientDescentStep != nil
    do throws(ModelError) {
      let network = try NetworkEvaluator(
        architecture: problem.architecture, inputs: problem.dataset.inputs, labels: problem.dataset.labels,
        blocks: solve.networkBlocks)
      if kinks.sliding == .corrected {
        try SlidingSetup.validateCorrected(problem: problem, gradientDescent: gradientDescent)
      }
      if kinks.sliding == .exact {
        // The stepper refuses what it does not integrate (one hidden relu or leaky-relu layer).
        _ = try FrozenPatternField(
          architecture: problem.architecture, inputs: problem.dataset.inputs, labels: problem.dataset.labels,
          loss: problem.loss)
      }
      // `corrected` integrates the t clock with its own engine; the flow (log-t and ρ phases, stop-condition
      // location) is the Filippov one for ReLU, and for leaky ReLU with one hidden layer under `leaky_sliding`.
      let architecture = problem.architecture
      let leakyFilippov =
        kinks.leakySliding == .filippov && architecture.activation == .leakyRelu && architecture.depth == 2
      let filippov =
        kinks.sliding == .filippov
        || ((kinks.sliding == .corrected || kinks.sliding == .exact)
          && (architecture.activation == .relu || leakyFilippov))
      let flow =
        filippov
        ? try SlidingSetup.makeFilippovFlow(
          kinks: kinks, problem: problem, gradientDescent: gradientDescent, network: network)
        : try problem.dynamics.make(network: network, loss: problem.loss, wnScale: problem.wnScale)
      let observerNetwork = try NetworkEvaluator(
        architecture: problem.architecture, inputs: problem.dataset.inputs, labels: problem.dataset.labels,
        blocks: solve.networkBlocks)
      let observables = Observables(
        network: observerNetwork, loss: problem.loss, initialWeights: problem.initialWeights)
      if filippov, kinks.alignmentVelocity == .flow {
        // `alignment` and `grad_norm` use the velocity the flow follows on sliding pairs (the unconstrained
        // Filippov field in θ; for the normalized flows, the slopes they take from it).
        let velocityNetwork = try NetworkEvaluator(
          architecture: problem.architecture, inputs: problem.dataset.inputs, labels: problem.dataset.labels,
          blocks: solve.networkBlocks)
        observables.velocityField =
          try SlidingSetup.makeFilippovFlow(
            kinks: kinks, problem: problem, dynamics: .unconstrained, gradientDescent: false,
            network: velocityNetwork)
          as? any FlowDynamics & FilippovCounting
      }
      return (flow, observables)
    } catch {
      throw .usage(error.description)
    }
  }

  /// A stationary start (zero or underflowed weights, every unit dead for some sample) is reported, not
  /// refused (``StartCheck``).
  private func checkStart(flow: any FlowDynamics, observables: Observables) throws(RunError) {
    let initialState: [Double]
    do throws(ModelError) {
      initialState = try flow.initialState(weights: problem.initialWeights)
    } catch {
      throw .usage(error.description)
    }
    let probe = StateProbe(dynamics: flow, network: observables.network, loss: problem.loss)
    if let warning = try StartCheck.run(setup: setup, flow: flow, probe: probe, initialState: initialState) {
      warnings.append(warning)
      warn?(warning)
    }
  }

  /// For a t-clock run that ran out of steps or step size on the way to a far end (t-end ≥ 1e6), the
  /// fix is the log-t clock, whose steps grow with t.
  private func longHorizonAdvice(_ termination: Termination) -> String {
    guard solve.clock == .t, solve.gradientDescentStep == nil, solve.tEnd >= 1e6 else { return "" }
    switch termination {
    case .maxSteps, .stepTooSmall, .nonFinite:
      return "; for an end this far (t-end \(solve.tEnd)) use --clock log-t or auto, which integrate in log t"
    default: return ""
    }
  }

  /// Opens trajectory.csv (and weights.csv), writes θ(0) and a run.json saying the run has not finished —
  /// what a run killed by SIGKILL or a crash leaves behind (an interrupt or a failure replaces it).
  private func startRecording(
    flow: any FlowDynamics, observables: Observables, in output: OutputDirectory, commandLine: [String]
  ) throws(RunError) -> TrajectoryRecorder {
    do throws(OutputError) {
      let trajectory = try CSVWriter(
        path: output.file("trajectory.csv"),
        header: TrajectoryRecorder.header(observables: observables, flow: flow))
      trajectory.emptyWhenInfinite = [0]
      let weights =
        setup.output.saveWeights
        ? try CSVWriter(path: output.file("weights.csv"), header: SaveTables.weightsHeader) : nil
      let margins =
        setup.output.saveMargins
        ? try CSVWriter(path: output.file("margins.csv"), header: SaveTables.marginsHeader) : nil
      try output.writeJSON(
        InitialWeights.jsonObject(architecture: problem.architecture, theta: problem.initialWeights),
        to: "initial_weights.json")
      try output.writeJSON(
        RunRecord.make(
          setup: setup, result: nil, dynamics: flow.kind, commandLine: commandLine, warnings: warnings
        ).jsonObject, to: "run.json")
      let sliding = SlidingDiagnostics(
        architecture: problem.architecture, inputs: problem.dataset.inputs, band: solve.kinks.diagnosticBand)
      return TrajectoryRecorder(
        problem: problem, flow: flow, observables: observables, sliding: sliding, trajectory: trajectory,
        weights: weights, margins: margins.map { ($0, setup.output.marginsEvery) }, kktTolerance: solve.stops.kkt)
    } catch {
      throw .output(error.description)
    }
  }

  /// Integrates through the clock's phases, recording as it goes.
  private func integrate(flow: any FlowDynamics, recorder: TrajectoryRecorder) throws(RunError)
    -> PhasedIntegrator.Outcome
  {
    let initialState: [Double]
    do throws(ModelError) {
      initialState = try flow.initialState(weights: problem.initialWeights)
    } catch {
      throw .usage(error.description)
    }
    let probe = StateProbe(dynamics: flow, network: recorder.observables.network, loss: problem.loss)
    var options = baseOptions()
    options.liveStatistics = recorder.sliding.live
    options.stopConditions = RunStops.make(solve.stops, probe: probe, minimizer: minimizerTest(flow, recorder))
    let integrator = PhasedIntegrator(
      dynamics: flow, solve: solve, baseOptions: options, logLoss: probe.logLoss, margin: probe.margin,
      rho: probe.rho, logTimeEngine: stepsLogTimeInT ? Self.logClock(options.stepEngine, rebases: rebasesLogTime) : nil,
      logTimeEngineEnd: solve.normalizedLogTimeInT ? solve.kinks.normalizedLogTimeKinks.engineEnd : .infinity,
      logTimeSwitching: stepsLogTimeInT && solve.kinks.sliding == .corrected ? solve.kinkedSwitching : nil,
      logTimeImplicitEngine: stepsLogTimeInT ? Self.logClock(options.implicitEngine, rebases: rebasesLogTime) : nil)
    let progress = self.progress
    do {
      return try integrator.run(
        initialState: initialState, onSave: { t, logT, state in try recorder.save(t: t, logT: logT, state: state) },
        onStep: { logT, state in recorder.step(logT: logT, state: state, progress: progress) })
    } catch {
      throw .solver(error.description)
    }
  }

  /// The minimizer test of a run on the observables' network (one per run, built when first asked).
  private var minimizer: MinimizerTest?
  private func minimizerTest(_ flow: any FlowDynamics, _ recorder: TrajectoryRecorder) -> MinimizerTest {
    if let minimizer { return minimizer }
    // The flow's velocity where the run has a Filippov field: the observables' (on a network of its own, so
    // the integrator's evaluations are untouched; a velocity depends on θ alone, so sharing it with the saves'
    // `alignment` changes neither).
    var field = solve.stops.minimizerVelocity == .flow ? recorder.observables.velocityField : nil
    if solve.stops.minimizerVelocity == .clarke, recorder.observables.velocityField != nil {
      // The least-norm velocity of the Filippov set, on a network of its own (``MinimizerVelocity/clarke``). Its
      // inputs are those the observables' field was just built from, so it does not fail; if it did, the test
      // would measure the backprop gradient at its own threshold (``MinimizerTest/ratioThreshold``).
      field = try? SlidingSetup.makeStationarityField(kinks: solve.kinks, problem: problem, blocks: solve.networkBlocks)
    }
    let made = MinimizerTest(
      dynamics: flow, network: recorder.observables.network, loss: problem.loss, velocityField: field,
      leastNorm: solve.stops.minimizerVelocity == .clarke)
    minimizer = made
    return made
  }

  /// The result of a finished, stopped or failed integration: the final observables, the phases, the
  /// kink summary.
  private func summarize(_ outcome: PhasedIntegrator.Outcome, recorder: TrajectoryRecorder, output: OutputDirectory)
    -> RunResult
  {
    let (final, finalTheta) = recorder.finalValues(
      t: outcome.finalT, logT: outcome.finalLogT, state: outcome.finalState)
    var result = RunResult(
      termination: outcome.termination,
      terminationMessage: outcome.message + longHorizonAdvice(outcome.termination),
      terminationTimeName: outcome.timeName, statistics: outcome.statistics,
      phases: outcome.phases.map {
        PhaseSummary(
          clock: $0.clock, stepper: $0.stepper?.rawValue ?? "gd(eta=\(solve.gradientDescentStep ?? 0))",
          start: $0.start, end: $0.end, reason: $0.termination.kind, statistics: $0.statistics)
      },
      finalT: outcome.finalT, finalLogT: outcome.finalLogT, patternChangesTotal: recorder.tracker.total,
      final: final, finalWeights: finalTheta, outputDirectory: output.path)
    if case .reachedMinimizer = outcome.termination {
      let report = outcome.finalState.withUnsafeBufferPointer {
        minimizerTest(recorder.flow, recorder).evaluate($0, listSamples: true)
      }
      result.minimizer = MinimizerSummary(
        loss: Foundation.exp(report.logLoss), logLoss: report.logLoss, gradientNorm: report.gradientNorm,
        ratio: report.ratio, misclassified: report.misclassifiedSamples)
    }
    let architecture = problem.architecture
    result.sliding = recorder.sliding.summary(
      mode: solve.kinks.sliding,
      canUseFilippov: architecture.depth >= 2 && architecture.activation == .relu
        && (problem.dynamics == .unconstrained || architecture.depth == 2) && solve.gradientDescentStep == nil)
    if solve.kinks.sliding == .exact {
      result.sliding?.events = engines.exact.reduce(0) { $0 + $1.events }
      if solve.kinks.dipSearch == .interior { result.sliding?.dips = engines.exact.reduce(0) { $0 + $1.dipsFound } }
    }
    if let filippov = recorder.flow as? any FilippovCounting {
      result.sliding?.capacityOverflows =
        filippov.overflowCount + engines.steppers.reduce(0) { $0 + $1.filippovOverflows }
      if solve.kinks.repellingExit == .rule, problem.dynamics == .unconstrained, architecture.depth == 2 {
        result.sliding?.repellingExits =
          filippov.repellingExitCount + engines.steppers.reduce(0) { $0 + $1.repellingExits.exits }
        result.sliding?.unresolvedRepelling =
          filippov.unresolvedRepellingCount + engines.steppers.reduce(0) { $0 + $1.repellingExits.unresolved }
      }
    }
    // Only steppers built with the hold (``UnitCollapse``) keep the rows it needs.
    if engines.steppers.contains(where: { $0.collapseRows != nil }) {
      result.sliding?.collapsedUnits = engines.steppers.reduce(0) { $0 + $1.collapsedUnits }
    }
    if solve.kinks.sliding == .exact, solve.kinks.repellingExit == .rule {
      // `exact`'s exits are a_j = 0 events (``EventDrivenStepper``), not evaluations with an exit slope; they
      // replace the Filippov counts above (the recorder's flow is not what `exact` integrates).
      result.sliding?.repellingExits = engines.exact.reduce(0) { $0 + $1.repellingExits }
      result.sliding?.unresolvedRepelling = engines.exact.reduce(0) { $0 + $1.unresolvedRepelling }
    }
    return result
  }

  /// Writes the final weights and the final run.json.
  private func finish(
    _ result: RunResult, recorder: TrajectoryRecorder, output: OutputDirectory, commandLine: [String]
  ) throws(RunError) {
    do throws(OutputError) {
      try output.writeJSON(
        InitialWeights.jsonObject(architecture: problem.architecture, theta: result.finalWeights),
        to: "final_weights.json")
      try output.writeJSON(
        RunRecord.make(
          setup: setup, result: result, dynamics: recorder.flow.kind, commandLine: commandLine,
          warnings: warnings
        ).jsonObject, to: "run.json")
    } catch {
      // A write error during the run (disk full) usually makes these fail too: report both.
      let during = result.termination.kind == .saveFailed ? result.terminationMessage + "; also " : ""
      throw .output(during + error.description)
    }
  }

  /// `--check-at-end`: the checker on the run directory just written (check.json, check.csv); an
  /// interrupted run is not checked, and a check that cannot be made is reported, not thrown.
  private func checkEnd(_ result: inout RunResult, output: OutputDirectory) {
    guard result.termination.kind != .interrupted else { return }
    do throws(CheckError) {
      result.check = try EndCheck.run(directory: output).check.verdict
    } catch {
      result.checkFailure = error.description
    }
  }

  /// Whether the log-t phases step in t with the t phases' engine (``LogClockEngine``): always for `exact`;
  /// for `corrected` on the unconstrained flow with `log_t_kinks` `corrected` and an end at log t ≤
  /// ``LogTimeKinks/latestEnd`` (or `rebased`, any end) and the t phases' stiffness switch (``StiffKinks``: one hidden relu or
  /// leaky-relu layer, `--stepper auto`), which the log-t phase keeps (``LogTimeKinks``). Without the switch, a
  /// run on data the net cannot separate would approach its minimizer with an explicit engine held to its
  /// stability bound (a leaky-ReLU XOR, 7,288 → 1.6M evaluations before leaky ReLU got the switch). The
  /// Lagrange and weight-normalized flows with `normalized_log_t_kinks` `rebased` or `corrected`
  /// (``SolveOptions/normalizedLogTimeInT``) step in t with the same switch, over the whole phase
  /// (`rebased`) or up to ``LogTimeKinks/latestEnd`` and from there with the Filippov flow in s (`corrected`).
  private var stepsLogTimeInT: Bool {
    switch solve.kinks.sliding {
    case .exact: true
    case .corrected:
      problem.dynamics == .unconstrained
        ? solve.logTEnd <= solve.kinks.logTimeKinks.engineEnd && solve.solver.switching == solve.kinkedSwitching
        : solve.normalizedLogTimeInT
    default: false
    }
  }

  /// Whether the log-t phases' engine in t moves its unit of time along (`rebased`, ``LogTimeKinks``), so
  /// that it can step past log t ≈ 709.78.
  private var rebasesLogTime: Bool {
    solve.kinks.sliding == .corrected
      && (problem.dynamics == .unconstrained ? solve.kinks.logTimeKinks : solve.kinks.normalizedLogTimeKinks)
        == .rebased
  }

  /// The t phases' engine behind ``LogClockEngine``, for the log-t phases; `rebases`: with t in a unit that
  /// moves along (``LogClockEngine/rebaseSpan``).
  private static func logClock(_ makeEngine: StepEngineFactory?, rebases: Bool) -> StepEngineFactory? {
    guard let makeEngine else { return nil }
    let factory: StepEngineFactory = { dimension, tolerances throws(ODEError) in
      LogClockEngine(inner: try makeEngine(dimension, tolerances), rebaseSpan: rebases ? LogTimeKinks.latestEnd : nil)
    }
    return factory
  }

  /// Builds `--sliding exact`'s engine (``EventDrivenStepper``) with the given stepper for its pieces.
  private func exactEngine(stepper: Stepper) -> StepEngineFactory {
    let (architecture, dataset, loss, repellingExit) = (
      problem.architecture, problem.dataset, problem.loss, solve.kinks.repellingExit
    )
    let (dipSearch, exitRate) = (solve.kinks.dipSearch, solve.kinks.exitRate)
    let engines = self.engines
    return { _, tolerances throws(ODEError) in
      do throws(ModelError) {
        let engine = try EventDrivenStepper(
          architecture: architecture, inputs: dataset.inputs, labels: dataset.labels, loss: loss,
          tolerances: tolerances, stepper: stepper, repellingExit: repellingExit, dipSearch: dipSearch,
          exitRate: exitRate)
        engines.exact.append(engine)
        return engine
      } catch {
        throw .invalidOptions(error.description)
      }
    }
  }

  /// The solver options shared by every phase (saves and stops are set per phase): the solve's, with the
  /// crossing-corrected engine for the t phases when the sliding mode is `corrected`.
  private func baseOptions() -> SolverOptions {
    var options = solve.solver
    if solve.kinks.sliding == .exact { options.stepEngine = exactEngine(stepper: solve.timeStepper) }
    if solve.solver.switching == solve.kinkedSwitching, solve.stiffKinks == .exact || solve.stiffKinks == .escalate,
      problem.dynamics == .unconstrained
    {
      options.implicitEngine = exactEngine(stepper: .bsimp)
      options.implicitEngineName = "exact-bsimp"
      options.implicitEngineEscalates = solve.stiffKinks == .escalate
    }
    if solve.kinks.sliding == .corrected {
      let (architecture, dataset, loss, band, surfaces, kernel) = (
        problem.architecture, problem.dataset, problem.loss, solve.kinks.band, solve.kinks.surfaces,
        solve.kinks.crossingKernel
      )
      let (leakySliding, holdsChatter) = (solve.kinks.leakySliding == .filippov, solve.kinks.chatter == .hold)
      let (frozenPair, normalizedKinks) = (solve.kinks.frozenPair, solve.kinks.normalizedKinks)
      // The normalized flows get their own default weight (``NormalizedKinks``); an explicit one serves both.
      let correctionWeight =
        problem.dynamics == .unconstrained ? solve.kinks.correctionWeight : solve.kinks.normalizedCorrectionWeight
      let blocks = solve.networkBlocks
      let holdsDeepChatter = holdsChatter && solve.kinks.deepChatter == .hold
      let deepSliding = solve.kinks.deepSliding
      let (slidingCorrection, coincidentEntries) = (solve.kinks.slidingCorrection, solve.kinks.coincidentEntries)
      let pullBack = solve.kinks.slidingPullBack
      let (repellingExit, unitCollapse) = (solve.kinks.repellingExit, solve.kinks.unitCollapse)
      let (crossingTimes, exitPattern) = (solve.kinks.crossingTimes, solve.kinks.exitPattern)
      let (slidingPattern, slidingExit) = (solve.kinks.slidingPattern, solve.kinks.slidingExit)
      // A normalized flow's steps are taken in W, where its field is M(W)·G(W) (``NormalizedCrossingStepper``).
      let normalization: NormalizedWeightField? =
        switch problem.dynamics {
        case .unconstrained: nil
        case .lagrange: NormalizedWeightField(architecture: architecture, scales: [1], dynamics: .lagrange)
        case .weightnorm: NormalizedWeightField(architecture: architecture, scales: problem.wnScale)
        }
      let engines = self.engines
      options.stepEngine = { _, tolerances throws(ODEError) in
        do throws(ModelError) {
          let stepper = try CrossingCorrectedStepper(
            architecture: architecture, inputs: dataset.inputs, labels: dataset.labels, loss: loss,
            tolerances: tolerances, slidingBand: band, correctionWeight: correctionWeight, surfaces: surfaces,
            leakySliding: leakySliding,
            holdsChatter: holdsChatter, holdsDeepChatter: holdsDeepChatter, deepSliding: deepSliding,
            kernel: kernel, frozenPair: frozenPair,
            slidingCorrection: slidingCorrection, coincidentEntries: coincidentEntries, pullBack: pullBack,
            normalization: normalization, normalizedKinks: normalizedKinks, blocks: blocks,
            repellingExit: repellingExit, unitCollapse: unitCollapse, crossingTimes: crossingTimes,
            exitPattern: exitPattern, slidingPattern: slidingPattern, slidingExit: slidingExit)
          engines.steppers.append(stepper)
          guard let normalization else { return stepper }
          return NormalizedCrossingStepper(inner: stepper, architecture: architecture, field: normalization)
        } catch {
          throw .invalidOptions(error.description)
        }
      }
    }
    return options
  }
}

/// What a finished (or stopped) simulation reports.
public struct RunResult: Sendable {
  /// How the last phase ended (its time variable is that phase's clock).
  public let termination: Termination
  /// The termination in words, naming the clock's variable (run.json `termination.message`).
  public let terminationMessage: String
  /// Advice beyond the termination's own remedies ("; … use --clock log-t or auto"), or "".
  public var horizonAdvice = ""
  /// The name of the variable the last phase integrated in ("t", "log t", "ρ"), for
  /// ``Termination/event(timeName:)``.
  public let terminationTimeName: String
  /// Work summed over the phases.
  public let statistics: SolverStatistics
  /// The phases of the run (one per clock stretch, see ``Clock``).
  public let phases: [PhaseSummary]
  /// t at the end (infinite past log t ≈ 709.78).
  public let finalT: Double
  /// log t at the end.
  public let finalLogT: Double
  public let patternChangesTotal: Int
  /// Sliding-mode totals (``SlidingDiagnostics``); nil for runs that did not record them.
  public var sliding: SlidingSummary? = nil
  /// What the run reached when it ended with `reachedMinimizer` (data the model does not separate).
  public var minimizer: MinimizerSummary? = nil
  /// The verdict of `--check-at-end` (check.json), or why the check could not be made.
  public var check: CheckVerdict? = nil
  public var checkFailure: String? = nil
  /// The observables at the final state (all columns but `pattern_changes`).
  public let final: [String: Double]
  public let finalWeights: [Double]
  public let outputDirectory: String
}

/// One stretch of a run integrated in one clock.
public struct PhaseSummary: Sendable {
  public let clock: PhaseClock
  /// The GSL stepper of the phase.
  public let stepper: String
  /// Start and end in the phase's own variable.
  public let start: Double
  public let end: Double
  /// Why the phase ended (`reachedEnd`, `stopCondition` for a clock switch or a user stop, …).
  public let reason: Termination.Kind
  public let statistics: SolverStatistics
}

/// The minimizer a run ended at (``MinimizerTest``).
public struct MinimizerSummary: Sendable {
  /// L* (0 when it underflows; see ``logLoss``).
  public let loss: Double
  public let logLoss: Double
  /// ‖∇L‖ at the end.
  public let gradientNorm: Double
  /// The test's ratio r = ‖∇L‖ max(‖θ‖, 1)/(Σ|a_n|(1 + max|q_n|)).
  public let ratio: Double
  /// The samples with q_n ≤ 0 (0-based indices in the data's order).
  public let misclassified: [Int]
}

/// The step engines a run made (one per t phase).
private final class EngineLog {
  var steppers: [CrossingCorrectedStepper] = []
  var exact: [EventDrivenStepper] = []
}
