import Foundation
import ODE

/// A run as the user gives it and run.json records it: the `config` object of `run.json` (snake_case keys,
/// one flat object so that a config file, the command line and run.json say the same things the same way),
/// and `gradflow simulate --config run.json` reproduces the run bit for bit: generated data and Gaussian
/// initial weights are regenerated from their seeds, files are read from the recorded absolute paths.
/// ``RunSetup`` resolves it into the ``Problem``, the ``SolveOptions`` and the ``OutputOptions``;
/// nothing that integrates or records a run reads it.
public struct RunConfig: Codable, Sendable, Equatable {
  // Data
  /// A CSV file with a header (features + a label column); `nil` uses ``generator``.
  public var data: String?
  /// A built-in dataset when ``data`` is `nil`; default ``ConfigDefaults/generator``. run.json records its
  /// raw value (`random-labels`); an unknown one is a ``ConfigError`` that lists the choices.
  public var generator: ToyDataset?
  /// Samples drawn by the generator.
  public var n: Int = ConfigDefaults.n
  /// Input dimension of the generator (blobs, random-labels).
  public var dimension: Int = ConfigDefaults.dimension
  /// Generator noise; `nil` uses the generator's default.
  public var noise: Double?
  /// Seed of the generator; `nil` uses ``seed``.
  public var dataSeed: UInt64?
  /// The label column of a CSV (default: a column named `y`, else the last).
  public var labelColumn: String?
  /// Append a constant-1 input feature (a first-layer bias that keeps the net homogeneous).
  public var biasFeature: Bool = ConfigDefaults.biasFeature

  // Network and loss
  /// Hidden widths; `[]` is a linear model (K = 1); `nil` takes them from ``initialWeights`` or uses [16].
  public var widths: [Int]?
  public var activation: Activation = ConfigDefaults.activation
  public var leakySlope: Double = ConfigDefaults.leakySlope
  /// ε of `smooth-relu` (``SmoothGate``); required with that activation (``Architecture`` says so),
  /// ignored by the others.
  public var gateWidth: Double?
  public var loss: Loss = ConfigDefaults.loss
  /// The dynamics: unconstrained, lagrange or weightnorm (THEORY §2–§4).
  public var dynamics: DynamicsKind = ConfigDefaults.dynamics
  /// Weight normalization's initial ‖v_k‖ = c_k: one value for all layers or one per layer (default 1).
  public var wnScale: [Double]?

  // Initial weights
  /// A weights file (`weights.json`, or comma-separated per-layer CSVs); `nil` draws Gaussian weights.
  public var initialWeights: String?
  /// Standard deviation factor of the Gaussian initialization: W_k ~ N(0, scale²/fan_in).
  public var initScale: Double = ConfigDefaults.initScale
  /// Seed of the Gaussian initialization (and of the generator unless ``dataSeed`` is set).
  public var seed: UInt64 = ConfigDefaults.seed

  // Integration
  /// The clock integrated in (THEORY §7.3): t, log-t, rho or auto (see ``Clock``).
  public var clock: Clock = ConfigDefaults.clock
  public var tEnd: Double = ConfigDefaults.tEnd
  /// The end as log t, for ends past t's range (log t > 709.78); overrides ``tEnd``.
  public var logTEnd: Double?
  /// End at this product norm ρ (the ρ clock's end; a stop condition in the other clocks).
  public var rhoEnd: Double?
  /// Log-spaced saves from ``saveFrom`` to the end (plus t = 0).
  public var saves: Int = ConfigDefaults.saves
  /// Where the saves go (``SaveSpacing``); run.json files without the key ran with `log-t`.
  public var saveSpacing: SaveSpacing = ConfigDefaults.saveSpacing
  /// The first log-spaced save time; `nil` uses min(1e-2, tEnd/100).
  public var saveFrom: Double?
  /// Run finite-step gradient descent with this learning rate η instead of integrating the flow
  /// (iterate k at t = kη; t clock only).
  public var gdStep: Double?
  /// The GSL stepper, or ``Stepper/auto`` (the default: rkf45 or the kink engine while the problem is
  /// not stiff, msbdf while it is, docs/stiff.md). `nil` only for a run.json written before `stepper`
  /// was always recorded: it picks per phase as those runs did (``stepper(forClock:)``).
  public var stepper: Stepper? = ConfigDefaults.stepper
  public var rtol: Double = ConfigDefaults.rtol
  public var atol: Double = ConfigDefaults.atol
  /// The norm of the step-size control (`--error-norm`): `rms` (scipy/diffrax, the benchmark protocol;
  /// ``RMSControl``; the default, README "ReLU kinks") or `max` (GSL's, every component within its
  /// tolerance; the default before `error_norm` was recorded, see ``legacyDefaults``).
  public var errorNorm: ErrorNorm = ConfigDefaults.errorNorm
  public var maxSteps: Int = ConfigDefaults.maxSteps
  public var maxWallSeconds: Double?
  public var hmin: Double = ConfigDefaults.hmin
  public var hmax: Double?
  public var initialStep: Double?
  /// OpenBLAS threads of the run's dense products (``BLASThreads``): a setting of the machine, not of the
  /// mathematics — results agree with one thread's to rounding. run.json files without the key ran with 1.
  public var threads: Int = ConfigDefaults.threads

