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
    public let result: SimulationResult
    /// q_n(V) at the final state.
    public let normalizedMargins: [Double]
  }

  /// Runs every dynamics into `OUT/<dynamics>/` and writes `OUT/compare.csv` (long format: t,
  /// dynamics, then the observable columns shared by all three) and `OUT/compare.json`.
  public static func run(
    config: SimulationConfig, outputDirectory: String, force: Bool, commandLine: [String] = [],
    progress: ((DynamicsKind, Double) -> Void)? = nil, warn: ((String) -> Void)? = nil
  ) throws(SimulationError) -> [Entry] {
    let output = try OutputDirectory(path: outputDirectory, force: force)
    var entries: [Entry] = []
    for kind in DynamicsKind.allCases {
      var c = config
      c.dynamics = kind
      let setup = try SimulationSetup(config: c)
      let simulation = Simulation(setup: setup, outputDirectory: output.file(kind.rawValue))
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
      entries.append(Entry(dynamics: kind, result: result, normalizedMargins: margins))
    }
    try writeLongCSV(entries: entries, output: output)
    do throws(OutputError) {
      try output.writeJSON(summary(entries), to: "compare.json")
    } catch {
      throw .output(error.description)
    }
    return entries
  }

  /// max_n |q_n(V) − q_n(V')| between two entries.
  public static func marginDistance(_ a: Entry, _ b: Entry) -> Double {
    zip(a.normalizedMargins, b.normalizedMargins).reduce(0) { max($0, abs($1.0 - $1.1)) }
  }

  static func summary(_ entries: [Entry]) -> [String: Any] {
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
        "termination": entry.result.termination.reason,
        "steps_accepted": entry.result.statistics.stepsAccepted,
        "rhs_evals": entry.result.statistics.rhsEvaluations,
        "wall_seconds": entry.result.statistics.wallSeconds,
      ]
    }
    return ["runs": runs, "pairs": pairs, "same_function_tolerance": sameFunctionTolerance]
  }

  /// Concatenates the three trajectories into one long table with a `dynamics` column.
  private static func writeLongCSV(entries: [Entry], output: OutputDirectory) throws(SimulationError) {
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
