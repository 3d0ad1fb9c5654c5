import ArgumentParser
import Foundation
import GradientFlow
import ODE

/// The network, loss and initial-weight options shared by simulate and compare (`--dynamics` is
/// simulate's alone: compare runs all three, ``DynamicsOption``).
struct ModelOptions: ParsableArguments {
  /// Checked by ArgumentParser for every command that uses this group (simulate and compare).
  func validate() throws {
    if let depth, depth < 1 { throw ValidationError("--depth must be at least 1") }
  }

  @Option(
    parsing: .unconditional,
    help: help(
      "Hidden widths, comma-separated: 16 (two layers), 32,32 (three), \"\" (linear model).",
      default: ConfigDefaults.widths.map(String.init).joined(separator: ",")),
    transform: ModelOptions.parseWidths)
  var widths: [Int]?

  @Option(
    parsing: .unconditional,
    help: help(
      "Number of layers K; --depth 1 is a linear model; K > 1 without --widths uses width \(ConfigDefaults.hiddenWidth).",
      default: "\(ConfigDefaults.widths.count + 1), or from --widths"))
  var depth: Int?

  @Option(help: help(ActivationArgument.helpText, default: ConfigDefaults.activation.rawValue))
  var activation: ActivationArgument?

  @Option(
    parsing: .unconditional,
    help: help("Negative slope of leaky-relu.", default: helpNumber(ConfigDefaults.leakySlope)))
  var leakySlope: Double?

  @Option(help: help("Loss.", default: ConfigDefaults.loss.rawValue))
  var loss: Loss?

  @Option(
    parsing: .unconditional,
    help: help(
      "Weight normalization's initial ‖v_k‖ = c_k: one positive value or one per layer, comma-separated.",
      default: helpNumber(ConfigDefaults.wnScale)),
    transform: ModelOptions.parseScales)
  var wnScale: [Double]?

  @Option(
    help: help(
      "Initial weights: a weights.json ({\"arch\": […], \"layers\": [W1, …]}) or comma-separated per-layer CSVs.",
      default: "Gaussian, see --init-scale"))
  var `init`: String?

  @Option(
    parsing: .unconditional,
    help: help(
      "Gaussian initialization scale: W_k ~ N(0, scale²/fan_in).", default: helpNumber(ConfigDefaults.initScale)))
  var initScale: Double?

  @Option(
    parsing: .unconditional, help: help("Seed of the Gaussian initialization.", default: "\(ConfigDefaults.seed)"))
  var seed: UInt64?

  func apply(to config: inout RunConfig) throws {
    if let widths { config.widths = widths }
    if let depth {
      if let widths = config.widths, widths.count != depth - 1, self.widths != nil {
        throw ValidationError("--depth \(depth) needs \(depth - 1) hidden widths, --widths gives \(widths.count)")
      }
      if self.widths == nil { config.widths = Array(repeating: ConfigDefaults.hiddenWidth, count: depth - 1) }
    }
    if let activation {
      config.activation = activation.activation
      config.gateWidth = activation.gateWidth ?? config.gateWidth
    }
    if let leakySlope { config.leakySlope = leakySlope }
    if let loss { config.loss = loss }
    if let wnScale { config.wnScale = wnScale }
    if let initPath = `init` { config.initialWeights = initPath }
    if let initScale { config.initScale = initScale }
    if let seed { config.seed = seed }
  }

  /// `--widths`: "16", "32,32" or "" (no hidden layer).
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

  /// `--wn-scale`: "1" or "1,0.5,2".
  static func parseScales(_ text: String) throws -> [Double] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
      guard let value = Double(part.trimmingCharacters(in: .whitespaces)), value > 0, value.isFinite else {
        throw ValidationError("--wn-scale: '\(part)' is not a positive number")
      }
      return value
    }
  }
}

/// `--dynamics`, simulate's alone (compare runs all three).
struct DynamicsOption: ParsableArguments {
  @Option(
    help: help(
      "Dynamics: unconstrained (dW/dt = −∇L), lagrange ((ρ_k, V_k), ‖V_k‖ = 1 by a multiplier), weightnorm (W_k = g_k v_k/‖v_k‖).",
      default: ConfigDefaults.dynamics.rawValue))
  var dynamics: DynamicsKind?

  func apply(to config: inout RunConfig) {
    if let dynamics { config.dynamics = dynamics }
  }
}