  // Stops and output
  /// Stop when every sample is classified correctly (min_n q_n ≥ 0), located by bisection.
  public var stopWhenSeparated: Bool = false
  /// Stop when the loss falls to this value.
  public var stopLoss: Double?
  /// Stop when the normalized margin γ̄ = min_n q_n(V) reaches this value.
  public var stopMargin: Double?
  /// Stop at the first save where the checker's KKT certificate is within this tolerance
  /// (ε_rel, δ_rel and |Λ-ratio − 1| all ≤ it; ``KKTCertificate``). Checked at saves only.
  public var stopAtKkt: Double?
  /// Also write the weights at every save to `weights.csv` (long format).
  public var saveWeights: Bool = false
  /// End the run with `reachedMinimizer` when the flow reaches a minimizer of the loss (data the model
  /// does not separate): the gradient at round-off relative to the loss (``MinimizerTest``). Runs
  /// recorded before this key existed ran without it (``legacyDefaults``).
  public var stopAtMinimizer: Bool = true
  /// Which −∇L the minimizer test measures (``MinimizerVelocity``).
  public var minimizerVelocity: MinimizerVelocity = .clarke
  /// Also write every sample's margin q_n(W) and q_n(W)/ρ at saves to `margins.csv` (long format).
  public var saveMargins: Bool = false
  /// With ``saveMargins``: margins at every k-th save (save index divisible by k), default every save.
  public var marginsEvery: Int = 1
  /// Check the final weights with the KKT checker when the run ends (`check.json`, `check.csv`;
  /// as `gradflow check --at last`), unless it was interrupted.
  public var checkAtEnd: Bool = false

