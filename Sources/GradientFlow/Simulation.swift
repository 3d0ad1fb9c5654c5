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
  /// Called about twice a second from the integration loop with (t, accepted steps), for progress displays.
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
    let initialState: [Double]
    do throws(ModelError) {
      let network = try NetworkEvaluator(
        architecture: architecture, inputs: dataset.inputs, labels: dataset.labels)
      flow = UnconstrainedFlow(network: network, loss: config.loss)
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
      trajectory = try CSVWriter(path: output.file("trajectory.csv"), header: observables.columnNames)
      if config.saveWeights {
        weightsWriter = try CSVWriter(
          path: output.file("weights.csv"), header: ["t", "layer", "row", "col", "value"])
      }
    } catch {
      throw .output(error.description)
    }

    let theta = UnsafeMutablePointer<Double>.allocate(capacity: architecture.parameterCount)
    defer { theta.deallocate() }
    let solver = ODESolver(system: FlowSystem(dynamics: flow), options: solverOptions(flow: flow, observables: observables, theta: theta))
    let tracksPattern = architecture.activation.hasKink && architecture.depth > 1
    var lastProgress = ContinuousClock.now

    let solution: ODESolution
    do {
      solution = try solver.solve(
        from: 0, to: config.tEnd, initialState: initialState,
        onSave: { t, state throws(OutputError) in
          flow.weights(from: state.baseAddress!, into: theta)
          if t == 0, tracksPattern {
            observables.network.forward(theta)
            tracker.update(from: observables.network)
          }
          observables.compute(t: t, theta: theta, patternChanges: tracker.takeCount())
          try trajectory.write(UnsafeBufferPointer(start: observables.values, count: observables.columnNames.count))
          if let weightsWriter {
            try Self.writeWeights(weightsWriter, t: t, theta: theta, architecture: architecture)
          }
        },
        onStep: { [progress] t, state in
          if tracksPattern {
            flow.weights(from: state.baseAddress!, into: theta)
            observables.network.forward(theta)
            tracker.update(from: observables.network)
          }
          if let progress, ContinuousClock.now - lastProgress > .milliseconds(500) {
            lastProgress = .now
            progress(t, 0)
          }
        })
    } catch {
      throw .solver(error.description)
    }

    flow.weights(from: solution.finalState, into: theta)
    let finalTheta = Array(UnsafeBufferPointer(start: theta, count: architecture.parameterCount))
    observables.compute(t: solution.finalTime, theta: theta, patternChanges: 0)
    var final: [String: Double] = [:]
    for (i, name) in observables.columnNames.enumerated() where name != "pattern_changes" {
      final[name] = observables.values[i]
    }
    let result = SimulationResult(
      termination: solution.termination, statistics: solution.statistics,
      patternChangesTotal: tracker.total, final: final, finalWeights: finalTheta,
      outputDirectory: output.path)
    do throws(OutputError) {
      try output.writeJSON(
        InitialWeights.jsonObject(architecture: architecture, theta: setup.initialWeights),
        to: "initial_weights.json")
      try output.writeJSON(
        InitialWeights.jsonObject(architecture: architecture, theta: finalTheta), to: "final_weights.json")
      try output.writeJSON(
        RunRecord.make(setup: setup, result: result, dynamics: flow.name, commandLine: commandLine),
        to: "run.json")
    } catch {
      throw .output(error.description)
    }
    return result
  }

  private func solverOptions(flow: any FlowDynamics, observables: Observables, theta: UnsafeMutablePointer<Double>)
    -> SolverOptions
  {
    let config = setup.config
    var options = SolverOptions()
    options.stepper = config.stepper
    options.tolerances = Tolerances(relative: config.rtol, absolute: config.atol)
    options.maxSteps = config.maxSteps
    options.wallClockLimit = config.maxWallSeconds
    options.minStep = config.hmin
    options.maxStep = config.hmax ?? .infinity
    options.initialStep = config.initialStep
    options.recordStates = false
    options.saveSchedule = .logSpaced(count: config.saves, from: config.resolvedSaveFrom, to: config.tEnd)
    let network = observables.network
    let loss = config.loss
    let n = network.sampleCount
    var scratch = [Double](repeating: 0, count: n)
    if config.stopWhenSeparated {
      options.stopConditions.append(
        StopCondition(name: "separated") { _, state in
          flow.weights(from: state.baseAddress!, into: theta)
          network.forward(theta)
          var qMin = Double.infinity
          for i in 0..<n { qMin = min(qMin, network.margins[i]) }
          return qMin
        })
    }
    if let target = config.stopLoss {
      let logTarget = Foundation.log(target)
      options.stopConditions.append(
        StopCondition(name: "loss<=\(target)") { _, state in
          flow.weights(from: state.baseAddress!, into: theta)
          network.forward(theta)
          let value = scratch.withUnsafeMutableBufferPointer {
            loss.evaluate(margins: network.margins, count: n, weights: $0.baseAddress!)
          }
          return logTarget - value.logLoss
        })
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
  public let termination: Termination
  public let statistics: SolverStatistics
  public let patternChangesTotal: Int
  /// The observables at the final state (all columns but `pattern_changes`).
  public let final: [String: Double]
  public let finalWeights: [Double]
  public let outputDirectory: String
}
