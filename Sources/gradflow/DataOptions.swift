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

  @Option(help: "Dataset CSV with a header: feature columns and a label column (±1 or two values).")
  var data: String?

  @Option(
    help: "Built-in dataset when --data is not given: blobs (default), xor, circles, moons, random-labels, r1, r2.")
  var generator: String?

  @Option(parsing: .unconditional, help: "Samples drawn by the generator (default 40).")
  var n: Int?

  @Option(parsing: .unconditional, help: "Input dimension of the generator (default 2).")
  var dimension: Int?

  @Option(parsing: .unconditional, help: "Generator noise (the generator's default when omitted).")
  var noise: Double?

  @Option(parsing: .unconditional, help: "Seed of the generator (default: --seed).")
  var dataSeed: UInt64?

  @Option(help: "Label column of the CSV (default: a column named y, else the last).")
  var labelColumn: String?

  @Flag(help: "Append a constant-1 input feature: a first-layer bias that keeps the network homogeneous.")
  var biasFeature = false

  func apply(to config: inout SimulationConfig) throws {
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
