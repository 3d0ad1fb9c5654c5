import Foundation
import Testing

@testable import GradientFlow

/// The crossing-corrected steps integrate the frozen field with Cash–Karp's pair (config key `frozen_pair`,
/// ``FrozenPair``), checked on conformance-zoo problems (benchmarks/zoo) against their event-driven
/// references (benchmarks/zoo/references.json: numpy/scipy, independent of this package, every switch
/// located to round-off; self-checks ≤ 4e-10 in log L on the problems below).
@Suite struct FrozenPairTests {
  static let zoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../benchmarks/zoo").standardized

  static func referenceLogLoss(_ problem: String) throws -> Double {
    let data = try Data(contentsOf: zoo.appendingPathComponent("references.json"))
    let all = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let entry = try #require(all[problem] as? [String: Any])
    return try #require(entry["log_loss"] as? Double)
  }

  /// The zoo problem's run to t = 1000 with the corrected steps and the given pair.
  static func run(data: String, problem: String, width: Int, pair: FrozenPair) throws -> RunResult {
    var config = RunConfig()
    config.data = zoo.appendingPathComponent("data/\(data).csv").path
    config.initialWeights = zoo.appendingPathComponent("init/\(problem).json").path
    config.widths = [width]
    config.tEnd = 1000
    config.sliding = .corrected
    config.frozenPair = pair
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-pair-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let result = try Run(setup: RunSetup(config: config), outputDirectory: dir).run()
    #expect(result.termination.isSuccess, "\(result.terminationMessage)")
    return result
  }

  @Test(arguments: [("blobs", "blobs_w16", 16), ("xor_noisy", "xor_noisy_w8", 8), ("orthosep", "orthosep_w8", 8)])
  func cashKarpIsMoreAccurateAtTheSameCost(data: String, problem: String, width: Int) throws {
    let reference = try Self.referenceLogLoss(problem)
    let cashKarp = try Self.run(data: data, problem: problem, width: width, pair: .rkck)
    let fehlberg = try Self.run(data: data, problem: problem, width: width, pair: .rkf45)
    let cashKarpError = abs(try #require(cashKarp.final["log_loss"]) - reference)
    let fehlbergError = abs(try #require(fehlberg.final["log_loss"]) - reference)
    // Measured 1.9e-8 / 1.3e-8 / 8.4e-9 against 3.7e-7 / 4.3e-7 / 1.3e-7 (docs/kinks.md): both pairs
    // have order-5 error estimates, so at one tolerance the gain is the pair's smaller error constants. A
    // factor 3 leaves room for rounding-level changes in the step sequence; 1e-7 is a decade inside the
    // zoo's 1e-6 criterion.
    #expect(cashKarpError * 3 < fehlbergError, "\(cashKarpError) vs \(fehlbergError)")
    #expect(cashKarpError < 1e-7, "\(cashKarpError)")
    // Same stages per attempt; measured within 5 % of each other's evaluations.
    let ratio = Double(cashKarp.statistics.rhsEvaluations) / Double(fehlberg.statistics.rhsEvaluations)
    #expect(ratio < 1.15, "\(ratio)")
  }
}
