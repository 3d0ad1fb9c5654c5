import Foundation
import ODE

extension RunRecord {
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
  /// starts: termination `running` at t = 0, no `phases`, `stats`, `final` or `memory`. A run.json still
  /// saying `running` belongs to a run that was killed (SIGKILL, a crash) before it could record its end.
  /// `warnings` (e.g. a stationary start, ``StartCheck``) are recorded as `warnings`, and a stationary
  /// start also as `stationary_start: true`.
  static func make(
    setup: RunSetup, result: RunResult?, dynamics: DynamicsKind, commandLine: [String],
    warnings: [String] = []
  ) -> RunRecord {
    let architecture = setup.architecture
    var record = RunRecord(
      gradflowVersion: version, gslVersion: GSLRuntime.version, swiftVersion: swiftVersion, command: commandLine,
      config: setup.config,
      data: DataSection(
        source: setup.dataSource, samples: setup.dataset.count, features: setup.dataset.featureNames,
        notes: setup.notes),
      model: Model(
        layerSizes: architecture.layerSizes, activation: architecture.activation,
        parameters: architecture.parameterCount, loss: setup.config.loss, dynamics: dynamics,
        initialWeights: setup.weightsSource,
        marginNormalization: "product: margin = min_n q_n(W) / prod_k ||W_k||_F",
        gateWidth: architecture.smoothGate?.width),
      outputs: Outputs(weights: setup.config.saveWeights ? "weights.csv" : nil),
      warnings: warnings, stationaryStart: warnings.contains { $0.contains("stationary point") },
      termination: TerminationSection(
        reason: .running, t: 0,
        message: "the run has not finished, or was killed before it could record how it ended", success: false))
    record.blasCore = BLASCore.current
    guard let result else { return record }
    let termination = result.termination
    record.termination = TerminationSection(
      reason: .ended(termination.kind), t: result.finalT, logT: result.finalLogT, clockValue: termination.t,
      message: result.terminationMessage, success: termination.isSuccess, clock: result.phases.last?.clock ?? .t,
      signal: termination.kind == .interrupted ? Interruption.signalName ?? "none" : nil)
    record.phases = result.phases.map { phase in
      Phase(
        clock: phase.clock, stepper: phase.stepper, start: phase.start, end: phase.end, reason: phase.reason,
        rhsEvals: phase.statistics.rhsEvaluations, stepsAccepted: phase.statistics.stepsAccepted,
        stepsRejected: phase.statistics.stepsRejected, wallSeconds: phase.statistics.wallSeconds,
        implicitSteps: phase.statistics.implicitSteps)
    }
    record.stepperSwitches = result.phases.flatMap { phase in
      phase.statistics.stepperSwitches.map {
        Switch(
          clock: phase.clock, clockValue: $0.time, from: $0.from, to: $0.to, why: $0.reason, hRho: $0.stiffness)
      }
    }
    record.minimizer = result.minimizer.map {
      Minimizer(
        loss: $0.loss, logLoss: $0.logLoss, gradientNorm: $0.gradientNorm, ratio: $0.ratio,
        misclassifiedCount: $0.misclassified.count, misclassified: $0.misclassified)
    }
    let stats = result.statistics
    record.stats = Stats(
      rhsEvals: stats.rhsEvaluations, jacobianEvals: stats.jacobianEvaluations, stepsAccepted: stats.stepsAccepted,
      stepsRejected: stats.stepsRejected, wallSeconds: stats.wallSeconds, lastStepSize: stats.lastStepSize,
      patternChanges: result.patternChangesTotal, sliding: result.sliding.map(SlidingReport.init),
      implicitSteps: stats.implicitSteps, implicitSeconds: stats.implicitSeconds,
      jacobianSeconds: stats.jacobianSeconds,
      jacobianRhsEvals: stats.jacobianRHSEvaluations, stiffnessRhsEvals: stats.stiffnessRHSEvaluations,
      explicitHRho: stats.explicitStiffness, stiffButTooLarge: stats.stiffButTooLarge)
    record.final = result.final
    record.memory = Memory(estimateBytes: setup.memoryEstimate.bytes, peakRssBytes: peakResidentBytes())
    return record
  }

