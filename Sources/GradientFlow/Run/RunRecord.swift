import Foundation
import ODE

/// The contents of `run.json`: the fully resolved config (re-runnable with
/// `gradflow simulate --config run.json`), where the data and weights came from, the versions of
/// GradientFlow, GSL and Swift, the solver statistics, the termination reason and the final
/// observables.
///
/// Written through ``JSONObjectEncoder`` and ``OutputDirectory/writeJSON(_:to:)`` (sorted keys, the
/// numbers as `JSONSerialization` prints them, non-finite numbers as "inf", "-inf", "nan"); read with
/// ``load(path:)``. Sections added after the first version are optional so that every run.json ever
/// written reads: `warnings`, `stationary_start`, `phases`, `memory`, and within `termination`
/// `log_t`, `clock_value`, `clock`, `signal`. A provisional record has no `phases`, `stats`, `final`
/// or `memory` (``make(setup:result:dynamics:commandLine:warnings:)``).
public struct RunRecord: Codable, Sendable {
  public var gradflowVersion: String
  public var gslVersion: String
  public var swiftVersion: String
  /// The command line of the run.
  public var command: [String]
  public var config: RunConfig
  public var data: DataSection
  public var model: Model
  public var outputs: Outputs
  public var warnings: [String]?
  /// Whether one of the ``warnings`` is a stationary start (``StartCheck``).
  public var stationaryStart: Bool?
  public var termination: TerminationSection
  public var phases: [Phase]?
  public var stats: Stats?
  /// The observables at the final state (every trajectory column but `pattern_changes`).
  public var final: [String: Double]?
  public var memory: Memory?
  /// Every switch of `--stepper auto`, in order (absent before the stepper switched).
  public var stepperSwitches: [Switch]?
  /// The minimizer a run on non-separable data ended at (`reachedMinimizer`).
  public var minimizer: Minimizer?
  /// OpenBLAS's kernel set (``BLASCore``): products round differently under another one, so a bit-for-bit
  /// replay runs under the same (`OPENBLAS_CORETYPE`). Absent in records written before it was recorded.
  public var blasCore: String? = nil

  enum CodingKeys: String, CodingKey {
    case stepperSwitches = "stepper_switches"
    case minimizer
    case blasCore = "blas_core"
    case gradflowVersion = "gradflow_version"
    case gslVersion = "gsl_version"
    case swiftVersion = "swift_version"
    case command, config, data, model, outputs, warnings
    case stationaryStart = "stationary_start"
    case termination, phases, stats, final, memory
  }

  /// run.json's `data`: where the dataset came from.
  public struct DataSection: Codable, Sendable {
    /// The CSV path, or the generator and its arguments (`blobs(n=16, seed=0)`).
    public var source: String
    public var samples: Int
    public var features: [String]
    public var notes: [String]
  }

  /// run.json's `model`.
  public struct Model: Codable, Sendable {
    public var layerSizes: [Int]
    public var activation: Activation
    public var parameters: Int
    public var loss: Loss
    /// The flow integrated (``FlowDynamics/kind``).
    public var dynamics: DynamicsKind
    /// The weights file, or the Gaussian draw and its seed.
    public var initialWeights: String
    public var marginNormalization: String
    /// ε of `smooth-relu`.
    public var gateWidth: Double?

    enum CodingKeys: String, CodingKey {
      case layerSizes = "layer_sizes"
      case activation, parameters, loss, dynamics
      case initialWeights = "initial_weights"
      case marginNormalization = "margin_normalization"
      case gateWidth = "gate_width"
    }
  }

  /// run.json's `outputs`: the files of the run directory.
  public struct Outputs: Codable, Sendable {
    public var trajectory = "trajectory.csv"
    public var initialWeights = "initial_weights.json"
    public var finalWeights = "final_weights.json"
    /// `weights.csv`, with `--save-weights`.
    public var weights: String?

    enum CodingKeys: String, CodingKey {
      case trajectory
      case initialWeights = "initial_weights"
      case finalWeights = "final_weights"
      case weights
    }
  }

  /// run.json's `termination.reason`: how the run ended, or `running` in the provisional record.
  public enum Reason: Sendable, Equatable, Codable {
    /// The provisional record's: the run has not finished, or was killed before it could say how it ended.
    case running
    case ended(Termination.Kind)

    public var text: String {
      switch self {
      case .running: "running"
      case .ended(let kind): kind.rawValue
      }
    }

    public init(from decoder: any Decoder) throws {
      let text = try decoder.singleValueContainer().decode(String.self)
      if text == "running" {
        self = .running
      } else if let kind = Termination.Kind(rawValue: text) {
        self = .ended(kind)
      } else {
        throw DecodingError.dataCorrupted(
          .init(
            codingPath: decoder.codingPath,
            debugDescription: "unknown termination reason '\(text)'; expected running or one of "
              + Termination.Kind.allCases.map(\.rawValue).joined(separator: ", ")))
      }
    }

