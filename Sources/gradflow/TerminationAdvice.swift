import GradientFlow
import ODE

/// The ODE layer's remedies in gradflow's options: the solver names concepts ("raise the
/// accepted-step limit"), the command line names the flag that changes them.
extension Termination.Remedy {
  var commandLineAdvice: String {
    switch self {
    case .raiseStepLimit: "raise --max-steps"
    case .loosenTolerance: "loosen --rtol/--atol"
    case .raiseWallClockLimit: "raise --max-wall-seconds"
    case .shortenInterval: "shorten --t-end (or --log-t-end)"
    case .lowerMinimumStep: "lower --hmin"
    case .otherStepper: "try another --stepper"
    case .smallerInitialState: "check the data and initial weights for huge values, or lower --init-scale"
    }
  }
}

/// How a run ended, for the command line: where, then what to change in gradflow's options.
func terminationText(_ result: SimulationResult) -> String {
  let what = result.termination.event(timeName: result.terminationTimeName)
  let advice = result.termination.remedies.map(\.commandLineAdvice)
  return (advice.isEmpty ? what : what + ": " + advice.joined(separator: ", or ")) + result.horizonAdvice
}
