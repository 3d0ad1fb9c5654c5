import Foundation
import ODE

/// The user's stop conditions of a ``RunConfig`` (each usable in every clock):
/// `separated` (min_n q_n ≥ 0), `loss<=X` (log X − log L ≥ 0), `rho>=X` (target ρ, when the clock is
/// not ρ itself), `margin>=X` (target γ̄), and `minimizer` (``MinimizerTest``; a stationary condition:
/// the run ends with `reachedMinimizer`).
enum RunStops {
  static func make(_ options: StopOptions, probe: StateProbe, minimizer: MinimizerTest?) -> [StopCondition] {
    var stops: [StopCondition] = []
    if options.minimizer, let minimizer {
      stops.append(StopCondition(name: "minimizer", kind: .stationary) { _, y in minimizer.function(y) })
    }
    if options.whenSeparated {
      stops.append(StopCondition(name: "separated") { _, y in probe.minimumMargin(y) })
    }
    if let target = options.loss {
      let logTarget = Foundation.log(target)
      stops.append(StopCondition(name: "loss<=\(target)") { _, y in logTarget - probe.logLoss(y) })
    }
    if let target = options.rho {
      stops.append(StopCondition(name: "rho>=\(target)") { _, y in probe.rho(y) - target })
    }
    if let target = options.margin {
      stops.append(StopCondition(name: "margin>=\(target)") { _, y in probe.margin(y) - target })
    }
    return stops
  }
}
