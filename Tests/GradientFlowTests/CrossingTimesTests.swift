import Foundation
import Testing

@testable import GradientFlow

/// `crossing_times` `shifted` (``CrossingTimes``): a unit's later crossings in a step are placed on the corrected
/// path. Random problem 13 of `benchmarks/audit.py --count 40 --seed 99` (XOR corners with noise, 80 samples, 16
/// units, init scale 0.1): before t = 4e-4 unit 15 sweeps across two nearly antiparallel samples (74 and 75) in one
/// step and across three nearly parallel ones (22, 14, 38) in another, with steps the save times set.
@Suite struct CrossingTimesTests {
  static func run(_ edit: (inout RunConfig) -> Void) throws -> RunResult {
    var config = RunConfig()
    config.generator = .xor
    config.n = 80
    config.widths = [16]
    config.initScale = 0.1
    config.seed = 46
    config.tEnd = 4e-4
    edit(&config)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-shift-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try Run(setup: try RunSetup(config: config), outputDirectory: dir).run()
  }

  @Test func laterCrossingsOfAUnitAreTakenOnTheCorrectedPath() throws {
    let shifted = try Self.run { $0.crossingTimes = .shifted }
    let frozen = try Self.run { _ in }
    // Independent: every switch located to round-off, rk8pd pieces.
    let reference = try Self.run {
      $0.sliding = .exact
      $0.rtol = 1e-12
      $0.atol = 1e-14
    }
    func error(_ result: RunResult) -> Double {
      zip(result.finalWeights, reference.finalWeights).map { abs($0 - $1) }.max() ?? .infinity
    }
    // Measured over all weights: 3.1e-10 shifted (7.3e-12 in unit 15's row, Newton on the exact cubic), 6.7e-8
    // frozen, with the same steps and no rejection. The defaults' rtol 1e-8 and atol 1e-10 allow about 1e-10 per
    // step on weights of size 0.02-0.06, so 2e-9 bounds the ordinary truncation error of these steps.
    #expect(error(shifted) < 2e-9, "\(error(shifted))")
    #expect(error(frozen) > 1e-8, "\(error(frozen))")
    #expect(shifted.statistics.rhsEvaluations == frozen.statistics.rhsEvaluations)
  }
}
