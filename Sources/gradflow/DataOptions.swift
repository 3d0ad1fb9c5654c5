import ArgumentParser
import Foundation
import GradientFlow
import ODE

/// `--data`/`--generator` and the dataset options shared by simulate and compare.
struct DataOptions: ParsableArguments {
  /// Checked by ArgumentParser for every command that uses this group (simulate and compare).
  func validate() throws {
    if data != nil, generator != nil { throw ValidationError("give either --data or --generator, not both") }
  }

  @Option(
    help: help(
      "Dataset CSV with a header: feature columns and a label column (±1 or two values).",
      default: "none: the --generator dataset"))
  var data: String?

  @Option(help: help("Built-in dataset when --data is not given.", default: ConfigDefaults.generator.rawValue))
  var generator: ToyDataset?

  @Option(parsing: .unconditional, help: help("Samples drawn by the generator.", default: "\(ConfigDefaults.n)"))
  var n: Int?

  @Option(
    parsing: .unconditional,
    help: help("Input dimension of the generator (blobs, random-labels).", default: "\(ConfigDefaults.dimension)"))
  var dimension: Int?

  @Option(parsing: .unconditional, help: help("Generator noise.", default: DataOptions.noiseDefaults))
  var noise: Double?

  @Option(parsing: .unconditional, help: help("Seed of the generator.", default: "--seed"))
  var dataSeed: UInt64?

  @Option(help: help("Label column of the CSV.", default: "a column named y, else the last"))
  var labelColumn: String?

  @Flag(help: "Append a constant-1 input feature: a first-layer bias that keeps the network homogeneous.")
  var biasFeature = false

  /// "blobs 1, xor 0.1, …": each generator's own noise level.
  static var noiseDefaults: String {
    "the generator's: "
      + ToyDataset.allCases.compactMap { g in g.defaultNoise.map { "\(g.rawValue) \(helpNumber($0))" } }
      .joined(separator: ", ")
  }

  func apply(to config: inout RunConfig) throws {
    if let data {
      config.data = data
      config.generator = nil
    }
    if let generator {
      config.generator = generator
      config.data = nil
    }
    if let n { config.n = n }
    if let dimension { config.dimension = dimension }
    if let noise { config.noise = noise }
    if let dataSeed { config.dataSeed = dataSeed }
    if let labelColumn { config.labelColumn = labelColumn }
    if biasFeature { config.biasFeature = true }
  }
}
