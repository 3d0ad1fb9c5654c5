import Foundation
import ODE

/// What a run observes while it integrates: at every save, one row of trajectory.csv (the
/// ``Observables``, the dynamics' invariants and the sliding diagnostics of the interval since the last
/// save) and, when asked, the weights; after every step, the activation pattern and the kink diagnostics.
/// Rows are flushed as they are written, so an interrupted run leaves a valid file.
final class TrajectoryRecorder {
  let flow: any FlowDynamics
  let observables: Observables
  let tracker: ActivationPatternTracker
  let sliding: SlidingDiagnostics
  private let architecture: Architecture
  private let trajectory: CSVWriter
  private let weights: CSVWriter?
  /// margins.csv and every how many saves it gets a block.
  private let margins: (writer: CSVWriter, every: Int)?
  /// The KKT stop (`--stop-at-kkt`), tested at saves with a positive margin.
  private let kktStop: (tolerance: Double, dataset: Dataset, options: KKTCertificate.Options)?
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  /// θ of the state being recorded and the row being written (preallocated: no allocation per save).
  let theta: UnsafeMutablePointer<Double>
  private let row: UnsafeMutablePointer<Double>
  private let observableCount: Int
  private let invariantEnd: Int
  private let rowCount: Int
  private let tracksPattern: Bool
  private var first = true
  /// The index of the next save (0 for t = 0: the row number in trajectory.csv).
  private var saveIndex = 0
  /// Accepted steps so far, and when progress was last reported.
  private var steps = 0
  private var lastProgress = ContinuousClock.now

  init(
    problem: Problem, flow: any FlowDynamics, observables: Observables, sliding: SlidingDiagnostics,
    trajectory: CSVWriter, weights: CSVWriter?, margins: (writer: CSVWriter, every: Int)?, kktTolerance: Double?
  ) {
    self.flow = flow
    self.observables = observables
    self.sliding = sliding
    architecture = problem.architecture
    tracker = ActivationPatternTracker(architecture: architecture, sampleCount: problem.dataset.count)
    self.trajectory = trajectory
    self.weights = weights
    self.margins = margins
    if let kktTolerance {
      var options = KKTCertificate.Options()
      options.tolerance = kktTolerance
      kktStop = (kktTolerance, problem.dataset, options)
    } else {
      kktStop = nil
    }
    theta = arena.buffer(count: architecture.parameterCount)
    observableCount = observables.columnNames.count
    invariantEnd = observableCount + flow.invariantNames.count
    rowCount = invariantEnd + SlidingDiagnostics.columnNames.count
    row = arena.buffer(count: rowCount)
    tracksPattern = architecture.activation.hasKink && architecture.depth > 1
  }

  /// trajectory.csv's columns.
  static func header(observables: Observables, flow: any FlowDynamics) -> [String] {
    observables.columnNames + flow.invariantNames + SlidingDiagnostics.columnNames
  }

  /// Writes the row (and weights) of a saved state; throws ``StopRequest`` when the KKT stop is met.
  func save(t: Double, logT: Double, state: UnsafeBufferPointer<Double>) throws {
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
    if let weights {
      try SaveTables.writeWeights(
        weights, save: saveIndex, t: t, logT: logT, theta: theta, architecture: architecture)
    }
    if let margins, saveIndex % margins.every == 0 {
      // Observables.compute ran the forward pass at θ: the network's margins are this save's.
      try SaveTables.writeMargins(
        margins.writer, save: saveIndex, t: t, logT: logT, rho: observables.value("rho") ?? .nan,
        network: observables.network)
    }
    saveIndex += 1
    if let kktStop, observables.value("margin") ?? 0 > 0 {
      let weights = Array(UnsafeBufferPointer(start: theta, count: architecture.parameterCount))
      if (try? KKTCertificate(
        architecture: architecture, dataset: kktStop.dataset, theta: weights, options: kktStop.options))?
        .isWithinTolerance == true
      {
        throw StopRequest(name: "kkt<=\(kktStop.tolerance)")
      }
    }
  }

  /// Follows the activation pattern and the kinks after an accepted step; reports progress about twice a
  /// second.
  func step(logT: Double, state: UnsafeBufferPointer<Double>, progress: ((Double, Int) -> Void)?) {
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

  /// The observables and invariants of the final state, by column name (all but `pattern_changes`).
  func finalValues(t: Double, logT: Double, state: [Double]) -> (values: [String: Double], theta: [Double]) {
    flow.weights(from: state, into: theta)
    let finalTheta = Array(UnsafeBufferPointer(start: theta, count: architecture.parameterCount))
    observables.compute(t: t, logT: logT, theta: theta, patternChanges: 0)
    var values: [String: Double] = [:]
    for (i, name) in observables.columnNames.enumerated() where name != "pattern_changes" {
      values[name] = observables.values[i]
    }
    state.withUnsafeBufferPointer { flow.invariants(state: $0.baseAddress!, into: row) }
    for (i, name) in flow.invariantNames.enumerated() { values[name] = row[i] }
    return (values, finalTheta)
  }
}
