import Foundation

/// What is simulated — the "problem" of problem-then-solve: the dataset, the network, the loss, the
/// dynamics and the initial weights θ(0). ``load(config:limits:)`` reads the data and the weights once and
/// refuses, before anything large is allocated, a run that would not fit in memory; everything in a
/// `Problem` is valid.
public struct Problem {
  public let dataset: Dataset
  /// Where the data came from, e.g. "/abs/path/data.csv" or "blobs(n=40, seed=0)".
  public let dataSource: String
  /// Notes produced while loading (e.g. a label mapping), shown to the user and kept in run.json.
  public let notes: [String]
  public let architecture: Architecture
  public let loss: Loss
  public let dynamics: DynamicsKind
  /// Weight normalization's initial ‖v_k‖ = c_k: one value for all layers or one per layer.
  public let wnScale: [Double]
  /// θ(0): the layers' weights, each row-major, concatenated.
  public let initialWeights: [Double]
  /// Where θ(0) came from, e.g. "gaussian(scale=1, seed=0)" or a path.
  public let weightsSource: String

  /// Resolves the problem part of `config`, recording in it what was resolved (absolute paths, the
  /// generator, the widths). Input files over `limits` and runs whose ``MemoryEstimate`` exceeds them are
  /// refused before anything large is read, generated or drawn.
  static func load(config: inout RunConfig, limits: ResourceLimits) throws(RunError) -> Problem {
    try validate(config)
    // 1. The files (each read within the file-size limit).
    var csv: (dataset: Dataset, notes: [String])?
    if let path = config.data {
      let absolute = absolutePath(path)
      config.data = absolute
      do {
        csv = try CSVDatasetLoader.load(
          path: absolute, labelColumn: config.labelColumn, maximumBytes: limits.maximumFileBytes)
      } catch {
        throw .data(error.description)
      }
    } else {
      config.generator = config.generator ?? ConfigDefaults.generator
    }
    let generator = config.data == nil ? config.generator : nil
    let features =
      (csv?.dataset.dimension ?? min(config.dimension, Int.max - 1)) + (config.biasFeature ? 1 : 0)
    var loadedWeights: (layerSizes: [Int], theta: [Double])?
    if let source = config.initialWeights {
      let absolute = InitialWeights.paths(source, anchor: absolutePath).joined(separator: ",")
      config.initialWeights = absolute
      do throws(ModelError) {
        let loaded = try InitialWeights.load(absolute, maximumBytes: limits.maximumFileBytes)
        try check(loaded, features: features, config: config)
        loadedWeights = loaded
      } catch {
        throw Self.error(error)
      }
      config.widths = Array(loadedWeights!.layerSizes.dropFirst().dropLast())
    }
    let widths = config.widths ?? ConfigDefaults.widths
    config.widths = widths

    // 2. Memory, once, before generating data or drawing weights (--n 1e12 is refused, not allocated).
    // r1 and r2 have four points whatever n says.
    let samples = csv?.dataset.count ?? (generator == .r1 || generator == .r2 ? 4 : config.n)
    try MemoryEstimate(
      samples: samples, features: features, hiddenWidths: widths, stepper: config.heaviestStepper,
      saves: config.saves
    ).check(limit: limits.maximumMemoryBytes)

    // 3. The data and θ(0).
    var dataset: Dataset
    let dataSource: String
    if let csv {
      dataset = csv.dataset
      dataSource = config.data!
    } else {
      let seed = config.dataSeed ?? config.seed
      do {
        dataset = try generator!.generate(
          count: config.n, seed: seed, dimension: config.dimension, noise: config.noise)
      } catch let error as DatasetError {
        // Impossible generator parameters are options the user gave (exit 64).
        if case .invalidToyParameter = error { throw .usage(error.description) }
        throw .data(error.description)
      } catch {
        throw .data(String(describing: error))
      }
      dataSource = "\(config.generator!.rawValue)(n=\(config.n), seed=\(seed))"
    }
    if config.biasFeature { dataset = dataset.withBiasFeature() }
    let architecture: Architecture
    do throws(ModelError) {
      architecture = try Architecture(
        inputDimension: dataset.dimension, hiddenWidths: widths, activation: config.activation,
        leakySlope: config.leakySlope, gateWidth: config.gateWidth)
    } catch {
      throw Self.error(error)
    }
    let theta =
      loadedWeights?.theta
      ?? InitialWeights.gaussian(architecture: architecture, scale: config.initScale, seed: config.seed)
    return Problem(
      dataset: dataset, dataSource: dataSource, notes: csv?.notes ?? [], architecture: architecture,
      loss: config.loss, dynamics: config.dynamics, wnScale: config.wnScale ?? [ConfigDefaults.wnScale],
      initialWeights: theta,
      weightsSource: loadedWeights == nil
        ? "gaussian(scale=\(config.initScale), seed=\(config.seed))" : config.initialWeights!)
  }

  /// The problem options that can be checked before anything is read.
  private static func validate(_ c: RunConfig) throws(RunError) {
    func require(_ condition: Bool, _ message: String) throws(RunError) {
      if !condition { throw .usage(message) }
    }
    try require(c.data == nil || c.generator == nil, "give either --data or --generator, not both")
    try require(c.n >= 1, "--n must be at least 1 (got \(c.n))")
    try require(c.initScale.isFinite && c.initScale > 0, "--init-scale must be positive (got \(c.initScale))")
    if let scales = c.wnScale {
      try require(
        !scales.isEmpty && scales.allSatisfy { $0 > 0 && $0.isFinite },
        "wn_scale must hold positive numbers, one for all layers or one per layer (got \(scales))")
    }
  }

  /// A weights file must fit the data's features and the widths asked for.
  private static func check(
    _ loaded: (layerSizes: [Int], theta: [Double]), features: Int, config: RunConfig
  )
    throws(ModelError)
  {
    guard loaded.layerSizes[0] == features else {
      throw ModelError.invalidWeights(
        "the initial weights expect \(loaded.layerSizes[0]) inputs but the data have \(features) features"
          + (config.biasFeature ? " (including the bias feature)" : ""))
    }
    let hidden = Array(loaded.layerSizes.dropFirst().dropLast())
    if let widths = config.widths, widths != hidden {
      throw ModelError.invalidWeights(
        "--widths \(widths.map(String.init).joined(separator: ",")) does not match the initial weights' hidden "
          + "widths \(hidden)")
    }
  }

  /// A weights file that is unreadable, malformed or does not fit the data is a data error (65); an
  /// impossible network is a usage error (64).
  private static func error(_ error: ModelError) -> RunError {
    if case .invalidWeights = error { return .data(error.description) }
    return .usage(error.description)
  }
}

func absolutePath(_ path: String) -> String {
  let trimmed = path.trimmingCharacters(in: .whitespaces)
  if trimmed.hasPrefix("/") { return trimmed }
  return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    .appendingPathComponent(trimmed).standardizedFileURL.path
}
