import Foundation
import GradientFlow
import ODE

/// The short human summary printed after a run.
struct Summary {
  let setup: RunSetup
  let result: RunResult

  /// The kink line, and advice when the run chattered.
  private var slidingText: String {
    guard let sliding = result.sliding else { return "" }
    let policy = "--sliding \(setup.config.sliding.rawValue), --error-norm \(setup.config.errorNorm.rawValue)"
    var text = "\n  kinks (\(policy)): " + sliding.text
    if let events = sliding.events { text += "; \(events) kink events located" }
    // After an escalation to the exact engine (`stiff_kinks` `escalate`) the chatter was the corrected steps'
    // before it, which no longer run: their advice does not apply.
    if let advice = sliding.advice, !escalated { text += "\n  advice: " + advice }
    return text
  }

  /// Whether `--stepper auto` handed a phase over to its implicit engine for good (``StiffKinks/escalate``).
  private var escalated: Bool {
    result.phases.contains { phase in phase.statistics.stepperSwitches.contains { $0.reason.hasPrefix("escalated") } }
  }

  /// The stepper lines: the switches of --stepper auto, where an implicit method's time went, and the
  /// minimizer a run on non-separable data reached.
  private var stepperText: String {
    let s = result.statistics
    var lines: [String] = []
    let switches = result.phases.flatMap { phase in phase.statistics.stepperSwitches.map { (phase.clock, $0) } }
    if !switches.isEmpty {
      let describe = { (clock: PhaseClock, change: StepperSwitch) -> String in
        // A switch decided by cost (`stiff_kinks`, `implicit_return`) measured no ρ(J), nor did an escalation.
        let why =
          change.reason.hasPrefix("costlier")
          ? "(costlier per unit \(clock.variableName))"
          : change.reason.hasPrefix("returned")
            ? "(explicit steps costlier per unit \(clock.variableName))"
            : change.reason.hasPrefix("escalated")
              ? "(escalated: \(change.from) cost more at every switch)"
              : "(h·ρ(J) = \(String(format: "%.3g", change.stiffness)))"
        return "\(clock.variableName)=\(String(format: "%.6g", change.time)) \(change.from) → \(change.to) " + why
      }
      var list = switches.prefix(4).map(describe).joined(separator: ", ")
      if switches.count > 4 {
        // An escalation ends the list of a long run: shown after the first four.
        if let last = switches.last, last.1.reason.hasPrefix("escalated") {
          list += ", …, " + describe(last.0, last.1) + " (all in run.json)"
        } else {
          list += ", … (all in run.json)"
        }
      }
      lines.append("stepper auto: \(switches.count) switch\(switches.count == 1 ? "" : "es"): " + list)
    }
    if s.implicitSteps > 0 {
      let jacobianKind =
        s.jacobianRHSEvaluations > 0 ? "finite-difference, \(s.jacobianRHSEvaluations) RHS evaluations" : "analytic"
      let rest = max(s.implicitSeconds - s.jacobianSeconds, 0)
      lines.append(
        "implicit steps: \(s.implicitSteps) of \(s.stepsAccepted), \(String(format: "%.2f", s.implicitSeconds)) s: "
          + "\(s.jacobianEvaluations) Jacobians (\(jacobianKind)) \(String(format: "%.2f", s.jacobianSeconds)) s, "
          + "Newton iterations and linear solves (\(setup.architecture.parameterCount) unknowns) "
          + "\(String(format: "%.2f", rest)) s")
    }
    if let m = result.minimizer {
      let shown = m.misclassified.prefix(10).map(String.init).joined(separator: ", ")
      lines.append(
        "minimizer: L* = \(String(format: "%.10g", m.loss)), ‖∇L‖ = \(String(format: "%.3g", m.gradientNorm)), "
          + "\(m.misclassified.count) misclassified sample\(m.misclassified.count == 1 ? "" : "s") (0-based: \(shown)"
          + (m.misclassified.count > 10 ? ", …" : "") + "): the data are not separable by this model")
    }
    return lines.map { "\n  " + $0 }.joined()
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
        stopped: \(terminationText(result, config: setup.config))
        final: loss \(g("loss")) (log \(g("log_loss"))), margin \(g("margin")), smoothed margin \(g("smoothed_margin")), rho \(g("rho")), accuracy \(g("accuracy"))
        work: \(s.stepsAccepted) steps accepted, \(s.stepsRejected) rejected, \(s.rhsEvaluations) RHS evaluations, \(result.patternChangesTotal) activation switches, \(String(format: "%.2f", s.wallSeconds)) s
        output: \(result.outputDirectory)/trajectory.csv and run.json
      """ + stepperText + slidingText
  }
}
