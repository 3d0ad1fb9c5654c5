import Foundation
import ODE

/// An engine that can measure t in a unit e^σ: it steps in u = t·e^{−σ} with the flow's field times e^σ
/// (the flow is autonomous, so these are its steps in t), which keeps u and the forces e^{logScale + σ}
/// normal doubles however large t is.
public protocol RescaledTimeEngine: StepEngine {
  /// σ (0: t itself). Setting it makes the next step a fresh start.
  var logTimeUnit: Double { get set }
}

/// Presents an engine that steps in t (``EventDrivenStepper``, ``CrossingCorrectedStepper``) to a solve in
/// the log-t clock s = log t: each step maps s to t = e^s, takes the inner engine's step toward e^{target},
/// and maps back (the target exactly when the step reaches it). The path of a flow does not depend on its
/// clock, so the events, their location and the pieces are those of the t clock; only the solver's variable
/// changes. Without ``rebaseSpan`` t must stay a finite double (log t < 709.78: ``SolveOptions`` refuses a
/// later end for `exact`; `corrected` uses this engine only up to ``LogTimeKinks/latestEnd``).
///
/// With ``rebaseSpan`` (``LogTimeKinks/rebased``) and an inner ``RescaledTimeEngine`` the inner engine
/// measures t in the unit e^σ: σ = 0 up to log t = span, and whenever log t passes σ + span, σ ← log t (one
/// fresh start of the inner engine, whose steps then resume at u = 1). A step's target lies at most
/// ``rebaseHeadroom`` beyond σ + span, so u ≤ e^{span + headroom} and the forces e^{logScale + σ}
/// ≈ e^{−log u + O(log ρ, log N)} stay normal. Up to log t = span every number is the unrebased one (σ = 0).
///
/// The inner engine's t and step size are kept across calls, so a step resumes from the exact t it ended at
/// (e^{log t} would round, and the inner engine would take the state for a new start).
final class LogClockEngine: StepEngine {
  let inner: any StepEngine
  /// The span in log t of one unit of t (nil: t itself throughout).
  let rebaseSpan: Double?
  /// How far beyond σ + span a step's target may lie (``rebaseSpan``).
  static let rebaseHeadroom = 50.0
  /// σ of the inner engine's unit of time.
  private(set) var logTimeUnit = 0.0
  private var innerTime = Double.nan
  private var innerStep = Double.nan
  private var lastS = Double.nan

  /// The inner engine as one that can change its unit, when ``rebaseSpan`` is set and it can (cast once here).
  private let rescalable: (any RescaledTimeEngine)?

  init(inner: any StepEngine, rebaseSpan: Double? = nil) {
    self.inner = inner
    self.rebaseSpan = rebaseSpan
    rescalable = rebaseSpan == nil ? nil : inner as? any RescaledTimeEngine
  }

  var rejectedSteps: Int { inner.rejectedSteps }
  var ownEvaluations: Int { inner.ownEvaluations }
  var ownJacobians: EngineJacobians { inner.ownJacobians }
  var failureMessage: String? { inner.failureMessage }

  func step(t s: inout Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> StepResult {
    var targetS = target
    if let span = rebaseSpan, let rescalable {
      if s > logTimeUnit + span {
        logTimeUnit = s
        rescalable.logTimeUnit = s
        lastS = .nan
      }
      targetS = min(target, logTimeUnit + span + Self.rebaseHeadroom)
    }
    var t = s == lastS ? innerTime : exp(s - logTimeUnit)
    let targetTime = exp(targetS - logTimeUnit)
    guard t.isFinite, targetTime.isFinite else {
      return .failed("the log-t phase steps in t, which overflows past log t ≈ 709.78 (at log t = \(target))")
    }
    var step = s == lastS && innerStep.isFinite ? innerStep : h * t
    let result = inner.step(t: &t, target: targetTime, h: &step, y: y)
    guard result == .accepted else { return result }
    s = t == targetTime ? targetS : logTimeUnit + log(t)
    h = step / t
    (innerTime, innerStep, lastS) = (t, step, s)
    return .accepted
  }
}
