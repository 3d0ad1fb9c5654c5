import Foundation
import ODE

/// Runs one gradient-flow simulation end to end: builds the dynamics for a ``SimulationSetup``,
/// integrates it with the ODE layer, computes the ``Observables`` at every save and streams them to
/// `OUT/trajectory.csv` (flushed per row), then writes `OUT/run.json` and the initial and final
/// weights. An interrupted or failed run still writes everything computed so far, with the
/// termination reason in run.json.
public final class Simulation {
  public let setup: SimulationSetup
  /// The output directory.
  public let outputDirectory: String
  /// The crossing-corrected steppers of the run's t phases (for their Filippov counts).
  private let engines = EngineLog()

  /// Called about twice a second from the integration loop with (log t, accepted steps), for progress displays.
  public var progress: ((Double, Int) -> Void)?

  public init(setup: SimulationSetup, outputDirectory: String) {
    self.setup = setup
    self.outputDirectory = outputDirectory
  }

  /// Integrates and writes the outputs. Throws only for problems that prevent the run or its output.
  public func run(force: Bool = false, commandLine: [String] = []) throws(SimulationError) -> SimulationResult {
    let config = setup.config
    let architecture = setup.architecture
    let dataset = setup.dataset
    let output = try OutputDirectory(path: outputDirectory, force: force)

    let flow: any FlowDynamics
    let observables: Observables
    let tracker = ActivationPatternTracker(architecture: architecture, sampleCount: dataset.count)
    // Chattering pairs hover at |z| ~ rtol·‖w‖‖x‖: the band sits two decades above that.
    let sliding = SlidingDiagnostics(
      architecture: architecture, inputs: dataset.inputs, band: max(SlidingDiagnostics.defaultBand, 100 * config.rtol))
    let initialState: [Double]
    do throws(ModelError) {
      let network = try NetworkEvaluator(
        architecture: architecture, inputs: dataset.inputs, labels: dataset.labels)
      if config.sliding == .corrected { try SlidingSetup.validateCorrected(config: config, architecture: architecture) }
      // `corrected` integrates the t clock with its own engine; the flow (log-t and ρ phases, stop-condition
      // location) is the Filippov one for ReLU.
      let filippov =
        config.sliding == .filippov || (config.sliding == .corrected && architecture.activation == .relu)
      flow =
        filippov
        ? try SlidingSetup.makeFilippovFlow(config: config, network: network, inputs: dataset.inputs)
        : try config.dynamics.make(network: network, loss: config.loss, wnScale: config.wnScale ?? [1])
      let observerNetwork = try NetworkEvaluator(
        architecture: architecture, inputs: dataset.inputs, labels: dataset.labels)
      observables = Observables(
        network: observerNetwork, loss: config.loss, initialWeights: setup.initialWeights)
      initialState = try flow.initialState(weights: setup.initialWeights)
    } catch {
      throw .usage(error.description)
    }

    let trajectory: CSVWriter
    var weightsWriter: CSVWriter?
    do throws(OutputError) {
      trajectory = try CSVWriter(
        path: output.file("trajectory.csv"),
        header: observables.columnNames + flow.invariantNames + SlidingDiagnostics.columnNames)
      trajectory.emptyWhenInfinite = [0]
      if config.saveWeights {
        weightsWriter = try CSVWriter(
          path: output.file("weights.csv"), header: ["t", "layer", "row", "col", "value"])
      }
      // Known before the run: θ(0), and a run.json saying the run has not finished, which is what a
      // run killed by SIGKILL or a crash leaves behind (an interrupt or a failure replaces it).
      try output.writeJSON(
        InitialWeights.jsonObject(architecture: architecture, theta: setup.initialWeights),
        to: "initial_weights.json")
      try output.writeJSON(
        RunRecord.make(setup: setup, result: nil, dynamics: flow.name, commandLine: commandLine), to: "run.json")
    } catch {
      throw .output(error.description)
    }

    let theta = UnsafeMutablePointer<Double>.allocate(capacity: architecture.parameterCount)
    let observableCount = observables.columnNames.count
    let invariantEnd = observableCount + flow.invariantNames.count
    let rowCount = invariantEnd + SlidingDiagnostics.columnNames.count
    let row = UnsafeMutablePointer<Double>.allocate(capacity: rowCount)
    defer {
      theta.deallocate()
      row.deallocate()
    }
    let tracksPattern = architecture.activation.hasKink && architecture.depth > 1
    let probe = StateProbe(dynamics: flow, network: observables.network, loss: config.loss)
    var options = baseOptions()
    options.liveStatistics = sliding.live
    let minimizerTest = MinimizerTest(dynamics: flow, network: observables.network, loss: config.loss)
    options.stopConditions = SimulationStops.make(config: config, probe: probe, minimizer: minimizerTest)
    let integrator = PhasedIntegrator(
      dynamics: flow, config: config, baseOptions: options, logLoss: probe.logLoss, margin: probe.margin,
      rho: probe.rho)
    var lastProgress = ContinuousClock.now
    var first = true
    var steps = 0

    var kktOptions = KKTCertificate.Options()
    kktOptions.tolerance = config.stopAtKkt ?? kktOptions.tolerance
    let onSave: PhasedIntegrator.SaveObserver = { t, logT, state in
      flow.weights(from: state.baseAddress!, into: theta)
      if first, tracksPattern {
        observables.network.forward(theta)
        tracker.update(from: observables.network)
      }
      first = false
      observables.compute(t: t, logT: logT, theta: theta, patternChanges: tracker.takeCount())
      row.update(from: observables.values, count: observableCount)
      flow.invariants(state: state.baseAddress!, into: row + observableCount)
      for (i, value) in sliding.takeInterval().enumerated() { row[invariantEnd + i] = value }
      try trajectory.write(UnsafeBufferPointer(start: row, count: rowCount))
      if let weightsWriter {
        try Self.writeWeights(weightsWriter, t: t, theta: theta, architecture: architecture)
      }
      if let tolerance = config.stopAtKkt, observables.value("margin") ?? 0 > 0 {
        let weights = Array(UnsafeBufferPointer(start: theta, count: architecture.parameterCount))
        if (try? KKTCertificate(architecture: architecture, dataset: dataset, theta: weights, options: kktOptions))?
          .isWithinTolerance == true
        {
          throw StopRequest(name: "kkt<=\(tolerance)")
        }
      }
    }
    let onStep: PhasedIntegrator.StepObserver = { [progress] logT, state in
      steps += 1
      if tracksPattern {
        flow.weights(from: state.baseAddress!, into: theta)
        observables.network.forward(theta)
        tracker.update(from: observables.network)
        sliding.update(t: Foundation.exp(logT), network: observables.network, theta: theta)
      }
      if let progress, ContinuousClock.now - lastProgress > .milliseconds(500) {
        lastProgress = .now
        progress(logT, steps)
      }
    }

    let outcome: PhasedIntegrator.Outcome
    if let eta = config.gdStep {
      outcome = GradientDescent(dynamics: flow, config: config, stopConditions: options.stopConditions)
        .run(initialState: initialState, step: eta, onSave: onSave, onStep: onStep)
    } else {
      do {
        outcome = try integrator.run(initialState: initialState, onSave: onSave, onStep: onStep)
      } catch {
        throw .solver(error.description)
      }
    }

    flow.weights(from: outcome.finalState, into: theta)
    let finalTheta = Array(UnsafeBufferPointer(start: theta, count: architecture.parameterCount))
    observables.compute(
      t: outcome.finalT, logT: outcome.finalLogT, theta: theta, patternChanges: 0)
    var final: [String: Double] = [:]
    for (i, name) in observables.columnNames.enumerated() where name != "pattern_changes" {
      final[name] = observables.values[i]
    }
    outcome.finalState.withUnsafeBufferPointer { flow.invariants(state: $0.baseAddress!, into: row) }
    for (i, name) in flow.invariantNames.enumerated() { final[name] = row[i] }
    var result = SimulationResult(
      termination: outcome.termination, terminationMessage: outcome.message, statistics: outcome.statistics,
      phases: outcome.phases.map {
        PhaseSummary(
          clock: $0.clock, stepper: $0.stepper?.rawValue ?? "gd(eta=\(config.gdStep ?? 0))", start: $0.start,
          end: $0.end, reason: $0.termination.reason,
          statistics: $0.statistics)
      },
      finalT: outcome.finalT, finalLogT: outcome.finalLogT, patternChangesTotal: tracker.total, final: final,
      finalWeights: finalTheta,
      outputDirectory: output.path)
    if case .reachedMinimizer = outcome.termination {
      let report = outcome.finalState.withUnsafeBufferPointer { minimizerTest.evaluate($0, listSamples: true) }
      result.minimizer = MinimizerSummary(
        loss: Foundation.exp(report.logLoss), logLoss: report.logLoss, gradientNorm: report.gradientNorm,
        ratio: report.ratio, misclassified: report.misclassifiedSamples)
    }
    result.sliding = sliding.summary(
      mode: config.sliding,
      canUseFilippov: architecture.depth >= 2 && architecture.activation == .relu && config.dynamics == .unconstrained)
    if let filippov = flow as? any FilippovCounting {
      result.sliding?.capacityOverflows =
        filippov.overflowCount + engines.steppers.reduce(0) { $0 + $1.filippovOverflows }
    }
    do throws(OutputError) {
      try output.writeJSON(
        InitialWeights.jsonObject(architecture: architecture, theta: finalTheta), to: "final_weights.json")
      try output.writeJSON(
        RunRecord.make(setup: setup, result: result, dynamics: flow.name, commandLine: commandLine),
        to: "run.json")
    } catch {
      // A write error during the run (disk full) usually makes these fail too: report both.
      let during = result.termination.reason == "saveFailed" ? result.terminationMessage + "; also " : ""
      throw .output(during + error.description)
    }
    return result
  }