  // ReLU kinks (THEORY §7.1, README "ReLU kinks")
  /// How sliding modes are integrated: `auto` (the default: `filippov` where it applies), `off`
  /// (σ'(0) = 0 everywhere) or `filippov` (``FilippovFlow``, ``DeepFilippovFlow``).
  public var sliding: SlidingMode = ConfigDefaults.sliding
  /// η of ``SlidingPairDetector`` for `--sliding filippov` and `corrected` (`--kink-band`, key
  /// `kink_band`; `sliding_band` in older run.json files): the relative kink band |z| ≤ η‖w‖‖x‖;
  /// `nil` uses ``KinkOptions/defaultBand(rtol:)``.
  public var kinkBand: Double?
  /// The crossing-corrected steps' share of the second correction term in their error estimate
  /// (`--correction-weight`, key `correction_weight`; ``CrossingCorrectedStepper/correctionWeight``);
  /// `nil` uses ``CrossingCorrectedStepper/defaultCorrectionWeight``, which every run.json without the key ran with.
  public var correctionWeight: Double?
  /// The −∇L of the `alignment` and `grad_norm` columns (``AlignmentVelocity``).
  public var alignmentVelocity: AlignmentVelocity = .flow
  /// Whether the Filippov slopes treat coincident kink surfaces as one (``CoincidentKinks/Treatment``).
  public var kinkSurfaces: CoincidentKinks.Treatment = .merged
  /// Whether the crossing-corrected steps hold a chattering pair on its kink (``ChatterTreatment``).
  public var chatter: ChatterTreatment = .hold
  /// Whether they hold a chattering first-layer pair of a net with two or more hidden layers too (under
  /// `chatter` `hold`; ``DeepFilippovFlow``'s per-pair bands).
  public var deepChatter: ChatterTreatment = .hold
  /// Whether ``DeepFilippovFlow`` solves a sample's near-kink pairs in several hidden layers together (``DeepSliding``).
  public var deepSliding: DeepSliding = .coupled
  /// Whether leaky-ReLU kinks get the Filippov slopes under `corrected` (``LeakySliding``).
  public var leakySliding: LeakySliding = .filippov
  /// How the crossing-corrected steps compute a one-hidden-layer net's correction (``CrossingKernel``).
  public var crossingKernel: CrossingKernel = .batched
  /// The step of the implicit steppers' finite-difference Jacobian on kinked nets (``KinkJacobian``).
  public var kinkJacobian: KinkJacobian = .inBand
  /// The embedded pair of the crossing-corrected steps' frozen field (``FrozenPair``).
  public var frozenPair: FrozenPair = .rkck
  /// How the network evaluators cut the samples into blocks for OpenBLAS (``NetworkBlocks``).
  public var networkBlocks: NetworkBlocks = .smallGemm
  /// Whether and to what `--stepper auto` switches in the t phases of a one-hidden-layer relu or leaky-relu net
  /// (``StiffKinks``).
  public var stiffKinks: StiffKinks = .escalate
  /// Whether that rule waives its warm-up at a minimizer of the loss (``StiffMinimizer``).
  public var stiffMinimizer: StiffMinimizer = .early
  /// Whether the crossing-corrected steps hold a unit whose input weights collapse to 0 (``UnitCollapse``).
  public var unitCollapse: UnitCollapse = .hold
  /// Where the crossing-corrected steps place a unit's later crossings in a step (``CrossingTimes``).
  public var crossingTimes: CrossingTimes = .frozen
  /// Whether the crossing-corrected steps project sliding pairs back onto their kinks (``SlidingCorrection``).
  public var slidingCorrection: SlidingCorrection = .resolved
  /// Whether the crossing-corrected steps take one unit's simultaneous crossings as one event (``CoincidentEntries``).
  public var coincidentEntries: CoincidentEntries = .merged
  /// How the log-t phases treat kinks under `--sliding corrected` (``LogTimeKinks``).
  public var logTimeKinks: LogTimeKinks = .corrected
  /// How the Lagrange and weight-normalized flows' log-t phases treat kinks under `--sliding corrected`
  /// (``LogTimeKinks``).
  public var normalizedLogTimeKinks: LogTimeKinks = .rebased
  /// Whether the crossing-corrected steps cap the Filippov pull-back's rate at 1/h (``SlidingPullBack``).
  public var slidingPullBack: SlidingPullBack = .flowLimited
  /// The normalized flows' sliding treatment and correction weight in their corrected steps (``NormalizedKinks``).
  public var normalizedKinks: NormalizedKinks = .relaxed
  /// Where a pair leaves a sliding surface that turns repelling (``RepellingExit``).
  public var repellingExit: RepellingExit = .rule
  /// Whether `--sliding exact` searches each step for pairs that cross their kink and come back (``DipSearch``).
  public var dipSearch: DipSearch = .interior
  /// How `--sliding exact` takes ṡ* at a repelling exit (``ExitRate``).
  public var exitRate: ExitRate = .derivative
  /// Whether the crossing-corrected steps' frozen pattern takes a repelling exit's side (``ExitPattern``).
  public var exitPattern: ExitPattern = .exitSide
  /// The frozen pattern's slope for a pair sliding at a corrected step's start (``SlidingPattern``).
  public var slidingPattern: SlidingPattern = .roundOff
  /// Whether a pair on its kink to round-off leaves at its slope program's bound inside a corrected step
  /// (``SlidingExit``).
  public var slidingExit: SlidingExit = .held
  /// How the ρ clock ends at the log-t end (``RhoClockEnd``).
  public var rhoClockEnd: RhoClockEnd = .logTime
  /// Whether `--stepper auto` on a kinked right-hand side returns to msbdf by cost after handing it back
  /// (``ImplicitReturn``).
  public var implicitReturn: ImplicitReturn = .cost
  /// Which h·ρ(J) a stiffness check of `--stepper auto` on a kinked right-hand side judges by (``StiffnessVerdict``).
  public var stiffnessVerdict: StiffnessVerdict = .pair

