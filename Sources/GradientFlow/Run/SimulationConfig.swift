import Foundation
import ODE

/// Everything that defines a run: the problem (data, network, loss, initial weights) and how it is
/// integrated (solver, saves, stops, output). It serializes to the `config` object of `run.json`
/// (snake_case keys), and `gradflow simulate --config run.json` reproduces the run bit for bit:
/// generated data and Gaussian initial weights are regenerated from their seeds, files are read
/// from the recorded absolute paths.
public struct SimulationConfig: Codable, Sendable, Equatable {
  // Data
  /// A CSV file with a header (features + a label column); `nil` uses ``generator``.
  public var data: String?
  /// A built-in dataset (`ToyDataset` raw value) when ``data`` is `nil`; default "blobs".
  public var generator: String?
  /// Samples drawn by the generator.
  public var n: Int = 40
  /// Input dimension of the generator (blobs, random-labels).
  public var dimension: Int = 2
  /// Generator noise; `nil` uses the generator's default.
  public var noise: Double?
  /// Seed of the generator; `nil` uses ``seed``.
  public var dataSeed: UInt64?
  /// The label column of a CSV (default: a column named `y`, else the last).
  public var labelColumn: String?
  /// Append a constant-1 input feature (a first-layer bias that keeps the net homogeneous).
  public var biasFeature: Bool = false

  // Network and loss
  /// Hidden widths; `[]` is a linear model (K = 1); `nil` takes them from ``initialWeights`` or uses [16].
  public var widths: [Int]?
  public var activation: Activation = .relu
  public var leakySlope: Double = 0.01
  /// ε of `smooth-relu` (``SmoothGate``); required with that activation (``Architecture`` says so),
  /// ignored by the others.
  public var gateWidth: Double?
  public var loss: Loss = .exponential
  /// The dynamics: unconstrained, lagrange or weightnorm (THEORY §2–§4).
  public var dynamics: DynamicsKind = .unconstrained
  /// Weight normalization's initial ‖v_k‖ = c_k: one value for all layers or one per layer (default 1).
  public var wnScale: [Double]?

  // Initial weights
  /// A weights file (`weights.json`, or comma-separated per-layer CSVs); `nil` draws Gaussian weights.
  public var initialWeights: String?
  /// Standard deviation factor of the Gaussian initialization: W_k ~ N(0, scale²/fan_in).
  public var initScale: Double = 1
  /// Seed of the Gaussian initialization (and of the generator unless ``dataSeed`` is set).
  public var seed: UInt64 = 0

  // Integration
  /// The clock integrated in (THEORY §7.3): t, log-t, rho or auto (see ``Clock``).
  public var clock: Clock = .t
  public var tEnd: Double = 1e4
  /// The end as log t, for ends past t's range (log t > 709.78); overrides ``tEnd``.
  public var logTEnd: Double?
  /// End at this product norm ρ (the ρ clock's end; a stop condition in the other clocks).
  public var rhoEnd: Double?
  /// Log-spaced saves from ``saveFrom`` to the end (plus t = 0).
  public var saves: Int = 50
  /// The first log-spaced save time; `nil` uses min(1e-2, tEnd/100).
  public var saveFrom: Double?
  /// Run finite-step gradient descent with this learning rate η instead of integrating the flow
  /// (iterate k at t = kη; t clock only).
  public var gdStep: Double?
  /// The GSL stepper. The default ``Stepper/auto`` switches between rkf45 and msbdf by a stiffness
  /// test (docs/stiff.md); `nil` (a run.json written before `stepper` was always recorded) picks per
  /// phase as those runs did (see ``stepper(forClock:)``).
  public var stepper: Stepper? = .auto
  public var rtol: Double = 1e-8
  public var atol: Double = 1e-10
  /// The norm of the step-size control (`--error-norm`): `rms` (scipy/diffrax, the benchmark protocol;
  /// ``RMSControl``; the default, README "ReLU kinks") or `max` (GSL's, every component within its
  /// tolerance; the default before `error_norm` was recorded, see ``legacyDefaults``).
  public var errorNorm: ErrorNorm = .rms
  public var maxSteps: Int = 1_000_000
  public var maxWallSeconds: Double?
  public var hmin: Double = 0
  public var hmax: Double?
  public var initialStep: Double?

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
  /// End the run with `reachedMinimizer` when the flow reaches a minimizer of the loss (non-separable
  /// data): the gradient at round-off relative to the loss (``MinimizerTest``). Runs recorded before
  /// this key existed ran without it (``legacyDefaults``).
  public var stopAtMinimizer: Bool = true

