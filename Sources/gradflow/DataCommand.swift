import ArgumentParser
import Foundation
import GradientFlow

extension ToyDataset: ExpressibleByArgument {}

/// `gradflow data NAME`: writes a built-in dataset as CSV so it can be inspected or reused with `--data`.
struct DataCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "data",
    abstract: "Write a built-in toy dataset as CSV (header x1,…,xd,y; labels ±1).")

  @Argument(help: "The dataset.")
  var name: ToyDataset

  @Option(help: "Number of samples (ignored by r1, r2).")
  var n: Int = 40

  @Option(help: "Random seed.")
  var seed: UInt64 = 0

  @Option(help: "Input dimension (blobs, random-labels).")
  var dimension: Int = 2

  @Option(help: help("Noise level.", default: DataOptions.noiseDefaults))
  var noise: Double?

  @Flag(help: "Append a constant-1 feature (a first-layer bias that keeps the net homogeneous).")
  var biasFeature = false

  @Option(name: [.short, .customLong("output")], help: help("Output CSV file.", default: "standard output"))
  var output: String?

  func run() throws {
    prepareProcess()
    var dataset: Dataset
    do {
      // Before generating: --n 1e12 must be refused, not allocated. r1 and r2 ignore n and dimension.
      let fixed = name == .r1 || name == .r2
      try MemoryEstimate.checkDataset(
        samples: fixed ? 4 : n, features: (fixed ? 2 : min(dimension, Int.max - 1)) + (biasFeature ? 1 : 0),
        limit: ResourceLimits.fromEnvironment().maximumMemoryBytes)
      dataset = try name.generate(count: n, seed: seed, dimension: dimension, noise: noise)
    } catch {
      printError(String(describing: error))
      throw ExitCode(64)
    }
    if biasFeature { dataset = dataset.withBiasFeature() }
    guard let output else { return try emit(dataset.csvText()) }
    do throws(OutputError) {
      try dataset.write(to: output)
    } catch {
      // A path that cannot be created is a usage error (choose another -o); a failed write is not.
      if case .cannotCreate = error {
        printError(error.description + "; choose another -o")
        throw ExitCode(64)
      }
      printError(error.description)
      throw ExitCode(1)
    }
    printNote("wrote \(dataset.count) samples of dimension \(dataset.dimension) to \(output)")
  }
}