  /// The values a run.json without these keys ran with, so that it still replays bit for bit. Runs written
  /// before the key was recorded used:
  /// - `error_norm`: GSL's max norm; `sliding`: no sliding treatment; `save_spacing`: saves evenly spaced in log t;
  /// - `alignment_velocity`: the backprop gradient in `alignment`; `kink_surfaces`: per-pair Filippov slopes;
  /// - `stop_at_minimizer`: no minimizer stop; `minimizer_velocity`: the backprop gradient in that test;
  /// - `chatter`: no chatter hold; `deep_chatter`: none in deeper nets; `deep_sliding`: one layer per sample in
  ///   deeper nets' Filippov slopes; `leaky_sliding`: no leaky-ReLU sliding; `crossing_kernel`: the per-sample
  ///   correction; `kink_jacobian`: the step ε^{1/3}; `frozen_pair`: Fehlberg's pair; `stiff_kinks`: no
  ///   stiffness switching on ReLU nets; `sliding_correction`: no projection; `coincident_entries`: one entry
  ///   test per sample; `log_t_kinks`, `normalized_log_t_kinks`: the Filippov flow in the log-t phases;
  ///   `pull_back`: the
  ///   pull-back's rate not capped; `normalized_kinks`: no projection or chatter hold in the normalized
  ///   flows' corrected steps, their correction weight 0.3; `network_blocks`: blocks sized for the L2 cache;
  ///   `repelling_exit`: a pair leaves a repelling surface on the side round-off put it (`exact`: it stays on
  ///   the surface until its equivalent control leaves [0, 1]); `dip_search`: `exact` checks pairs at its
  ///   steps' ends only; `rho_clock_end`: the log-t end located by bisection in ρ; `stiff_minimizer`: the
  ///   warm-up of the kinked switching rule kept at a minimizer; `unit_collapse`: no hold of a unit whose w_j
  ///   collapses to 0; `exit_rate`: `exact` takes ṡ* at a repelling exit from a chord over 100–200 steps;
  ///   `exit_pattern`: the corrected steps' frozen pattern keeps the step start's slope for a pair given an exit;
  ///   `implicit_return`: after msbdf is handed back as costlier, only stiff verdicts switch to it again;
  ///   `stiffness_verdict`: each stiffness check judged by its own estimate.
  /// (A run.json without `stepper` ran with the per-phase choice: ``decode(_:source:)``.)
  static var legacyDefaults: [String: Any] {
    [
      "error_norm": "max", "sliding": "off", "save_spacing": "log-t", "alignment_velocity": "backprop",
      "kink_surfaces": "pairwise", "stop_at_minimizer": false, "chatter": "ignore", "deep_chatter": "ignore",
      "deep_sliding": "highest",
      "leaky_sliding": "none", "crossing_kernel": "per-sample", "kink_jacobian": "cube-root",
      "frozen_pair": "rkf45", "stiff_kinks": "explicit", "minimizer_velocity": "backprop",
      "sliding_correction": "free", "coincident_entries": "per-sample", "log_t_kinks": "filippov",
      "normalized_log_t_kinks": "filippov",
      "pull_back": "fixed",
      "normalized_kinks": "separate",
      "network_blocks": "cache",
      "repelling_exit": "rounding",
      "dip_search": "step-ends",
      "rho_clock_end": "bisection",
      "stiff_minimizer": "warm-up",
      "unit_collapse": "free",
      "exit_rate": "chord",
      "exit_pattern": "start",
      "implicit_return": "verdicts",
      "stiffness_verdict": "single",
    ]
  }

  /// Keys renamed for one word per concept (issue #16): old name → new name. Configs and run.json files
  /// with the old name still read.
  static let renamedKeys = ["sliding_band": "kink_band"]

  public init() {}

  /// The stepper of a phase in the given clock: ``stepper`` when set (by default ``Stepper/auto``);
  /// `nil` only for runs recorded before the stepper was always recorded, which chose rkf45 (a low-order
  /// pair copes best with ReLU kinks, THEORY §7.5), except for the Lagrange and weight-normalized
  /// flows in the log-t and ρ clocks, whose V-rates grow like ρ_k² and make them stiff (THEORY §7.4):
  /// there msbdf with a finite-difference Jacobian, an implicit method whose step the stiffness does not
  /// bound (the step counts that chose it: benchmarks/RESULTS.md, "Figures behind design choices").
  public func stepper(forClock clock: Clock) -> Stepper {
    if let stepper { return stepper }
    return dynamics != .unconstrained && clock != .t ? ConfigDefaults.stiffStepper : ConfigDefaults.legacyStepper
  }

  /// The most memory-hungry stepper the run may use (for the memory estimate).
  public var heaviestStepper: Stepper {
    [stepper(forClock: .t), stepper(forClock: .logT)].first(where: \.needsJacobian) ?? stepper(forClock: .t)
  }

  /// t at the end of the run (infinite past log t ≈ 709.78).
  public var resolvedTEnd: Double { logTEnd.map { Foundation.exp($0) } ?? tEnd }