  // ReLU kinks (THEORY §7.1, README "ReLU kinks")
  /// How sliding modes are integrated: `auto` (the default: `filippov` where it applies), `off`
  /// (σ'(0) = 0 everywhere) or `filippov` (``FilippovFlow``, ``DeepFilippovFlow``).
  public var sliding: SlidingMode = .auto
  /// η of ``SlidingPairDetector`` for `--sliding filippov`: the relative kink band |z| ≤ η‖w‖‖x‖;
  /// `nil` uses ``defaultSlidingBand(rtol:)``.
  public var slidingBand: Double?

  /// The default kink band of `--sliding filippov`: η = 100·rtol (1e-6 at the default rtol), capped at
  /// 1e-2 — the diagnostics' band for rtol ≥ 1e-8. A chattering pair's |z|/(‖w‖‖x‖) sits at the tolerance level, and
  /// the RMS norm lets one component's error exceed rtol several-fold, so the band must sit well above it:
  /// with η = 10·rtol pairs escaped the band and chattered (moons example at rtol 1e-8: 273k evaluations,
  /// 34k with η = 100·rtol). README "ReLU kinks" has the measurements.
  public static func defaultSlidingBand(rtol: Double) -> Double { min(100 * rtol, 1e-2) }

  /// The values a run.json without these keys ran with: runs written before `error_norm` and `sliding`
  /// were recorded used GSL's max norm and no sliding treatment, so they still replay bit for bit.
  /// Likewise `stop_at_minimizer` (false) and `stepper` (absent: the per-phase choice, ``stepper(forClock:)``).
  static var legacyDefaults: [String: Any] { ["error_norm": "max", "sliding": "off", "stop_at_minimizer": false] }

  public init() {}

