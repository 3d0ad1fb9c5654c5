import Foundation
import ODE

/// Presents an engine that steps in t (``EventDrivenStepper``, ``CrossingCorrectedStepper``) to a solve in
/// the log-t clock s = log t: each step maps s to t = e^s, takes the inner engine's step toward e^{target},
/// and maps back (the target exactly when the step reaches it). The path of a flow does not depend on its
/// clock, so the events, their location and the pieces are those of the t clock; only the solver's variable
/// changes. t must stay a finite double (log t < 709.78: ``SolveOptions`` refuses a later end for `exact`;
/// `corrected` uses this engine only up to ``LogTimeKinks/latestEnd``).
///
/// The inner engine's t and step size are kept across calls, so a step resumes from the exact t it ended at
/// (e^{log t} would round, and the inner engine would take the state for a new start).
final class LogClockEngine: StepEngine {
  let inner: any StepEngine
  private var innerTime = Double.nan
  private var innerStep = Double.nan
  private var lastS = Double.nan

  init(inner: any StepEngine) {
    self.inner = inner
  }

  var rejectedSteps: Int { inner.rejectedSteps }
  var ownEvaluations: Int { inner.ownEvaluations }
  var failureMessage: String? { inner.failureMessage }

  func step(t s: inout Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> StepResult {
    var t = s == lastS ? innerTime : exp(s)
    let targetTime = exp(target)
    guard t.isFinite, targetTime.isFinite else {
      return .failed("the log-t phase steps in t, which overflows past log t ≈ 709.78 (at log t = \(target))")
    }
    var step = s == lastS && innerStep.isFinite ? innerStep : h * t
    let result = inner.step(t: &t, target: targetTime, h: &step, y: y)
    guard result == .accepted else { return result }
    s = t == targetTime ? target : log(t)
    h = step / t
    (innerTime, innerStep, lastS) = (t, step, s)
    return .accepted
  }
}
