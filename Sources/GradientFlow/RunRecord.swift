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

  static func make(setup: SimulationSetup, result: SimulationResult, dynamics: String, commandLine: [String])
    -> [String: Any]
  {
    let stats = result.statistics
    let termination = result.termination
    return [
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
      ] as [String: Any],
      "termination": [
        "reason": termination.reason, "t": termination.t, "message": termination.description,
        "success": termination.isSuccess,
      ] as [String: Any],
      "stats": [
        "rhs_evals": stats.rhsEvaluations, "jacobian_evals": stats.jacobianEvaluations,
        "steps_accepted": stats.stepsAccepted, "steps_rejected": stats.stepsRejected,
        "wall_seconds": stats.wallSeconds, "last_step_size": stats.lastStepSize,
        "pattern_changes": result.patternChangesTotal,
      ] as [String: Any],
      "final": result.final,
      "outputs": [
        "trajectory": "trajectory.csv", "initial_weights": "initial_weights.json",
        "final_weights": "final_weights.json",
      ].merging(setup.config.saveWeights ? ["weights": "weights.csv"] : [:]) { a, _ in a },
    ]
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
