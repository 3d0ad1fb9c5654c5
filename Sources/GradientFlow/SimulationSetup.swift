import Foundation
import ODE

/// The resolved problem of a ``SimulationConfig``: the dataset, the architecture and θ(0).
public struct SimulationSetup {
  public let config: SimulationConfig
  public let dataset: Dataset
  /// Notes produced while loading (e.g. a label mapping), shown to the user and kept in run.json.
  public let notes: [String]
  /// Where the data came from, e.g. "/abs/path/data.csv" or "blobs(n=40, seed=0)".
  public let dataSource: String
  public let architecture: Architecture
  public let initialWeights: [Double]
  /// Where θ(0) came from, e.g. "gaussian(scale=1, seed=0)" or a path.
  public let weightsSource: String

  /// Resolves `config`; relative paths are made absolute so the recorded config is reproducible.
  public init(config: SimulationConfig) throws(SimulationError) {
    var config = config
    try Self.validate(config)
    var notes: [String] = []
    var dataset: Dataset
    let dataSource: String
    if config.data == nil {
      let name = config.generator ?? "blobs"
      guard ToyDataset(rawValue: name) != nil else {
        throw .usage(
          "unknown generator '\(name)'; choose one of \(ToyDataset.allCases.map { $0.rawValue }.joined(separator: ", "))"
        )
      }
    }
    do {
      if let path = config.data {
        let absolute = absolutePath(path)
        config.data = absolute
        let loaded = try CSVDatasetLoader.load(path: absolute, labelColumn: config.labelColumn)
        dataset = loaded.dataset
        notes += loaded.notes
        dataSource = absolute
      } else {
        let name = config.generator ?? "blobs"
        config.generator = name
        let seed = config.dataSeed ?? config.seed
        dataset = try ToyDataset(rawValue: name)!.generate(
          count: config.n, seed: seed, dimension: config.dimension, noise: config.noise)
        dataSource = "\(name)(n=\(config.n), seed=\(seed))"
      }
    } catch {
      throw .data(String(describing: error))
    }
    if config.biasFeature { dataset = dataset.withBiasFeature() }

    var theta: [Double]
    let weightsSource: String
    let architecture: Architecture
    do throws(ModelError) {
      if let source = config.initialWeights {
        let absolute = source.split(separator: ",").map { absolutePath(String($0)) }.joined(separator: ",")
        config.initialWeights = absolute
        let loaded = try InitialWeights.load(absolute)
        guard loaded.layerSizes[0] == dataset.dimension else {
          throw ModelError.invalidWeights(
            "the initial weights expect \(loaded.layerSizes[0]) inputs but the data have \(dataset.dimension) features"
              + (config.biasFeature ? " (including the bias feature)" : ""))
        }
        let hidden = Array(loaded.layerSizes.dropFirst().dropLast())
        if let widths = config.widths, widths != hidden {
          throw ModelError.invalidWeights(
            "--widths \(widths.map(String.init).joined(separator: ",")) does not match the initial weights' hidden widths \(hidden)"
          )
        }
        config.widths = hidden
        architecture = try Architecture(
          inputDimension: dataset.dimension, hiddenWidths: hidden, activation: config.activation,
          leakySlope: config.leakySlope)
        theta = loaded.theta
        weightsSource = absolute
      } else {
        let widths = config.widths ?? [16]
        config.widths = widths
        architecture = try Architecture(
          inputDimension: dataset.dimension, hiddenWidths: widths, activation: config.activation,
          leakySlope: config.leakySlope)
        theta = InitialWeights.gaussian(architecture: architecture, scale: config.initScale, seed: config.seed)
        weightsSource = "gaussian(scale=\(config.initScale), seed=\(config.seed))"
      }
    } catch {
      throw .usage(error.description)
    }
    self.config = config
    self.dataset = dataset
    self.notes = notes
    self.dataSource = dataSource
    self.architecture = architecture
    initialWeights = theta
    self.weightsSource = weightsSource
  }

  private static func validate(_ c: SimulationConfig) throws(SimulationError) {
    func require(_ condition: Bool, _ message: String) throws(SimulationError) {
      if !condition { throw .usage(message) }
    }
    try require(c.tEnd.isFinite && c.tEnd > 0, "--t-end must be a positive number (got \(c.tEnd))")
    try require(c.saves >= 1, "--saves must be at least 1 (got \(c.saves))")
    try require(
      c.resolvedSaveFrom > 0 && c.resolvedSaveFrom <= c.tEnd,
      "--save-from must lie in (0, t-end] (got \(c.resolvedSaveFrom))")
    try require(c.rtol.isFinite && c.rtol > 0, "--rtol must be positive (got \(c.rtol))")
    try require(c.atol.isFinite && c.atol >= 0, "--atol must be non-negative (got \(c.atol))")
    try require(c.maxSteps >= 1, "--max-steps must be at least 1 (got \(c.maxSteps))")
    try require(c.initScale.isFinite && c.initScale > 0, "--init-scale must be positive (got \(c.initScale))")
    try require(c.n >= 1, "--n must be at least 1 (got \(c.n))")
    try require(c.dynamics == "unconstrained", "unknown dynamics '\(c.dynamics)'; available: unconstrained")
    if let loss = c.stopLoss {
      try require(loss > 0 && loss.isFinite, "--stop-loss must be a positive number (got \(loss))")
    }
    if let limit = c.maxWallSeconds {
      try require(limit > 0, "--max-wall-seconds must be positive (got \(limit))")
    }
    try require(c.data == nil || c.generator == nil, "give either --data or --generator, not both")
  }
}

func absolutePath(_ path: String) -> String {
  let trimmed = path.trimmingCharacters(in: .whitespaces)
  if trimmed.hasPrefix("/") { return trimmed }
  return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    .appendingPathComponent(trimmed).standardizedFileURL.path
}

/// Why a simulation could not run or did not finish; ``exitCode`` follows sysexits.
public enum SimulationError: Error, Sendable, CustomStringConvertible {
  /// Impossible options or unusable input files (exit 64).
  case usage(String)
  /// A malformed or unusable dataset (exit 64).
  case data(String)
  /// The solver options were rejected before the run (exit 64).
  case solver(String)
  /// An output file could not be written (exit 1).
  case output(String)

  public var description: String {
    switch self {
    case .usage(let m), .data(let m), .solver(let m), .output(let m): m
    }
  }

  public var exitCode: Int32 {
    switch self {
    case .usage, .data, .solver: 64
    case .output: 1
    }
  }
}
