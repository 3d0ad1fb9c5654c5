import CGSL
import Foundation
import ODE

/// Finite-step gradient descent, θ_{k+1} = θ_k + η · exp(logScale) · direction(θ_k) (explicit Euler
/// on the same dynamics), for comparing gradient descent with the flow it discretizes: iterate k sits
/// at t = k η, so GD and the flow are compared at equal t. Saves at the first iterate at or past each
/// scheduled time; the run ends at the first iterate with t ≥ t_end. The user's stop conditions are
/// checked after every iterate (no bisection: GD has no states in between).
final class GradientDescent {
  private let dynamics: any FlowDynamics
  private let config: SimulationConfig
  private let stopConditions: [StopCondition]

  init(dynamics: any FlowDynamics, config: SimulationConfig, stopConditions: [StopCondition]) {
    self.dynamics = dynamics
    self.config = config
    self.stopConditions = stopConditions
  }

  func run(
    initialState: [Double], step eta: Double, onSave: PhasedIntegrator.SaveObserver,
    onStep: PhasedIntegrator.StepObserver
  ) -> PhasedIntegrator.Outcome {
    let n = dynamics.dimension
    let clock = ContinuousClock.now
    var state = initialState
    var direction = [Double](repeating: 0, count: n)
    let tEnd = config.resolvedTEnd
    var saveTimes = config.saveTimes[...]
    var iteration = 0
    var t = 0.0
    var termination: Termination = .reachedEnd(t: tEnd)
    var lastSaved = -1.0
    func save() throws {
      try state.withUnsafeBufferPointer { try onSave(t, log(t), $0) }
      lastSaved = t
    }
    do {
      try save()
      loop: while t < tEnd {
        if Interruption.isRequested {
          termination = .interrupted(t: t)
          break
        }
        if iteration >= config.maxSteps {
          termination = .maxSteps(limit: config.maxSteps, t: t, stepSize: eta)
          break
        }
        let velocity = state.withUnsafeBufferPointer { s in
          direction.withUnsafeMutableBufferPointer {
            dynamics.velocity(state: s.baseAddress!, direction: $0.baseAddress!)
          }
        }
        let factor = eta * exp(velocity.logScale)
        for i in 0..<n { state[i] += factor * direction[i] }
        iteration += 1
        t = Double(iteration) * eta
        guard state.allSatisfy(\.isFinite) else {
          termination = .nonFinite(t: t)
          break
        }
        state.withUnsafeBufferPointer { onStep(log(t), $0) }
        for condition in stopConditions where state.withUnsafeBufferPointer({ condition.function(t, $0) }) >= 0 {
          termination =
            condition.kind == .stationary ? .reachedMinimizer(t: t) : .stopCondition(name: condition.name, t: t)
          break loop
        }
        if let next = saveTimes.first, t >= next {
          while let next = saveTimes.first, next <= t { saveTimes.removeFirst() }
          try save()
        }
      }
      if lastSaved != t { try save() }
    } catch let request as StopRequest {
      termination = .stopCondition(name: request.name, t: t)
    } catch {
      termination = .saveFailed(t: t, message: String(describing: error))
    }
    var statistics = SolverStatistics()
    statistics.rhsEvaluations = iteration
    statistics.stepsAccepted = iteration
    statistics.lastStepSize = eta
    let d = ContinuousClock.now - clock
    statistics.wallSeconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    let record = PhasedIntegrator.PhaseRecord(
      clock: "gd", stepper: nil, start: 0, end: t, termination: termination, statistics: statistics)
    return PhasedIntegrator.Outcome(
      termination: termination, timeName: "t", finalState: state, finalLogT: log(t), finalT: t, statistics: statistics,
      phases: [record])
  }
}
