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
  /// Input files over `limits` (default ``ResourceLimits/fromEnvironment(_:override:)``) and runs whose
  /// ``MemoryEstimate`` exceeds them are refused before anything large is read or allocated.
  public init(config: SimulationConfig, limits: ResourceLimits? = nil) throws(SimulationError) {
    var config = config
    try Self.validate(config)
    let limits = try ResourceLimits.fromEnvironment(override: limits)
    var notes: [String] = []
    var dataset: Dataset
    let dataSource: String
    if config.data == nil {
      let name = config.generator ?? "blobs"
      guard let generator = ToyDataset(rawValue: name) else {
        throw .usage(
          "unknown generator '\(name)'; choose one of \(ToyDataset.allCases.map { $0.rawValue }.joined(separator: ", "))"
        )
      }
      // Before generating: --n 1e12 must be refused, not allocated. r1 and r2 ignore n.
      let samples = generator == .r1 || generator == .r2 ? 4 : config.n
      let features = min(config.dimension, Int.max - 1) + (config.biasFeature ? 1 : 0)
      try MemoryEstimate(
        samples: samples, features: features, hiddenWidths: config.widths ?? [16], stepper: config.heaviestStepper,
        saves: config.saves
      ).check(limit: limits.maximumMemoryBytes)
    }
    do {
      if let path = config.data {
        let absolute = absolutePath(path)
        config.data = absolute
        let loaded = try CSVDatasetLoader.load(
          path: absolute, labelColumn: config.labelColumn, maximumBytes: limits.maximumFileBytes)
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
    } catch let error as DatasetError {
      // Impossible generator parameters are options the user gave (exit 64); the rest is the data (65).
      if case .invalidToyParameter = error { throw .usage(error.description) }
      throw .data(error.description)
    } catch {
      throw .data(String(describing: error))
    }
    if config.biasFeature { dataset = dataset.withBiasFeature() }
    if config.initialWeights == nil {  // before the Gaussian weights are drawn
      try MemoryEstimate(
        samples: dataset.count, features: dataset.dimension, hiddenWidths: config.widths ?? [16],
        stepper: config.heaviestStepper, saves: config.saves
      ).check(limit: limits.maximumMemoryBytes)
    }

    var theta: [Double]
    let weightsSource: String
    let architecture: Architecture
    do throws(ModelError) {
      if let source = config.initialWeights {
        let absolute = InitialWeights.paths(source, anchor: absolutePath).joined(separator: ",")
        config.initialWeights = absolute
        let loaded = try InitialWeights.load(absolute, maximumBytes: limits.maximumFileBytes)
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
          leakySlope: config.leakySlope, gateWidth: config.gateWidth)
        theta = loaded.theta
        weightsSource = absolute
      } else {
        let widths = config.widths ?? [16]
        config.widths = widths
        architecture = try Architecture(
          inputDimension: dataset.dimension, hiddenWidths: widths, activation: config.activation,
          leakySlope: config.leakySlope, gateWidth: config.gateWidth)
        theta = InitialWeights.gaussian(architecture: architecture, scale: config.initScale, seed: config.seed)
        weightsSource = "gaussian(scale=\(config.initScale), seed=\(config.seed))"
      }
    } catch {
      // A weights file that is unreadable, malformed or does not fit the data is a data error (65).
      if case .invalidWeights = error { throw .data(error.description) }
      throw .usage(error.description)
    }
    if config.initialWeights != nil {
      try MemoryEstimate(
        samples: dataset.count, features: dataset.dimension, hiddenWidths: architecture.hiddenWidths,
        stepper: config.heaviestStepper, saves: config.saves
      ).check(limit: limits.maximumMemoryBytes)
    }
    config.sliding = config.sliding.resolved(
      architecture: architecture, dynamics: config.dynamics, gradientDescent: config.gdStep != nil)
    self.config = config
    self.dataset = dataset
    self.notes = notes
    self.dataSource = dataSource
    self.architecture = architecture
    initialWeights = theta
    self.weightsSource = weightsSource
  }

  /// The ``MemoryEstimate`` of the resolved run (recorded in run.json beside the measured peak RSS).
  public var memoryEstimate: MemoryEstimate {
    MemoryEstimate(
      samples: dataset.count, features: dataset.dimension, hiddenWidths: architecture.hiddenWidths,
      stepper: config.heaviestStepper, saves: config.saves)
  }

  private static func validate(_ c: SimulationConfig) throws(SimulationError) {
    func require(_ condition: Bool, _ message: String) throws(SimulationError) {
      if !condition { throw .usage(message) }
    }
    try require(
      c.tEnd.isFinite && c.tEnd > 0,
      "--t-end must be a finite number greater than the start time t = 0 (got \(c.tEnd))")
    try require(c.saves >= 1, "--saves must be at least 1 (got \(c.saves))")
    if let logTEnd = c.logTEnd {
      try require(logTEnd.isFinite, "--log-t-end must be a finite number (got \(logTEnd))")
    }
    if c.saveFrom == nil {
      try require(
        c.resolvedSaveFrom > 0,
        "--t-end \(c.resolvedTEnd) is too small: the first save, t-end/100, underflows to 0; "
          + "choose a --t-end of at least 1e-300")
    }
    try require(
      c.resolvedSaveFrom > 0 && Foundation.log(c.resolvedSaveFrom) <= c.resolvedLogTEnd,
      "--save-from must lie in (0, t-end] (got \(c.resolvedSaveFrom))")
    try require(
      c.clock != .t || c.resolvedLogTEnd < 709.78,
      "the end log t = \(c.resolvedLogTEnd) is past the largest double t (log t ≈ 709.78); use --clock log-t or auto")
    if let scales = c.wnScale {
      try require(
        !scales.isEmpty && scales.allSatisfy { $0 > 0 && $0.isFinite },
        "wn_scale must hold positive numbers, one for all layers or one per layer (got \(scales))")
    }
    if let eta = c.gdStep {
      try require(eta > 0 && eta.isFinite, "--gd-step must be a positive, finite learning rate (got \(eta))")
      try require(c.clock == .t, "--gd-step runs gradient descent in t (iterate k at t = kη); drop --clock")
      try require(
        c.stepper == nil,
        "--stepper \(c.stepper?.rawValue ?? "") does not apply to --gd-step (gradient descent takes its own fixed "
          + "steps); drop --stepper or --gd-step")
      // In floating point, before any integer conversion: t_end/η can exceed every integer (η = 1e-300).
      let iterations = c.resolvedTEnd / eta
      try require(
        iterations.isFinite && iterations <= Double(c.maxSteps),
        "--gd-step \(eta) needs \(String(format: "%.3g", iterations)) iterations to reach t-end "
          + "\(c.resolvedTEnd), more than --max-steps \(c.maxSteps); raise --gd-step or --max-steps, or lower --t-end")
    }
    if let rhoEnd = c.rhoEnd {
      try require(rhoEnd > 0 && rhoEnd.isFinite, "--rho-end must be a positive number (got \(rhoEnd))")
    }
    if let tolerance = c.stopAtKkt {
      try require(tolerance > 0 && tolerance.isFinite, "--stop-at-kkt must be a positive tolerance (got \(tolerance))")
    }
    if let target = c.stopMargin {
      try require(target.isFinite, "--stop-margin must be a finite number (got \(target))")
    }
    try require(c.rtol.isFinite && c.rtol > 0, "--rtol must be positive (got \(c.rtol))")
    try require(
      c.rtol < 1,
      "--rtol must be below 1 (got \(c.rtol)): it bounds the relative error of each step; typical values "
        + "are 1e-6 to 1e-10")
    try require(c.atol.isFinite && c.atol >= 0, "--atol must be non-negative (got \(c.atol))")
    try require(c.maxSteps >= 1, "--max-steps must be at least 1 (got \(c.maxSteps))")
    try require(c.initScale.isFinite && c.initScale > 0, "--init-scale must be positive (got \(c.initScale))")
    try require(c.n >= 1, "--n must be at least 1 (got \(c.n))")
    if let loss = c.stopLoss {
      try require(loss > 0 && loss.isFinite, "--stop-loss must be a positive number (got \(loss))")
    }
    // The solver checks these too, but only once the output directory exists.
    try require(c.hmin.isFinite && c.hmin >= 0, "--hmin must be a finite non-negative number (got \(c.hmin))")
    if let hmax = c.hmax {
      try require(hmax > 0, "--hmax must be positive (got \(hmax))")
      try require(c.hmin <= hmax, "--hmin \(c.hmin) exceeds --hmax \(hmax)")
    }
    if c.clock == .t, c.gdStep == nil {
      try require(
        c.hmin < c.resolvedTEnd,
        "--hmin \(c.hmin) is not below t-end \(c.resolvedTEnd): no step fits in the run; lower --hmin")
    }
    if let h = c.initialStep {
      try require(h.isFinite && h > 0, "--initial-step must be a finite positive number (got \(h))")
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
  /// Impossible options, an unusable output directory, or a run over the memory limit (exit 64, EX_USAGE).
  case usage(String)
  /// A dataset or initial-weights file that cannot be used: missing, unreadable, malformed, too large,
  /// or not matching the data or network (exit 65, EX_DATAERR).
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
    case .usage, .solver: 64
    case .data: 65
    case .output: 1
    }
  }
}