  /// The solver options shared by every phase (saves and stops are set per phase).
  private func baseOptions() -> SolverOptions {
    let config = setup.config
    var options = SolverOptions()
    options.stepper = config.stepper(forClock: .t)
    options.tolerances = Tolerances(
      relative: config.rtol, absolute: config.atol, errorNorm: config.errorNorm)
    options.maxSteps = config.maxSteps
    options.wallClockLimit = config.maxWallSeconds
    options.minStep = config.hmin
    options.maxStep = config.hmax ?? .infinity
    options.initialStep = config.initialStep
    options.recordStates = false
    options.stepEngineName = "corrected"
    if config.sliding == .corrected {
      let (architecture, dataset, loss) = (setup.architecture, setup.dataset, config.loss)
      let band = config.slidingBand ?? SimulationConfig.defaultSlidingBand(rtol: config.rtol)
      let engines = self.engines
      options.stepEngine = { _, tolerances throws(ODEError) in
        do throws(ModelError) {
          let stepper = try CrossingCorrectedStepper(
            architecture: architecture, inputs: dataset.inputs, labels: dataset.labels, loss: loss,
            tolerances: tolerances, slidingBand: band)
          engines.steppers.append(stepper)
          return stepper
        } catch {
          throw .invalidOptions(error.description)
        }
      }
    }
    return options
  }

