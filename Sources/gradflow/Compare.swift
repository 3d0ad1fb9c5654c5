import ArgumentParser
import Foundation
import GradientFlow
import ODE

/// `gradflow compare`: the unconstrained, Lagrange and weight-normalized flows from one initialization,
/// compared at equal t or at equal ρ.
struct Compare: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run the three dynamics from one initialization and compare them.",
    discussion: """
      Writes OUT/unconstrained/, OUT/lagrange/, OUT/weightnorm/ (each a full simulate output), \
      OUT/compare.csv (long format: t, dynamics, observables) and OUT/compare.json, and prints a \
      table. Runs are compared as functions — the normalized margins q_n(V) — not as parameters, \
      and at one point: equal t (--at t, the default) or equal product norm rho (--at rho). That \
      point is the smallest end any of the three reached; a run that went past it is integrated \
      again from the same start to end there, and the table says at which point it compared.
      """)

  @Option(help: "A config JSON or a previous run.json (flags override it).")
  var config: String?

  @OptionGroup(title: "Data") var data: DataOptions
  @OptionGroup(title: "Network and loss") var model: ModelOptions
  @OptionGroup(title: "Integration") var integration: IntegrationOptions

  @Option(help: "Compare the final states at equal t or at equal product norm rho.")
  var at: DynamicsComparison.Axis = .t

  @Option(help: "Output directory.")
  var out: String = "gradflow-compare"

  @Flag(help: "Overwrite a non-empty output directory.")
  var force = false

  @Flag(help: "No table (notes and warnings still go to stderr).")
  var quiet = false

  func run() throws {
    prepareProcess()
    let resolved = try resolveConfig(path: config, data: data, model: model, integration: integration)
    Interruption.installSignalHandlers()
    let outcome: DynamicsComparison.Outcome
    do {
      outcome = try DynamicsComparison.run(
        config: resolved, outputDirectory: out, force: force, axis: at, commandLine: CommandLine.arguments,
        warn: { printNote($0) })
    } catch {
      printError(error.description)
      throw ExitCode(error.exitCode)
    }
    let entries = outcome.entries
    if !quiet { try emit(table(outcome) + "\n") }
    if entries.contains(where: { $0.result.termination.kind == .interrupted }) { throw ExitCode(130) }
    if entries.contains(where: { !$0.result.termination.isSuccess }) { throw ExitCode(1) }
  }

  private func table(_ outcome: DynamicsComparison.Outcome) -> String {
    let entries = outcome.entries
    func pad(_ text: String, _ width: Int) -> String {
      text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
    func number(_ x: Double?) -> String { String(format: "%.8g", x ?? .nan) }
    let header = ["dynamics", "margin", "rho", "loss", "steps", "RHS evals", "seconds", "stopped"]
    var rows = [header]
    for e in entries {
      let f = e.result.final
      let s = e.result.statistics
      rows.append([
        e.dynamics.rawValue, number(f["margin"]), number(f["rho"]), number(f["loss"]), "\(s.stepsAccepted)",
        "\(s.rhsEvaluations)", String(format: "%.2f", s.wallSeconds), e.result.termination.kind.rawValue,
      ])
    }
    let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    var lines = rows.map { row in
      row.enumerated().map { column, cell in
        column == 0 ? cell.padding(toLength: widths[0], withPad: " ", startingAt: 0) : pad(cell, widths[column])
      }.joined(separator: "  ")
    }
    let rerun =
      outcome.rerun.isEmpty
      ? "every run ended there"
      : "the earliest end; " + outcome.rerun.map(\.rawValue).joined(separator: " and ")
        + " integrated again to end there"
    lines.append("compared at \(outcome.pointText) (\(rerun))")
    lines.append("same function (max |q_n(V) − q_n(V')| ≤ \(DynamicsComparison.sameFunctionTolerance)):")
    for i in 0..<entries.count {
      for j in (i + 1)..<entries.count {
        let d = DynamicsComparison.marginDistance(entries[i], entries[j])
        let verdict = d <= DynamicsComparison.sameFunctionTolerance ? "yes" : "no"
        lines.append(
          "  \(entries[i].dynamics.rawValue) vs \(entries[j].dynamics.rawValue): \(verdict) (max difference \(String(format: "%.3g", d)))"
        )
      }
    }
    lines.append("output: \(absoluteOut)")
    return lines.joined(separator: "\n")
  }

  private var absoluteOut: String {
    out.hasPrefix("/") ? out : FileManager.default.currentDirectoryPath + "/" + out
  }
}

extension DynamicsComparison.Axis: ExpressibleByArgument {}
