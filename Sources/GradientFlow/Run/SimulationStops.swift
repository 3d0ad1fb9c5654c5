import Foundation
import ODE

/// The user's stop conditions of a ``SimulationConfig`` (each usable in every clock):
/// `separated` (min_n q_n ≥ 0), `loss<=X` (log X − log L ≥ 0), `rho>=X` (target ρ, when the clock is
/// not ρ itself), `margin>=X` (target γ̄), and — unless `stop_at_minimizer` is off — `minimizer`
/// (``MinimizerTest``; a stationary condition: the run ends with `reachedMinimizer`).
enum SimulationStops {
  static func make(config: SimulationConfig, probe: StateProbe, minimizer: MinimizerTest?) -> [StopCondition] {
    var stops: [StopCondition] = []
    if config.stopAtMinimizer, let minimizer {
      stops.append(StopCondition(name: "minimizer", kind: .stationary) { _, y in minimizer.function(y) })
    }
    if config.stopWhenSeparated {
      stops.append(StopCondition(name: "separated") { _, y in probe.minimumMargin(y) })
    }
    if let target = config.stopLoss {
      let logTarget = Foundation.log(target)
      stops.append(StopCondition(name: "loss<=\(target)") { _, y in logTarget - probe.logLoss(y) })
    }
    if let target = config.rhoEnd, config.clock != .rho {
      stops.append(StopCondition(name: "rho>=\(target)") { _, y in probe.rho(y) - target })
    }
    if let target = config.stopMargin {
      stops.append(StopCondition(name: "margin>=\(target)") { _, y in probe.margin(y) - target })
    }
    return stops
  }
}
