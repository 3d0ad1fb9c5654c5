import Foundation

/// Runs the three dynamics of THEORY §2–§4 from one initialization (same data, weights, solver
/// options and save times) and compares where they went.
///
/// They share their ρ_k-dynamics and the critical points of V but not their trajectories, and KKT
/// sets are not isolated (neuron splitting, rescaling, permutations), so the comparison is of
/// *functions*, not parameters (THEORY §5.5 item 9): the final normalized margin vectors
/// q(V) = q(W)/ρ are compared, and two runs reached "the same function" when
/// max_n |q_n(V) − q_n(V')| ≤ ``sameFunctionTolerance``.
public enum DynamicsComparison {
  /// 1e-3 of the unit-norm scale of q(V): well above the integration error at the default rtol
  /// (1e-8), well below the differences between distinct KKT directions seen in THEORY T7 (0.67 in V).
  public static let sameFunctionTolerance = 1e-3

  /// One dynamics' outcome.
  public struct Entry: Sendable {
    public let dynamics: DynamicsKind
    public let result: RunResult
    /// q_n(V) at the final state.
    public let normalizedMargins: [Double]
  }

  /// The variable at which the dynamics are compared: their trajectories differ, so states are
  /// comparable only at a common t (the default) or at a common product norm ρ.
  public enum Axis: String, CaseIterable, Sendable {
    case t
    case rho
  }

  /// The three runs, compared at one value of ``axis``.
  public struct Outcome: Sendable {
    public let entries: [Entry]
    public let axis: Axis
    /// The common value: t (``Axis/t``, possibly infinite past log t ≈ 709.78; see ``logT``) or ρ.
    public let value: Double
    /// log t of the common t (``Axis/t``); nil for ``Axis/rho``.
    public let logT: Double?
    /// The runs that were integrated again to stop at the common value (they had gone past it).
    public let rerun: [DynamicsKind]

    /// "equal t = 20", "equal log t = 1000", "equal rho = 5.2".
    public var pointText: String {
      switch axis {
      case .t:
        if value.isFinite { return "equal t = \(String(format: "%.6g", value))" }
        return "equal log t = \(String(format: "%.6g", logT ?? .nan))"
      case .rho: return "equal rho = \(String(format: "%.6g", value))"
      }
    }
  }

  /// Runs every dynamics into `OUT/<dynamics>/` and writes `OUT/compare.csv` (long format: t,
  /// dynamics, then the observable columns shared by all three) and `OUT/compare.json`.
  ///
  /// The final states are compared at one value of `axis`: the smallest end any of the three reached
  /// (the common end when all three reach it; otherwise the earliest stop). A run that went past it is
  /// integrated again, from the same start and without its stop conditions, to end there (t: `t_end`
  /// = that t; ρ: `rho_end` = that ρ), and its output directory holds that run.
  public static func run(
    config: RunConfig, outputDirectory: String, force: Bool, axis: Axis = .t, commandLine: [String] = [],
    progress: ((DynamicsKind, Double) -> Void)? = nil, warn: ((String) -> Void)? = nil
  ) throws(RunError) -> Outcome {
    let output = try OutputDirectory(path: outputDirectory, force: force)
    func simulate(_ kind: DynamicsKind, _ c: RunConfig) throws(RunError) -> Entry {
      var c = c
      c.dynamics = kind
      let setup = try RunSetup(config: c)
      let simulation = Run(setup: setup, outputDirectory: output.file(kind.rawValue))
      if let progress { simulation.progress = { t, _ in progress(kind, t) } }
      if let warn { simulation.warn = { warn("\(kind.rawValue): \($0)") } }
      let result = try simulation.run(force: true, commandLine: commandLine)
      let margins: [Double]
      do throws(ModelError) {
        let network = try NetworkEvaluator(
          architecture: setup.architecture, inputs: setup.dataset.inputs, labels: setup.dataset.labels)
        network.forward(result.finalWeights)
        let rho = result.final["rho"] ?? 1
        margins = (0..<network.sampleCount).map { network.margins[$0] / rho }
      } catch {
        throw .usage(error.description)
      }
      return Entry(dynamics: kind, result: result, normalizedMargins: margins)
    }
    var entries: [Entry] = []
    for kind in DynamicsKind.allCases { entries.append(try simulate(kind, config)) }

    // The common point: the smallest end reached, in the axis' variable.
    func position(_ entry: Entry) -> Double {
      axis == .t ? entry.result.finalLogT : entry.result.final["rho"] ?? .nan
    }
    let earliest = entries.min { position($0) < position($1) }!
    let target = position(earliest)
    var rerun: [DynamicsKind] = []
    for (i, entry) in entries.enumerated() where position(entry) > target {
      // The run went past the point without meeting a stop condition before it: without them it ends
      // exactly there (a stop located again could land a rounding-level distance before it).
      var c = config
      c.stopWhenSeparated = false
      c.stopLoss = nil
      c.stopMargin = nil
      c.stopAtKkt = nil
      c.rhoEnd = nil
      switch axis {
      case .t:
        if earliest.result.finalT.isFinite {
          c.tEnd = earliest.result.finalT
          c.logTEnd = nil
        } else {
          c.logTEnd = target
        }
      case .rho:
        c.rhoEnd = target
      }
      entries[i] = try simulate(entry.dynamics, c)
      rerun.append(entry.dynamics)
    }
    let outcome = Outcome(
      entries: entries, axis: axis, value: axis == .t ? earliest.result.finalT : target,
      logT: axis == .t ? target : nil, rerun: rerun)
    try writeLongCSV(entries: entries, output: output)
    do throws(OutputError) {
      try output.writeJSON(summary(outcome), to: "compare.json")
    } catch {
      throw .output(error.description)
    }
    return outcome
  }