  private static func writeWeights(
    _ writer: CSVWriter, t: Double, theta: UnsafePointer<Double>, architecture: Architecture
  ) throws(OutputError) {
    var block = ""
    let time = format(t)
    for k in 1...architecture.depth {
      let (rows, columns) = architecture.shape(ofLayer: k)
      let offset = architecture.offset(ofLayer: k)
      for i in 0..<rows {
        for j in 0..<columns {
          block += "\(time),\(k),\(i + 1),\(j + 1),\(format(theta[offset + i * columns + j]))\n"
        }
      }
    }
    try writer.write(block: block)
  }
}

/// What a finished (or stopped) simulation reports.
public struct SimulationResult: Sendable {
  /// How the last phase ended (its time variable is that phase's clock).
  public let termination: Termination
  /// The termination in words, naming the clock's variable.
  public let terminationMessage: String
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
  /// What the run reached when it ended with `reachedMinimizer` (non-separable data).
  public var minimizer: MinimizerSummary? = nil
  /// The observables at the final state (all columns but `pattern_changes`).
  public let final: [String: Double]
  public let finalWeights: [Double]
  public let outputDirectory: String
}

/// One stretch of a run integrated in one clock.
public struct PhaseSummary: Sendable {
  /// "t", "log-t" or "rho".
  public let clock: String
  /// The GSL stepper of the phase.
  public let stepper: String
  /// Start and end in the phase's own variable.
  public let start: Double
  public let end: Double
  /// Why the phase ended (`reachedEnd`, `stopCondition` for a clock switch or a user stop, …).
  public let reason: String
  public let statistics: SolverStatistics
}

/// The minimizer a run ended at (``MinimizerTest``).
public struct MinimizerSummary: Sendable {
  /// L* (0 when it underflows; see ``logLoss``).
  public let loss: Double
  public let logLoss: Double
  /// ‖∇L‖ at the end.
  public let gradientNorm: Double
  /// The test's ratio r = ‖∇L‖‖θ‖/(Σ|a_n|(1 + max|q_n|)).
  public let ratio: Double
  /// The samples with q_n ≤ 0 (0-based indices in the data's order).
  public let misclassified: [Int]
}

/// The step engines a run made (one per t phase).
private final class EngineLog {
  var steppers: [CrossingCorrectedStepper] = []
}