    public func encode(to encoder: any Encoder) throws {
      var container = encoder.singleValueContainer()
      try container.encode(text)
    }
  }

  /// run.json's `termination`.
  public struct TerminationSection: Codable, Sendable {
    public var reason: Reason
    /// t at the end (infinite past log t ≈ 709.78); 0 in the provisional record.
    public var t: Double
    public var logT: Double?
    /// The end in the last phase's own variable.
    public var clockValue: Double?
    public var message: String
    /// Whether the run ended as asked (``Termination/isSuccess``).
    public var success: Bool
    /// The last phase's clock.
    public var clock: PhaseClock?
    /// The signal of an interrupted run.
    public var signal: String?

    enum CodingKeys: String, CodingKey {
      case reason, t
      case logT = "log_t"
      case clockValue = "clock_value"
      case message, success, clock, signal
    }
  }

  /// One entry of run.json's `phases` (``PhaseSummary``).
  public struct Phase: Codable, Sendable {
    public var clock: PhaseClock
    public var stepper: String
    public var start: Double
    public var end: Double
    public var reason: Termination.Kind
    public var rhsEvals: Int
    public var stepsAccepted: Int
    public var stepsRejected: Int
    public var wallSeconds: Double
    /// Accepted steps of an implicit method (absent in runs recorded before `--stepper auto`).
    public var implicitSteps: Int?

    enum CodingKeys: String, CodingKey {
      case clock, stepper, start, end, reason
      case rhsEvals = "rhs_evals"
      case stepsAccepted = "steps_accepted"
      case stepsRejected = "steps_rejected"
      case wallSeconds = "wall_seconds"
      case implicitSteps = "implicit_steps"
    }
  }

  /// run.json's `stats`: the work summed over the phases.
  public struct Stats: Codable, Sendable {
    public var rhsEvals: Int
    public var jacobianEvals: Int
    public var stepsAccepted: Int
    public var stepsRejected: Int
    public var wallSeconds: Double
    public var lastStepSize: Double
    public var patternChanges: Int
    public var sliding: SlidingReport?
    /// The implicit method's share (``SolverStatistics``); absent in runs recorded before `--stepper auto`.
    public var implicitSteps: Int?
    public var implicitSeconds: Double?
    public var jacobianSeconds: Double?
    public var jacobianRhsEvals: Int?
    public var stiffnessRhsEvals: Int?
    /// The largest h·ρ(J) of an explicit method (near 3: limited by stability).
    public var explicitHRho: Double?
    public var stiffButTooLarge: Bool?

    enum CodingKeys: String, CodingKey {
      case implicitSteps = "implicit_steps"
      case implicitSeconds = "implicit_seconds"
      case jacobianSeconds = "jacobian_seconds"
      case jacobianRhsEvals = "jacobian_rhs_evals"
      case stiffnessRhsEvals = "stiffness_rhs_evals"
      case explicitHRho = "explicit_h_rho"
      case stiffButTooLarge = "stiff_but_too_large"
      case rhsEvals = "rhs_evals"
      case jacobianEvals = "jacobian_evals"
      case stepsAccepted = "steps_accepted"
      case stepsRejected = "steps_rejected"
      case wallSeconds = "wall_seconds"
      case lastStepSize = "last_step_size"
      case patternChanges = "pattern_changes"
      case sliding
    }
  }

  /// run.json's `memory`: the estimate checked before the run (``MemoryEstimate``) and the measured peak.
  public struct Memory: Codable, Sendable {
    public var estimateBytes: Double
    public var peakRssBytes: Double

    enum CodingKeys: String, CodingKey {
      case estimateBytes = "estimate_bytes"
      case peakRssBytes = "peak_rss_bytes"
    }
  }
}

extension RunRecord {
  /// One entry of run.json's `stepper_switches`: the clock and its value, from, to, why, and h·ρ(J).
  public struct Switch: Codable, Sendable {
    public var clock: PhaseClock
    public var clockValue: Double
    public var from: String
    public var to: String
    public var why: String
    public var hRho: Double

    enum CodingKeys: String, CodingKey {
      case clock
      case clockValue = "clock_value"
      case from, to, why
      case hRho = "h_rho"
    }
  }

  /// run.json's `minimizer` (``MinimizerSummary``).
  public struct Minimizer: Codable, Sendable {
    public var loss: Double
    public var logLoss: Double
    public var gradientNorm: Double
    public var ratio: Double
    public var misclassifiedCount: Int
    public var misclassified: [Int]

    enum CodingKeys: String, CodingKey {
      case loss
      case logLoss = "log_loss"
      case gradientNorm = "gradient_norm"
      case ratio
      case misclassifiedCount = "misclassified_count"
      case misclassified
    }
  }
}