  /// log t at the end of the run.
  public var resolvedLogTEnd: Double { logTEnd ?? Foundation.log(tEnd) }

  /// The first log-spaced save time actually used: min(1e-2, t_end/100) unless given.
  public var resolvedSaveFrom: Double {
    if let saveFrom { return saveFrom }
    if logTEnd == nil { return min(1e-2, tEnd / 100) }
    return Foundation.exp(min(Foundation.log(1e-2), resolvedLogTEnd - Foundation.log(100)))
  }

  /// Whether the saves follow the log-t/auto clock's own variable (``SaveSpacing/clock`` in those clocks).
  private var savesFollowLogTimeClock: Bool { saveSpacing == .clock && (clock == .logT || clock == .auto) }

  /// The save times as t where t is representable (exact values when the end is given as t).
  public var saveTimes: [Double] {
    if savesFollowLogTimeClock {
      let logTimes = saveLogTimes
      return logTimes.enumerated().map { i, logT in
        if i == logTimes.count - 1, logTEnd == nil { return tEnd }  // the end exactly
        if i == 0, logTimes.count > 1 { return resolvedSaveFrom }
        return Foundation.exp(logT)
      }.filter(\.isFinite)
    }
    return logTEnd == nil
      ? SaveSchedule.logSpacedTimes(count: saves, from: resolvedSaveFrom, to: tEnd)
      : saveLogTimes.map { Foundation.exp($0) }.filter(\.isFinite)
  }

  /// The save times as log t (``SaveSpacing``). In the log-t and auto clocks: log-spaced in the
  /// clock's own variable, the last one exactly the end. Otherwise `saves` values evenly spaced from
  /// log(save_from) to log(t_end); when the end is given as t, exactly the logs of
  /// ``SaveSchedule/logSpacedTimes(count:from:to:)``; with the `clock` spacing the last is the end exactly.
  public var saveLogTimes: [Double] {
    if savesFollowLogTimeClock {
      return SaveSpacing.clockLogTimes(
        count: saves, firstLogT: Foundation.log(resolvedSaveFrom), logEnd: resolvedLogTEnd)
    }
    if logTEnd == nil { return saveTimes.map { Foundation.log($0) } }
    let a = Foundation.log(resolvedSaveFrom)
    let b = resolvedLogTEnd
    var times = saves == 1 ? [b] : (0..<saves).map { a + (b - a) * Double($0) / Double(saves - 1) }
    if saveSpacing == .clock, !times.isEmpty { times[times.count - 1] = b }  // no second row at the end
    return times
  }

  /// Reads a config JSON: either a config object or a `run.json` (whose `config` object is used).
  /// Unknown keys and wrong types are errors that name the key. Relative `data` and `initial_weights`
  /// paths are taken relative to the config file's directory.
  public static func load(path: String) throws(ConfigError) -> RunConfig {
    try load(Data(ConfigError.readFile(path, kind: "a config")), path: path)
  }

  /// ``load(path:)`` of the file's bytes, already read.
  static func load(_ data: Data, path: String) throws(ConfigError) -> RunConfig {
    // Relative file paths in a config are relative to the config file, not the working directory.
    try decode(data, source: path).anchored(in: (absolutePath(path) as NSString).deletingLastPathComponent)
  }

  /// The config with relative `data` and `initial_weights` paths taken relative to `directory`.
  func anchored(in directory: String) -> RunConfig {
    func anchored(_ file: String) -> String {
      file.hasPrefix("/") ? file : (directory as NSString).appendingPathComponent(file)
    }
    var config = self
    config.data = config.data.map(anchored)
    config.initialWeights = config.initialWeights.map {
      InitialWeights.paths($0, anchor: anchored).joined(separator: ",")
    }
    return config
  }

