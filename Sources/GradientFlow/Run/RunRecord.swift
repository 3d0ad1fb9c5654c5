import Foundation
import ODE

/// The contents of `run.json`: the fully resolved config (re-runnable with
/// `gradflow simulate --config run.json`), where the data and weights came from, the versions of
/// GradientFlow, GSL and Swift, the solver statistics, the termination reason and the final
/// observables.
public enum RunRecord {
  /// GradientFlow's version.
  public static let version = "0.1.0"

  /// The Swift compiler that built this binary.
  public static var swiftVersion: String {
    #if compiler(>=6.3)
      "6.3+"
    #elseif compiler(>=6.2)
      "6.2"
    #elseif compiler(>=6.1)
      "6.1"
    #else
      "6.0"
    #endif
  }

  /// The record of a finished run, or with `result` nil the provisional record written when the run
  /// starts: termination `running` at t = 0, no `stats` and no `final`. A run.json still saying
  /// `running` belongs to a run that was killed (SIGKILL, a crash) before it could record its end.
  /// `warnings` (e.g. a stationary start, ``StartCheck``) are recorded as `warnings`, and a stationary
  /// start also as `stationary_start: true`.
  static func make(
    setup: SimulationSetup, result: SimulationResult?, dynamics: String, commandLine: [String],
    warnings: [String] = []
  ) -> [String: Any] {
    var record = header(setup: setup, dynamics: dynamics, commandLine: commandLine)
    record["warnings"] = warnings
    record["stationary_start"] = warnings.contains { $0.contains("stationary point") }
    guard let result else {
      record["termination"] =
        [
          "reason": "running", "t": 0.0, "success": false,
          "message": "the run has not finished, or was killed before it could record how it ended",
        ] as [String: Any]
      return record
    }
    let stats = result.statistics
    let termination = result.termination
    record["termination"] =
      [
        "reason": termination.reason, "t": result.finalT, "log_t": result.finalLogT,
        "clock_value": termination.t,
        "message": result.terminationMessage, "success": termination.isSuccess,
        "clock": result.phases.last?.clock ?? "t",
      ].merging(
        termination.reason == "interrupted" ? ["signal": Interruption.signalName ?? "none"] : [:]
      ) { a, _ in a } as [String: Any]
    record["phases"] = result.phases.map { phase -> [String: Any] in
      [
        "clock": phase.clock, "stepper": phase.stepper, "start": phase.start, "end": phase.end, "reason": phase.reason,
        "rhs_evals": phase.statistics.rhsEvaluations, "steps_accepted": phase.statistics.stepsAccepted,
        "steps_rejected": phase.statistics.stepsRejected, "wall_seconds": phase.statistics.wallSeconds,
        "implicit_steps": phase.statistics.implicitSteps,
      ]
    }
    // Every switch of --stepper auto, in order: the clock and its value, from, to, why.
    record["stepper_switches"] = result.phases.flatMap { phase in
      phase.statistics.stepperSwitches.map { change -> [String: Any] in
        [
          "clock": phase.clock, "clock_value": change.time, "from": change.from, "to": change.to,
          "why": change.reason, "h_rho": change.stiffness,
        ]
      }
    }
    if let minimizer = result.minimizer {
      record["minimizer"] =
        [
          "loss": minimizer.loss, "log_loss": minimizer.logLoss, "gradient_norm": minimizer.gradientNorm,
          "ratio": minimizer.ratio, "misclassified_count": minimizer.misclassified.count,
          "misclassified": minimizer.misclassified,
        ] as [String: Any]
    }
    record["stats"] =
      [
        "rhs_evals": stats.rhsEvaluations, "jacobian_evals": stats.jacobianEvaluations,
        "steps_accepted": stats.stepsAccepted, "steps_rejected": stats.stepsRejected,
        "wall_seconds": stats.wallSeconds, "last_step_size": stats.lastStepSize,
        "pattern_changes": result.patternChangesTotal,
        "implicit_steps": stats.implicitSteps, "implicit_seconds": stats.implicitSeconds,
        "jacobian_seconds": stats.jacobianSeconds, "jacobian_rhs_evals": stats.jacobianRHSEvaluations,
        "stiffness_rhs_evals": stats.stiffnessRHSEvaluations, "explicit_h_rho": stats.explicitStiffness,
        "stiff_but_too_large": stats.stiffButTooLarge,
      ] as [String: Any]
    if let sliding = result.sliding, var stats = record["stats"] as? [String: Any] {
      stats["sliding"] = sliding.jsonObject
      record["stats"] = stats
    }
    record["final"] = result.final
    record["memory"] = [
      "estimate_bytes": setup.memoryEstimate.bytes, "peak_rss_bytes": peakResidentBytes(),
    ]
    return record
  }

  /// Everything known before the run: versions, command, config, data, model and output names.
  private static func header(setup: SimulationSetup, dynamics: String, commandLine: [String]) -> [String: Any] {
    [
      "gradflow_version": version,
      "gsl_version": GSLRuntime.version,
      "swift_version": swiftVersion,
      "command": commandLine,
      "config": encodedConfig(setup.config),
      "data": [
        "source": setup.dataSource, "samples": setup.dataset.count,
        "features": setup.dataset.featureNames, "notes": setup.notes,
      ] as [String: Any],
      "model": [
        "layer_sizes": setup.architecture.layerSizes, "activation": setup.architecture.activation.rawValue,
        "parameters": setup.architecture.parameterCount, "loss": setup.config.loss.rawValue,
        "dynamics": dynamics, "initial_weights": setup.weightsSource,
        "margin_normalization": "product: margin = min_n q_n(W) / prod_k ||W_k||_F",
      ].merging(setup.architecture.smoothGate.map { ["gate_width": $0.width] } ?? [:]) { a, _ in a }
        as [String: Any],
      "outputs": [
        "trajectory": "trajectory.csv", "initial_weights": "initial_weights.json",
        "final_weights": "final_weights.json",
      ].merging(setup.config.saveWeights ? ["weights": "weights.csv"] : [:]) { a, _ in a },
    ]
  }

  /// The process's peak resident set size so far (getrusage's ru_maxrss, KiB on Linux, bytes on macOS).
  static func peakResidentBytes() -> Double {
    #if os(Linux)
      let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
    #else
      let RUSAGE_SELF_WHO = RUSAGE_SELF
    #endif
    var usage = rusage()
    guard getrusage(RUSAGE_SELF_WHO, &usage) == 0 else { return .nan }
    #if os(macOS)
      return Double(usage.ru_maxrss)
    #else
      return Double(usage.ru_maxrss) * 1024
    #endif
  }

  static func encodedConfig(_ config: SimulationConfig) -> Any {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    guard let data = try? encoder.encode(config), let object = try? JSONSerialization.jsonObject(with: data)
    else { return [:] }
    return object
  }
}