  /// max_n |q_n(V) − q_n(V')| between two entries.
  public static func marginDistance(_ a: Entry, _ b: Entry) -> Double {
    zip(a.normalizedMargins, b.normalizedMargins).reduce(0) { max($0, abs($1.0 - $1.1)) }
  }

  static func summary(_ outcome: Outcome) -> [String: Any] {
    let entries = outcome.entries
    var pairs: [[String: Any]] = []
    for i in 0..<entries.count {
      for j in (i + 1)..<entries.count {
        let distance = marginDistance(entries[i], entries[j])
        pairs.append([
          "a": entries[i].dynamics.rawValue, "b": entries[j].dynamics.rawValue,
          "max_margin_difference": distance, "same_function": distance <= sameFunctionTolerance,
        ])
      }
    }
    let runs: [[String: Any]] = entries.map { entry in
      [
        "dynamics": entry.dynamics.rawValue, "final": entry.result.final,
        "termination": entry.result.termination.kind.rawValue,
        "final_log_t": entry.result.finalLogT,
        "steps_accepted": entry.result.statistics.stepsAccepted,
        "rhs_evals": entry.result.statistics.rhsEvaluations,
        "wall_seconds": entry.result.statistics.wallSeconds,
      ]
    }
    var at: [String: Any] = ["axis": outcome.axis.rawValue, "rerun": outcome.rerun.map(\.rawValue)]
    switch outcome.axis {
    case .t:
      at["t"] = outcome.value.isFinite ? outcome.value : "inf"
      at["log_t"] = outcome.logT ?? .nan
    case .rho: at["rho"] = outcome.value
    }
    return ["runs": runs, "pairs": pairs, "same_function_tolerance": sameFunctionTolerance, "compared_at": at]
  }

  /// Concatenates the three trajectories into one long table with a `dynamics` column.
  private static func writeLongCSV(entries: [Entry], output: OutputDirectory) throws(RunError) {
    var tables: [(DynamicsKind, [String], [[Substring]])] = []
    for entry in entries {
      let path = output.file("\(entry.dynamics.rawValue)/trajectory.csv")
      guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw .output("cannot read back '\(path)'")
      }
      let lines = text.split(separator: "\n")
      guard let header = lines.first else { continue }
      tables.append(
        (
          entry.dynamics, header.split(separator: ",").map(String.init),
          lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        ))
    }
    guard let first = tables.first else { return }
    let shared = first.1.filter { name in tables.allSatisfy { $0.1.contains(name) } }
    var text = (["t", "dynamics"] + shared.filter { $0 != "t" }).joined(separator: ",") + "\n"
    for (kind, header, rows) in tables {
      let indices = shared.filter { $0 != "t" }.map { header.firstIndex(of: $0)! }
      let tIndex = header.firstIndex(of: "t")!
      for row in rows {
        text += ([String(row[tIndex]), kind.rawValue] + indices.map { String(row[$0]) }).joined(separator: ",") + "\n"
      }
    }
    do throws(OutputError) {
      try AtomicFile.write(Array(text.utf8), to: output.file("compare.csv"))
    } catch {
      throw .output(error.description)
    }
  }
}