  /// Decodes config JSON; `source` names it in messages. Every failure is a ``ConfigError`` naming the
  /// key at fault: invalid JSON, a top level that is not an object, an unknown key, a wrong type or value.
  static func decode(_ data: Data, source: String) throws(ConfigError) -> RunConfig {
    let parsed: Any
    do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
      throw .invalid(
        path: source,
        reason:
          "not valid JSON (\(JSONErrorText.describe(error, in: data))); expected an object such as {\"t_end\": 100}")
    }
    guard var object = parsed as? [String: Any] else {
      throw .invalid(
        path: source, reason: "expected a JSON object such as {\"t_end\": 100}, got \(ConfigError.jsonText(parsed))")
    }
    if let inner = object["config"] {  // a run.json
      guard let inner = inner as? [String: Any] else {
        throw .invalid(
          path: source,
          reason: "key \"config\": expected the config object of a run.json, got \(ConfigError.jsonText(inner))")
      }
      object = inner
      for (key, value) in legacyDefaults where object[key] == nil { object[key] = value }
      // Written before `stepper` was always recorded: the per-phase choice of those runs.
      if object["stepper"] == nil { object["stepper"] = NSNull() }
    }
    for (old, new) in renamedKeys {
      guard let value = object.removeValue(forKey: old) else { continue }
      guard object[new] == nil else {
        throw .invalid(path: source, reason: "keys \"\(old)\" and \"\(new)\" name one setting; keep \"\(new)\"")
      }
      object[new] = value
    }
    let known = Set(CodingKeys.allCases.map(\.stringValue))
    for key in object.keys.sorted() where !known.contains(key) {
      throw ConfigError.unknownKey(key, known: known, path: source)
    }
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    do {
      return try decoder.decode(RunConfig.self, from: JSONSerialization.data(withJSONObject: object))
    } catch {
      // Find the key at fault by decoding each key alone: the decoder's own coding path can be empty
      // (e.g. for 1.5 given as an integer).
      for (key, value) in object.sorted(by: { $0.key < $1.key }) {
        do {
          _ = try decoder.decode(RunConfig.self, from: JSONSerialization.data(withJSONObject: [key: value]))
        } catch {
          throw ConfigError.wrongValue(key: key, value: value, error: error, path: source)
        }
      }
      throw .invalid(path: source, reason: String(describing: error))
    }
  }

  /// run.json's `config` keys: snake_case, stated here rather than derived by a key strategy.
  enum CodingKeys: String, CodingKey, CaseIterable {
    case data, generator, n, dimension, noise
    case dataSeed = "data_seed"
    case labelColumn = "label_column"
    case biasFeature = "bias_feature"
    case widths, activation
    case leakySlope = "leaky_slope"
    case gateWidth = "gate_width"
    case loss, dynamics
    case wnScale = "wn_scale"
    case initialWeights = "initial_weights"
    case initScale = "init_scale"
    case seed
    case clock
    case tEnd = "t_end"
    case logTEnd = "log_t_end"
    case rhoEnd = "rho_end"
    case saves
    case saveFrom = "save_from"
    case gdStep = "gd_step"
    case stepper, rtol, atol
    case errorNorm = "error_norm"
    case maxSteps = "max_steps"
    case
      maxWallSeconds = "max_wall_seconds"
    case hmin, hmax
    case initialStep = "initial_step"
    case stopWhenSeparated = "stop_when_separated"
    case stopLoss = "stop_loss"
    case stopMargin = "stop_margin"
    case stopAtKkt = "stop_at_kkt"
    case saveWeights = "save_weights"
    case saveMargins = "save_margins"
    case marginsEvery = "margins_every"
    case checkAtEnd = "check_at_end"
    case stopAtMinimizer = "stop_at_minimizer"
    case sliding
    case kinkBand = "kink_band"
    case correctionWeight = "correction_weight"
    case alignmentVelocity = "alignment_velocity"
    case kinkSurfaces = "kink_surfaces"
    case saveSpacing = "save_spacing"
    case threads
    case chatter
    case deepChatter = "deep_chatter"
    case deepSliding = "deep_sliding"
    case leakySliding = "leaky_sliding"
    case crossingKernel = "crossing_kernel"
    case kinkJacobian = "kink_jacobian"
    case frozenPair = "frozen_pair"
    case networkBlocks = "network_blocks"
    case minimizerVelocity = "minimizer_velocity"
    case stiffKinks = "stiff_kinks"
    case slidingCorrection = "sliding_correction"
    case coincidentEntries = "coincident_entries"
    case logTimeKinks = "log_t_kinks"
    case normalizedLogTimeKinks = "normalized_log_t_kinks"
    case slidingPullBack = "pull_back"
    case normalizedKinks = "normalized_kinks"
    case repellingExit = "repelling_exit"
    case dipSearch = "dip_search"
    case rhoClockEnd = "rho_clock_end"
    case stiffMinimizer = "stiff_minimizer"
    case unitCollapse = "unit_collapse"
    case crossingTimes = "crossing_times"
    case exitRate = "exit_rate"
    case exitPattern = "exit_pattern"
    case slidingPattern = "sliding_pattern"
    case slidingExit = "sliding_exit"
    case implicitReturn = "implicit_return"
    case stiffnessVerdict = "stiffness_verdict"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = RunConfig()
    data = try c.decodeIfPresent(String.self, forKey: .data)
    generator = try c.decodeIfPresent(ToyDataset.self, forKey: .generator)
    n = try c.decodeIfPresent(Int.self, forKey: .n) ?? d.n
    dimension = try c.decodeIfPresent(Int.self, forKey: .dimension) ?? d.dimension
    noise = try c.decodeIfPresent(Double.self, forKey: .noise)
    dataSeed = try c.decodeIfPresent(UInt64.self, forKey: .dataSeed)
    labelColumn = try c.decodeIfPresent(String.self, forKey: .labelColumn)
    biasFeature = try c.decodeIfPresent(Bool.self, forKey: .biasFeature) ?? d.biasFeature
    widths = try c.decodeIfPresent([Int].self, forKey: .widths)
    activation = try c.decodeIfPresent(Activation.self, forKey: .activation) ?? d.activation
    leakySlope = try c.decodeIfPresent(Double.self, forKey: .leakySlope) ?? d.leakySlope
    gateWidth = try c.decodeIfPresent(Double.self, forKey: .gateWidth)
    loss = try c.decodeIfPresent(Loss.self, forKey: .loss) ?? d.loss
    dynamics = try c.decodeIfPresent(DynamicsKind.self, forKey: .dynamics) ?? d.dynamics
    wnScale = try c.decodeIfPresent([Double].self, forKey: .wnScale)
    initialWeights = try c.decodeIfPresent(String.self, forKey: .initialWeights)
    initScale = try c.decodeIfPresent(Double.self, forKey: .initScale) ?? d.initScale
    seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
    clock = try c.decodeIfPresent(Clock.self, forKey: .clock) ?? d.clock
    tEnd = try c.decodeIfPresent(Double.self, forKey: .tEnd) ?? d.tEnd
    logTEnd = try c.decodeIfPresent(Double.self, forKey: .logTEnd)
    rhoEnd = try c.decodeIfPresent(Double.self, forKey: .rhoEnd)
    saves = try c.decodeIfPresent(Int.self, forKey: .saves) ?? d.saves
    saveFrom = try c.decodeIfPresent(Double.self, forKey: .saveFrom)
    // An explicit null (a run.json written before `stepper` was always recorded) is the per-phase choice.
    stepper = try c.contains(.stepper) ? c.decodeIfPresent(Stepper.self, forKey: .stepper) : d.stepper
    gdStep = try c.decodeIfPresent(Double.self, forKey: .gdStep)
    rtol = try c.decodeIfPresent(Double.self, forKey: .rtol) ?? d.rtol
    atol = try c.decodeIfPresent(Double.self, forKey: .atol) ?? d.atol
    errorNorm = try c.decodeIfPresent(ErrorNorm.self, forKey: .errorNorm) ?? d.errorNorm
    maxSteps = try c.decodeIfPresent(Int.self, forKey: .maxSteps) ?? d.maxSteps
    maxWallSeconds = try c.decodeIfPresent(Double.self, forKey: .maxWallSeconds)
    hmin = try c.decodeIfPresent(Double.self, forKey: .hmin) ?? d.hmin
    hmax = try c.decodeIfPresent(Double.self, forKey: .hmax)
    initialStep = try c.decodeIfPresent(Double.self, forKey: .initialStep)
    threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? d.threads
    stopWhenSeparated =
      try c.decodeIfPresent(Bool.self, forKey: .stopWhenSeparated) ?? d.stopWhenSeparated
    stopLoss = try c.decodeIfPresent(Double.self, forKey: .stopLoss)
    stopMargin = try c.decodeIfPresent(Double.self, forKey: .stopMargin)
    stopAtKkt = try c.decodeIfPresent(Double.self, forKey: .stopAtKkt)
    saveWeights = try c.decodeIfPresent(Bool.self, forKey: .saveWeights) ?? d.saveWeights
    stopAtMinimizer = try c.decodeIfPresent(Bool.self, forKey: .stopAtMinimizer) ?? d.stopAtMinimizer
    saveMargins = try c.decodeIfPresent(Bool.self, forKey: .saveMargins) ?? d.saveMargins
    marginsEvery = try c.decodeIfPresent(Int.self, forKey: .marginsEvery) ?? d.marginsEvery
    checkAtEnd = try c.decodeIfPresent(Bool.self, forKey: .checkAtEnd) ?? d.checkAtEnd
    sliding = try c.decodeIfPresent(SlidingMode.self, forKey: .sliding) ?? d.sliding
    kinkBand = try c.decodeIfPresent(Double.self, forKey: .kinkBand)
    correctionWeight = try c.decodeIfPresent(Double.self, forKey: .correctionWeight)
    saveSpacing = try c.decodeIfPresent(SaveSpacing.self, forKey: .saveSpacing) ?? d.saveSpacing
    alignmentVelocity =
      try c.decodeIfPresent(AlignmentVelocity.self, forKey: .alignmentVelocity) ?? d.alignmentVelocity
    kinkSurfaces = try c.decodeIfPresent(CoincidentKinks.Treatment.self, forKey: .kinkSurfaces) ?? d.kinkSurfaces
    chatter = try c.decodeIfPresent(ChatterTreatment.self, forKey: .chatter) ?? d.chatter
    deepChatter = try c.decodeIfPresent(ChatterTreatment.self, forKey: .deepChatter) ?? d.deepChatter
    deepSliding = try c.decodeIfPresent(DeepSliding.self, forKey: .deepSliding) ?? d.deepSliding
    leakySliding = try c.decodeIfPresent(LeakySliding.self, forKey: .leakySliding) ?? d.leakySliding
    crossingKernel = try c.decodeIfPresent(CrossingKernel.self, forKey: .crossingKernel) ?? d.crossingKernel
    kinkJacobian = try c.decodeIfPresent(KinkJacobian.self, forKey: .kinkJacobian) ?? d.kinkJacobian
    frozenPair = try c.decodeIfPresent(FrozenPair.self, forKey: .frozenPair) ?? d.frozenPair
    networkBlocks = try c.decodeIfPresent(NetworkBlocks.self, forKey: .networkBlocks) ?? d.networkBlocks
    minimizerVelocity =
      try c.decodeIfPresent(MinimizerVelocity.self, forKey: .minimizerVelocity) ?? d.minimizerVelocity
    stiffKinks = try c.decodeIfPresent(StiffKinks.self, forKey: .stiffKinks) ?? d.stiffKinks
    slidingCorrection =
      try c.decodeIfPresent(SlidingCorrection.self, forKey: .slidingCorrection) ?? d.slidingCorrection
    coincidentEntries =
      try c.decodeIfPresent(CoincidentEntries.self, forKey: .coincidentEntries) ?? d.coincidentEntries
    logTimeKinks = try c.decodeIfPresent(LogTimeKinks.self, forKey: .logTimeKinks) ?? d.logTimeKinks
    normalizedLogTimeKinks =
      try c.decodeIfPresent(LogTimeKinks.self, forKey: .normalizedLogTimeKinks) ?? d.normalizedLogTimeKinks
    slidingPullBack =
      try c.decodeIfPresent(SlidingPullBack.self, forKey: .slidingPullBack) ?? d.slidingPullBack
    normalizedKinks =
      try c.decodeIfPresent(NormalizedKinks.self, forKey: .normalizedKinks) ?? d.normalizedKinks
    repellingExit = try c.decodeIfPresent(RepellingExit.self, forKey: .repellingExit) ?? d.repellingExit
    dipSearch = try c.decodeIfPresent(DipSearch.self, forKey: .dipSearch) ?? d.dipSearch
    rhoClockEnd = try c.decodeIfPresent(RhoClockEnd.self, forKey: .rhoClockEnd) ?? d.rhoClockEnd
    stiffMinimizer = try c.decodeIfPresent(StiffMinimizer.self, forKey: .stiffMinimizer) ?? d.stiffMinimizer
    unitCollapse = try c.decodeIfPresent(UnitCollapse.self, forKey: .unitCollapse) ?? d.unitCollapse
    crossingTimes = try c.decodeIfPresent(CrossingTimes.self, forKey: .crossingTimes) ?? d.crossingTimes
    exitRate = try c.decodeIfPresent(ExitRate.self, forKey: .exitRate) ?? d.exitRate
    exitPattern = try c.decodeIfPresent(ExitPattern.self, forKey: .exitPattern) ?? d.exitPattern
    slidingPattern = try c.decodeIfPresent(SlidingPattern.self, forKey: .slidingPattern) ?? d.slidingPattern
    slidingExit = try c.decodeIfPresent(SlidingExit.self, forKey: .slidingExit) ?? d.slidingExit
    implicitReturn =
      try c.decodeIfPresent(ImplicitReturn.self, forKey: .implicitReturn) ?? d.implicitReturn
    stiffnessVerdict =
      try c.decodeIfPresent(StiffnessVerdict.self, forKey: .stiffnessVerdict) ?? d.stiffnessVerdict
  }
}