  /// The Foundation object tree that ``OutputDirectory/writeJSON(_:to:)`` writes as run.json.
  var jsonObject: Any {
    // Encoding a record of plain values, strings and numbers cannot fail.
    (try? JSONObjectEncoder().encode(self)) ?? [String: Any]()
  }

  /// Reads a run directory's `run.json`. The `config` is read as `gradflow simulate --config` reads it
  /// (``RunConfig/load(path:)``: old keys' legacy values, relative paths anchored at the file).
  /// Invalid JSON, a missing section or an unknown value is a ``ConfigError`` naming the file and the key.
  public static func load(path: String) throws(ConfigError) -> RunRecord {
    let bytes = Data(try ConfigError.readFile(path, kind: "a run.json"))
    let config = try RunConfig.load(bytes, path: path)
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    var record: RunRecord
    do { record = try decoder.decode(RunRecord.self, from: bytes) } catch {
      throw .invalid(path: path, reason: "not a run.json of gradflow simulate: " + describe(error))
    }
    record.config = config
    return record
  }

  /// A decoding error as the key at fault and what is wrong with it.
  private static func describe(_ error: any Error) -> String {
    func key(_ path: [any CodingKey]) -> String { path.map(\.stringValue).joined(separator: ".") }
    switch error as? DecodingError {
    case .keyNotFound(let missing, let context)?:
      return "key \"\(key(context.codingPath + [missing]))\" is missing"
    case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .dataCorrupted(let context)?:
      return "key \"\(key(context.codingPath))\": \(context.debugDescription)"
    default:
      return String(describing: error)
    }
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
}

extension RunRecord {
  /// run.json's `stats.sliding`: the sliding-mode totals of ``SlidingSummary``.
  public struct SlidingReport: Codable, Sendable {
    public var mode: SlidingMode
    public var pairs: Int
    public var pairTime: Double
    public var chatterFlips: Int
    public var rejectedRatio: Double
    public var chattering: Bool
    public var capacityOverflows: Int
    public var topPairs: [TopPair]
    public var advice: String?
    /// `--sliding exact`: the kink events located (absent for the other modes, and in older run.json files).
    public var events: Int? = nil
    /// `repelling_exit` `rule`: evaluations with an exit slope, and with two or more repelling pairs on a unit
    /// (under `--sliding exact`: the a_j = 0 exit events, and crossings it left unresolved; absent otherwise,
    /// and in older run.json files).
    public var repellingExits: Int? = nil
    public var unresolvedRepelling: Int? = nil
    /// `--sliding exact` with `dip_search` `interior`: steps in which the dip search found a pair past its kink
    /// (absent otherwise).
    public var dips: Int? = nil
    /// `unit_collapse` `hold` under the crossing-corrected steps: units set to w_j = 0 (absent otherwise, and in
    /// older run.json files).
    public var collapsedUnits: Int? = nil

    /// One of the pairs that slid longest.
    public struct TopPair: Codable, Sendable {
      public var layer: Int
      public var sample: Int
      public var unit: Int
      public var time: Double
      public var flips: Int
    }

    enum CodingKeys: String, CodingKey {
      case mode, pairs
      case pairTime = "pair_time"
      case chatterFlips = "chatter_flips"
      case rejectedRatio = "rejected_ratio"
      case chattering
      case capacityOverflows = "capacity_overflows"
      case topPairs = "top_pairs"
      case advice
      case events
      case repellingExits = "repelling_exits"
      case unresolvedRepelling = "repelling_unresolved"
      case dips
      case collapsedUnits = "collapsed_units"
    }
  }
}

extension RunRecord.SlidingReport {
  init(_ summary: SlidingSummary) {
    self.init(
      mode: summary.mode, pairs: summary.pairs, pairTime: summary.pairTime, chatterFlips: summary.chatterFlips,
      rejectedRatio: summary.rejectedRatio, chattering: summary.isChattering,
      capacityOverflows: summary.capacityOverflows,
      topPairs: summary.top.map {
        TopPair(layer: $0.pair.layer, sample: $0.pair.sample, unit: $0.pair.unit, time: $0.time, flips: $0.flips)
      }, advice: summary.advice, events: summary.events, repellingExits: summary.repellingExits,
      unresolvedRepelling: summary.unresolvedRepelling, dips: summary.dips, collapsedUnits: summary.collapsedUnits)
  }
}