  /// The stepper of a phase in the given clock: ``stepper`` when set (by default ``Stepper/auto``);
  /// `nil` only for runs recorded before the stepper was always recorded, which chose rkf45 (a low-order
  /// pair copes best with ReLU kinks, THEORY §7.5), except for the Lagrange and weight-normalized
  /// flows in the log-t and ρ clocks, whose V-rates grow like ρ_k² and make them stiff (THEORY §7.4):
  /// there msbdf with a finite-difference Jacobian (to log t = 1000 on 100 blobs, 16 units: rkf45
  /// hit 1,000,000 steps at log t ≈ 882, msbdf took 16,370 steps, README "Clocks").
  public func stepper(forClock clock: Clock) -> Stepper {
    if let stepper { return stepper }
    return dynamics != .unconstrained && clock != .t ? .msbdf : .rkf45
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

  /// The save times as t where t is representable (exact values when the end is given as t).
  public var saveTimes: [Double] {
    logTEnd == nil
      ? SaveSchedule.logSpacedTimes(count: saves, from: resolvedSaveFrom, to: tEnd)
      : saveLogTimes.map { Foundation.exp($0) }.filter(\.isFinite)
  }

  /// The save times as log t: `saves` values evenly spaced from log(save_from) to log(t_end); when the
  /// end is given as t, exactly the logs of ``SaveSchedule/logSpacedTimes(count:from:to:)``.
  public var saveLogTimes: [Double] {
    if logTEnd == nil { return saveTimes.map { Foundation.log($0) } }
    let a = Foundation.log(resolvedSaveFrom)
    let b = resolvedLogTEnd
    return saves == 1 ? [b] : (0..<saves).map { a + (b - a) * Double($0) / Double(saves - 1) }
  }

  /// Reads a config JSON: either a config object or a `run.json` (whose `config` object is used).
  /// Unknown keys and wrong types are errors that name the key. Relative `data` and `initial_weights`
  /// paths are taken relative to the config file's directory.
  public static func load(path: String) throws(ConfigError) -> SimulationConfig {
    let bytes: [UInt8]
    do throws(InputFile.Failure) {
      bytes = try InputFile.read(path, limit: ConfigError.maximumFileBytes)
    } catch {
      switch error {
      case .unreadable(let reason): throw .unreadable(path: path, reason: reason)
      case .tooLarge(let size, let limit):
        throw .unreadable(
          path: path,
          reason: "it is \(ResourceLimits.text(bytes: Double(size))), more than the "
            + "\(ResourceLimits.text(bytes: Double(limit))) a config may have; is it the right file?")
      }
    }
    var config = try decode(Data(bytes), source: path)
    // Relative file paths in a config are relative to the config file, not the working directory.
    let directory = (absolutePath(path) as NSString).deletingLastPathComponent
    func anchored(_ file: String) -> String {
      file.hasPrefix("/") ? file : (directory as NSString).appendingPathComponent(file)
    }
    config.data = config.data.map(anchored)
    config.initialWeights = config.initialWeights.map {
      $0.split(separator: ",").map { anchored(String($0).trimmingCharacters(in: .whitespaces)) }
        .joined(separator: ",")
    }
    return config
  }

  /// Decodes config JSON; `source` names it in messages. Every failure is a ``ConfigError`` naming the
  /// key at fault: invalid JSON, a top level that is not an object, an unknown key, a wrong type or value.
  static func decode(_ data: Data, source: String) throws(ConfigError) -> SimulationConfig {
    let parsed: Any
    do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
      let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
      throw .invalid(
        path: source, reason: "not valid JSON (\(detail)); expected an object such as {\"t_end\": 100}")
    }
    var legacyStepper = false
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
      legacyStepper = object["stepper"] == nil
    }
    let known = Set(CodingKeys.allCases.map { snakeCase($0.stringValue) })
    for key in object.keys.sorted() where !known.contains(key) {
      throw ConfigError.unknownKey(key, known: known, path: source)
    }
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    do {
      var config = try decoder.decode(SimulationConfig.self, from: JSONSerialization.data(withJSONObject: object))
      if legacyStepper { config.stepper = nil }
      return config
    } catch {
      // Find the key at fault by decoding each key alone: the decoder's own coding path can be empty
      // (e.g. for 1.5 given as an integer).
      for (key, value) in object.sorted(by: { $0.key < $1.key }) {
        do {
          _ = try decoder.decode(SimulationConfig.self, from: JSONSerialization.data(withJSONObject: [key: value]))
        } catch {
          throw ConfigError.wrongValue(key: key, value: value, error: error, path: source)
        }
      }
      throw .invalid(path: source, reason: String(describing: error))
    }
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case data, generator, n, dimension, noise, dataSeed, labelColumn, biasFeature
    case widths, activation, leakySlope, gateWidth, loss, dynamics, wnScale
    case initialWeights, initScale, seed
    case clock, tEnd, logTEnd, rhoEnd, saves, saveFrom, gdStep, stepper, rtol, atol, errorNorm, maxSteps,
      maxWallSeconds, hmin, hmax, initialStep
    case stopWhenSeparated, stopLoss, stopMargin, stopAtKkt, saveWeights, stopAtMinimizer
    case sliding, slidingBand
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = SimulationConfig()
    data = try c.decodeIfPresent(String.self, forKey: .data)
    generator = try c.decodeIfPresent(String.self, forKey: .generator)
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
    stepper = try c.decodeIfPresent(Stepper.self, forKey: .stepper) ?? d.stepper
    gdStep = try c.decodeIfPresent(Double.self, forKey: .gdStep)
    rtol = try c.decodeIfPresent(Double.self, forKey: .rtol) ?? d.rtol
    atol = try c.decodeIfPresent(Double.self, forKey: .atol) ?? d.atol
    errorNorm = try c.decodeIfPresent(ErrorNorm.self, forKey: .errorNorm) ?? d.errorNorm
    maxSteps = try c.decodeIfPresent(Int.self, forKey: .maxSteps) ?? d.maxSteps
    maxWallSeconds = try c.decodeIfPresent(Double.self, forKey: .maxWallSeconds)
    hmin = try c.decodeIfPresent(Double.self, forKey: .hmin) ?? d.hmin
    hmax = try c.decodeIfPresent(Double.self, forKey: .hmax)
    initialStep = try c.decodeIfPresent(Double.self, forKey: .initialStep)
    stopWhenSeparated =
      try c.decodeIfPresent(Bool.self, forKey: .stopWhenSeparated) ?? d.stopWhenSeparated
    stopLoss = try c.decodeIfPresent(Double.self, forKey: .stopLoss)
    stopMargin = try c.decodeIfPresent(Double.self, forKey: .stopMargin)
    stopAtKkt = try c.decodeIfPresent(Double.self, forKey: .stopAtKkt)
    saveWeights = try c.decodeIfPresent(Bool.self, forKey: .saveWeights) ?? d.saveWeights
    stopAtMinimizer = try c.decodeIfPresent(Bool.self, forKey: .stopAtMinimizer) ?? d.stopAtMinimizer
    sliding = try c.decodeIfPresent(SlidingMode.self, forKey: .sliding) ?? d.sliding
    slidingBand = try c.decodeIfPresent(Double.self, forKey: .slidingBand)
  }
}

/// "tEnd" → "t_end".
func snakeCase(_ name: String) -> String {
  var result = ""
  for character in name {
    if character.isUppercase {
      result += "_" + character.lowercased()
    } else {
      result.append(character)
    }
  }
  return result
}
