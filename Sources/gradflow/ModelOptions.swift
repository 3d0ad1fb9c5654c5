import ArgumentParser
import Foundation
import GradientFlow
import ODE

/// The network, loss, dynamics and initial-weight options shared by simulate and compare.
struct ModelOptions: ParsableArguments {
  /// Checked by ArgumentParser for every command that uses this group (simulate and compare).
  func validate() throws {
    if let depth, depth < 1 { throw ValidationError("--depth must be at least 1") }
  }

  @Option(
    parsing: .unconditional,
    help: "Hidden widths, comma-separated: 16 (two layers), 32,32 (three), \"\" (linear model). Default 16.")
  var widths: String?

  @Option(
    parsing: .unconditional,
    help: "Number of layers K; --depth 1 is a linear model; K > 1 without --widths uses width 16.")
  var depth: Int?

  @Option(help: ActivationArgument.help)
  var activation: ActivationArgument?

  @Option(parsing: .unconditional, help: "Negative slope of leaky-relu (default 0.01).")
  var leakySlope: Double?

  @Option(help: "Loss.")
  var loss: Loss?

  @Option(
    help:
      "Dynamics: unconstrained (dW/dt = −∇L), lagrange ((ρ_k, V_k), ‖V_k‖ = 1 by a multiplier), weightnorm (W_k = g_k v_k/‖v_k‖)."
  )
  var dynamics: DynamicsKind?

  @Option(
    parsing: .unconditional,
    help: "Weight normalization's initial ‖v_k‖ = c_k: one value or one per layer, comma-separated (default 1).")
  var wnScale: String?

  @Option(
    help: "Initial weights: a weights.json ({\"arch\": […], \"layers\": [W1, …]}) or comma-separated per-layer CSVs.")
  var `init`: String?

  @Option(parsing: .unconditional, help: "Gaussian initialization scale: W_k ~ N(0, scale²/fan_in) (default 1).")
  var initScale: Double?

  @Option(parsing: .unconditional, help: "Seed of the Gaussian initialization (default 0).")
  var seed: UInt64?

  func apply(to config: inout SimulationConfig) throws {
    if let widths { config.widths = try Self.parseWidths(widths) }
    if let depth {
      if let widths = config.widths, widths.count != depth - 1, self.widths != nil {
        throw ValidationError("--depth \(depth) needs \(depth - 1) hidden widths, --widths gives \(widths.count)")
      }
      if self.widths == nil { config.widths = Array(repeating: 16, count: depth - 1) }
    }
    if let activation {
      config.activation = activation.activation
      config.gateWidth = activation.gateWidth ?? config.gateWidth
    }
    if let leakySlope { config.leakySlope = leakySlope }
    if let loss { config.loss = loss }
    if let dynamics { config.dynamics = dynamics }
    if let wnScale {
      config.wnScale = try wnScale.split(separator: ",").map { part in
        guard let value = Double(part.trimmingCharacters(in: .whitespaces)), value > 0 else {
          throw ValidationError("--wn-scale: '\(part)' is not a positive number")
        }
        return value
      }
    }
    if let initPath = `init` { config.initialWeights = initPath }
    if let initScale { config.initScale = initScale }
    if let seed { config.seed = seed }
  }

  static func parseWidths(_ text: String) throws -> [Int] {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.isEmpty { return [] }
    return try trimmed.split(separator: ",", omittingEmptySubsequences: false).map { part in
      guard let width = Int(part.trimmingCharacters(in: .whitespaces)), width > 0 else {
        throw ValidationError("--widths: '\(part)' is not a positive integer (e.g. --widths 16 or --widths 32,32)")
      }
      return width
    }
  }
}
