import Foundation
import GradientFlow

/// The short human summary printed after a run.
struct Summary {
  let setup: SimulationSetup
  let result: SimulationResult

  /// The kink line, and advice when the run chattered.
  private var slidingText: String {
    guard let sliding = result.sliding else { return "" }
    let policy = "--sliding \(setup.config.sliding.rawValue), --error-norm \(setup.config.errorNorm.rawValue)"
    var text = "\n  kinks (\(policy)): " + sliding.text
    if let advice = sliding.advice { text += "\n  advice: " + advice }
    return text
  }

  var text: String {
    let c = setup.config
    let arch = setup.architecture.layerSizes.map(String.init).joined(separator: " → ")
    // K = 1 has no hidden layer, so no activation: "31 → 1 linear", not "31 → 1 relu".
    let activationText =
      setup.architecture.depth == 1
      ? "linear"
      : setup.architecture.smoothGate.map { "smooth-relu:\($0.width) (a smooth gate: not the ReLU model)" }
        ?? setup.architecture.activation.rawValue
    let f = result.final
    let s = result.statistics
    func g(_ key: String) -> String { f[key].map { String(format: "%.8g", $0) } ?? "?" }
    return """
      gradflow simulate: \(c.dynamics.rawValue) flow, \(arch) \(activationText), \(c.loss.rawValue) loss, data \(setup.dataSource)
        stopped: \(terminationText(result))
        final: loss \(g("loss")) (log \(g("log_loss"))), margin \(g("margin")), smoothed margin \(g("smoothed_margin")), rho \(g("rho")), accuracy \(g("accuracy"))
        work: \(s.stepsAccepted) steps accepted, \(s.stepsRejected) rejected, \(s.rhsEvaluations) RHS evaluations, \(result.patternChangesTotal) activation switches, \(String(format: "%.2f", s.wallSeconds)) s
        output: \(result.outputDirectory)/trajectory.csv and run.json
      """ + slidingText
  }
}
