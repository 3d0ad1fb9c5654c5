import Foundation
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

/// Sliding pairs from which a normalized flow's stiff stretch is called the diabetes example's case (399 pairs
/// there) in the advice of ``terminationText(_:config:)``.
private let manySlidingPairs = 100

/// How a run ended, for the command line: where, then what to change in gradflow's options.
/// `config` is the run's (its `--stepper`, nil: the per-phase choice of an old run.json).
func terminationText(_ result: RunResult, config: RunConfig) -> String {
  let stepper = config.stepper
  let what = result.termination.event(timeName: result.terminationTimeName)
  let s = result.statistics
  if s.isStiffFailure(result.termination) {
    // Besides the stiffness advice: the remedies that are not "more steps" or "a looser tolerance".
    let others = result.termination.remedies.filter { $0 != .raiseStepLimit && $0 != .loosenTolerance }
      .map(\.commandLineAdvice)
    // More steps or a looser tolerance do not help a stiff problem: an implicit method does.
    if s.stiffButTooLarge {
      return what + ": the problem is stiff here, but has more than \(Stepper.autoMaximumImplicitDimension) "
        + "unknowns, too many for --stepper auto's implicit method: use --stepper msbdf (P × P matrices) or a "
        + "smaller network"
    }
    // auto tried its implicit method and handed back every time: on a ReLU net's Filippov flow msbdf stalls
    // where many samples slide on their kinks (non-separable data: docs/stiff.md, "Not done"). For the
    // unconstrained flow the exact engine with implicit pieces finishes such runs (`stiff_kinks` `exact`: the
    // diabetes example, t = 1000 in 64 s); for the normalized flows no option does yet, and the advice says so.
    if s.implicitGaveUp {
      let sliding = result.sliding.map { " (\($0.pairs) pairs slid on their kinks)" } ?? ""
      let fix =
        config.dynamics == .unconstrained && config.stiffKinks == .switch
        ? "switching to the exact engine with implicit pieces instead finishes such runs: put {\"stiff_kinks\": "
          + "\"exact\"} in a --config file (docs/stiff.md, \"Stiff kinks: the exact engine\")"
        : "no option of gradflow finishes this stiff stretch yet (docs/stiff.md, \"Not done\")"
      return what
        + ": the steps were limited by stability, not accuracy (h·ρ(J) = \(String(format: "%.3g", s.explicitStiffness))), "
        + "and the implicit method, tried \(s.stepperSwitches.count / 2) times, cost more each time\(sliding): "
        + fix + (others.isEmpty ? "" : "; " + others.joined(separator: ", or ")) + result.horizonAdvice
    }
    // A phase already on --stepper auto that stayed explicit keeps its explicit method on purpose (ReLU kinks):
    // there the implicit method has to be asked for by name.
    // The crossing-corrected steps are explicit whatever --stepper says: the implicit method needs the
    // Filippov flow under GSL (on moons, 40 samples, 2 → 16 → 1, this reached t = 1e4 where the defaults
    // stopped at max steps; docs/stiff.md).
    // A normalized flow with many pairs sliding is the diabetes example's case, where that advice made things
    // worse (Lagrange to t = 1000 with 150 s: t = 3.87 under the defaults, t = 0.055 with filippov and msbdf,
    // 399 and 983 pairs sliding; docs/stiff.md, "Not done"): the advice then says so.
    let manySliding = config.dynamics != .unconstrained && (result.sliding?.pairs ?? 0) >= manySlidingPairs
    let stepperAdvice =
      result.sliding?.mode == .corrected
      ? (manySliding
        ? "--sliding filippov --stepper msbdf is the implicit alternative, but with this many pairs sliding "
          + "(\(result.sliding?.pairs ?? 0)) it was slower still on the diabetes example, and no option of gradflow "
          + "finishes such a stretch of the normalized flows yet (docs/stiff.md, \"Not done\")"
        : "try --sliding filippov --stepper msbdf (the corrected steps are explicit)")
      : stepper == .auto ? "try --stepper msbdf" : "use --stepper auto (the default) or --stepper msbdf"
    return what
      + ": the steps were limited by stability, not accuracy (h·ρ(J) = \(String(format: "%.3g", s.explicitStiffness))): "
      + "the problem is stiff here; " + ([stepperAdvice] + others).joined(separator: ", or ")
      + " (a larger --max-steps or a looser --rtol would not help)" + result.horizonAdvice
  }
  let advice = result.termination.remedies.map(\.commandLineAdvice)
  return (advice.isEmpty ? what : what + ": " + advice.joined(separator: ", or ")) + result.horizonAdvice
}
