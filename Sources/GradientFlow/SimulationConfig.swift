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
  public var loss: Loss = .exponential
  /// The dynamics; only "unconstrained" exists so far.
  public var dynamics: String = "unconstrained"

  // Initial weights
  /// A weights file (`weights.json`, or comma-separated per-layer CSVs); `nil` draws Gaussian weights.
  public var initialWeights: String?
  /// Standard deviation factor of the Gaussian initialization: W_k ~ N(0, scale²/fan_in).
  public var initScale: Double = 1
  /// Seed of the Gaussian initialization (and of the generator unless ``dataSeed`` is set).
  public var seed: UInt64 = 0

  // Integration
  public var tEnd: Double = 1e4
  /// Log-spaced saves from ``saveFrom`` to ``tEnd`` (plus t = 0).
  public var saves: Int = 50
  /// The first log-spaced save time; `nil` uses min(1e-2, tEnd/100).
  public var saveFrom: Double?
  public var stepper: Stepper = .rkf45
  public var rtol: Double = 1e-8
  public var atol: Double = 1e-10
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
  /// Also write the weights at every save to `weights.csv` (long format).
  public var saveWeights: Bool = false

  public init() {}

  /// The first log-spaced save time actually used.
  public var resolvedSaveFrom: Double { saveFrom ?? min(1e-2, tEnd / 100) }

  /// Reads a config JSON: either a config object or a `run.json` (whose `config` object is used).
  /// Unknown keys and wrong types are errors that name the key.
  public static func load(path: String) throws(ConfigError) -> SimulationConfig {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw .unreadable(path: path, reason: error.localizedDescription)
    }
    return try decode(data, source: path)
  }

  static func decode(_ data: Data, source: String) throws(ConfigError) -> SimulationConfig {
    guard var object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw .invalid(path: source, reason: "not a JSON object")
    }
    if let inner = object["config"] as? [String: Any] { object = inner }
    let known = Set(CodingKeys.allCases.map { snakeCase($0.stringValue) })
    for key in object.keys.sorted() where !known.contains(key) {
      throw .invalid(
        path: source,
        reason: "unknown key \"\(key)\"; known keys: \(known.sorted().joined(separator: ", "))")
    }
    do {
      let inner = try JSONSerialization.data(withJSONObject: object)
      let decoder = JSONDecoder()
      decoder.keyDecodingStrategy = .convertFromSnakeCase
      decoder.nonConformingFloatDecodingStrategy = .convertFromString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
      return try decoder.decode(SimulationConfig.self, from: inner)
    } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
      let key = context.codingPath.map { snakeCase($0.stringValue) }.joined(separator: ".")
      throw .invalid(path: source, reason: "key \"\(key)\": \(context.debugDescription)")
    } catch {
      throw .invalid(path: source, reason: String(describing: error))
    }
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case data, generator, n, dimension, noise, dataSeed, labelColumn, biasFeature
    case widths, activation, leakySlope, loss, dynamics
    case initialWeights, initScale, seed
    case tEnd, saves, saveFrom, stepper, rtol, atol, maxSteps, maxWallSeconds, hmin, hmax, initialStep
    case stopWhenSeparated, stopLoss, saveWeights
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
    loss = try c.decodeIfPresent(Loss.self, forKey: .loss) ?? d.loss
    dynamics = try c.decodeIfPresent(String.self, forKey: .dynamics) ?? d.dynamics
    initialWeights = try c.decodeIfPresent(String.self, forKey: .initialWeights)
    initScale = try c.decodeIfPresent(Double.self, forKey: .initScale) ?? d.initScale
    seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
    tEnd = try c.decodeIfPresent(Double.self, forKey: .tEnd) ?? d.tEnd
    saves = try c.decodeIfPresent(Int.self, forKey: .saves) ?? d.saves
    saveFrom = try c.decodeIfPresent(Double.self, forKey: .saveFrom)
    stepper = try c.decodeIfPresent(Stepper.self, forKey: .stepper) ?? d.stepper
    rtol = try c.decodeIfPresent(Double.self, forKey: .rtol) ?? d.rtol
    atol = try c.decodeIfPresent(Double.self, forKey: .atol) ?? d.atol
    maxSteps = try c.decodeIfPresent(Int.self, forKey: .maxSteps) ?? d.maxSteps
    maxWallSeconds = try c.decodeIfPresent(Double.self, forKey: .maxWallSeconds)
    hmin = try c.decodeIfPresent(Double.self, forKey: .hmin) ?? d.hmin
    hmax = try c.decodeIfPresent(Double.self, forKey: .hmax)
    initialStep = try c.decodeIfPresent(Double.self, forKey: .initialStep)
    stopWhenSeparated =
      try c.decodeIfPresent(Bool.self, forKey: .stopWhenSeparated) ?? d.stopWhenSeparated
    stopLoss = try c.decodeIfPresent(Double.self, forKey: .stopLoss)
    saveWeights = try c.decodeIfPresent(Bool.self, forKey: .saveWeights) ?? d.saveWeights
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

/// A config file that cannot be used.
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
  case unreadable(path: String, reason: String)
  case invalid(path: String, reason: String)

  public var description: String {
    switch self {
    case .unreadable(let path, let reason): "cannot read the config '\(path)': \(reason)"
    case .invalid(let path, let reason): "config '\(path)': \(reason)"
    }
  }
}
