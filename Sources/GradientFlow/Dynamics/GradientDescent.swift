import Foundation
import ODE

/// Finite-step gradient descent as a fixed-step ``StepEngine``: θ_{k+1} = θ_k + η · exp(logScale) ·
/// direction(θ_k), explicit Euler on the same dynamics, for comparing gradient descent with the flow it
/// discretizes. Iterate k sits at t = kη, so GD and the flow are compared at equal t.
///
/// Driven by ``ODESolver`` like any flow, so the step and wall-clock limits, interruption, saves and
/// stop conditions apply as they do to the flow: saves at the first iterate at or past each save time,
/// the run ends at the first iterate with t ≥ t_end, and stop conditions are checked after every iterate
/// (no bisection: GD has no states in between). A step whose velocity is not finite (the iterates
/// diverged) fails and the last finite iterate is kept.
final class GradientDescent: StepEngine {
  private let dynamics: any FlowDynamics
  /// The learning rate η.
  let learningRate: Double
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  private let direction: UnsafeMutablePointer<Double>
  private var iterations = 0

  init(dynamics: any FlowDynamics, learningRate: Double) {
    self.dynamics = dynamics
    self.learningRate = learningRate
    direction = arena.buffer(count: dynamics.dimension)
  }

  var landsOnTargets: Bool { false }
  var rejectedSteps: Int { 0 }
  /// One gradient evaluation per iterate.
  var ownEvaluations: Int { iterations }
  private(set) var failureMessage: String?

  /// One iterate; `target` is ignored (a fixed step goes past save times), t = kη exactly.
  func step(t: inout Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> StepResult {
    let velocity = dynamics.velocity(state: y, direction: direction)
    let factor = learningRate * exp(velocity.logScale)
    guard factor.isFinite else { return diverged(at: t, iteration: iterations) }  // L(θ_k) overflowed
    for i in 0..<dynamics.dimension { y[i] += factor * direction[i] }
    for i in 0..<dynamics.dimension where !y[i].isFinite {
      return diverged(at: Double(iterations + 1) * learningRate, iteration: iterations + 1)
    }
    iterations += 1
    t = Double(iterations) * learningRate
    h = learningRate
    return .accepted
  }

  /// A step too large for the loss's curvature makes the iterates diverge: the loss (the velocity's scale)
  /// or the weights stop being finite. The solver keeps the last finite iterate.
  private func diverged(at t: Double, iteration: Int) -> StepResult {
    failureMessage = Self.divergence(at: t, iteration: iteration, learningRate: learningRate)
    return .systemFailed
  }

  /// Why a diverged run failed and what to change.
  static func divergence(at t: Double, iteration: Int, learningRate: Double) -> String {
    "gradient descent diverged: the loss or the weights stopped being finite at t=\(t) (iteration \(iteration)); "
      + "lower --gd-step (now \(learningRate)): an explicit step is stable only below about 2 over the loss's "
      + "largest curvature"
  }

  /// Whether a log-loss says the loss is no longer a finite number (+∞ or NaN).
  static func lossDiverged(logLoss: Double) -> Bool {
    logLoss.isNaN || logLoss > Foundation.log(Double.greatestFiniteMagnitude)
  }
}
