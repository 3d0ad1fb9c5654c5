import Foundation
import Numerics
import Testing

@testable import GradientFlow

/// The unconstrained flow's sliding projection and chatter hold in the normalized flows' corrected steps
/// and their correction weight (config key `normalized_kinks`, ``NormalizedKinks``).
@Suite struct NormalizedKinksTests {
  static let problemS = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("benchmarks/problems/S_s0").path

  private func run(_ dir: String, _ name: String, _ edit: (inout RunConfig) -> Void) throws -> RunResult {
    var config = RunConfig()
    config.data = Self.problemS + "/data.csv"
    config.initialWeights = Self.problemS + "/weights.json"
    config.rtol = 1e-8
    config.atol = 1e-10
    config.tEnd = 1e4
    edit(&config)
    let result = try Run(setup: RunSetup(config: config), outputDirectory: dir + "/" + name).run()
    #expect(result.termination.isSuccess, "\(name): \(result.terminationMessage)")
    return result
  }

  /// Benchmark problem S, Lagrange flow to t = 1e4 (`--rtol 1e-8 --atol 1e-10`). The defaults are checked against
  /// `--sliding filippov` at rtol 1e-10 (the flow integrated in (g, v) by GSL, each crossing resolved by step
  /// control: other coordinates, another kink treatment) within issue 17's bounds, 1e-6 relative in the loss and
  /// 1e-7 in γ̄ (measured: 3.1e-10 and 3.9e-10; the legacy keys 2.2e-8 and 2.3e-9).
  ///
  /// Evaluations, measured (release): defaults (`relaxed`) 17,259; `shared` 19,072; both legacy
  /// values 22,539; the unconstrained flow 6,415. The bounds — defaults below 0.85× legacy (measured 0.77), the
  /// projection and hold alone below 0.92× legacy (0.85), defaults below 3.0× the unconstrained flow (2.69; legacy
  /// 3.51) — leave ~8–10 % for debug builds and other platforms' BLAS rounding moving step sequences, and fail for
  /// the legacy behaviour (ratio 1, 3.51×).
  @Test func defaultsAreAccurateAndCheaper() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-normkinks-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let defaults = try run(dir, "defaults") { $0.dynamics = .lagrange }
    let standard = try run(dir, "standard") {
      $0.dynamics = .lagrange
      $0.normalizedKinks = .shared
    }
    let legacy = try run(dir, "legacy") {
      $0.dynamics = .lagrange
      $0.normalizedKinks = .separate
    }
    let unconstrained = try run(dir, "unconstrained") { _ in }
    let reference = try run(dir, "reference") {
      $0.dynamics = .lagrange
      $0.sliding = .filippov
      $0.rtol = 1e-10
      $0.atol = 1e-12
    }
    let (loss, referenceLoss) = (try #require(defaults.final["loss"]), try #require(reference.final["loss"]))
    let (margin, referenceMargin) = (try #require(defaults.final["margin"]), try #require(reference.final["margin"]))
    #expect(abs(loss / referenceLoss - 1) < 1e-6, "loss \(loss) vs \(referenceLoss)")
    #expect(abs(margin - referenceMargin) < 1e-7, "γ̄ \(margin) vs \(referenceMargin)")
    func evaluations(_ result: RunResult) -> Double { Double(result.statistics.rhsEvaluations) }
    #expect(evaluations(defaults) < 0.85 * evaluations(legacy), "\(evaluations(defaults)) vs legacy")
    #expect(evaluations(standard) < 0.92 * evaluations(legacy), "\(evaluations(standard)) vs legacy")
    #expect(evaluations(defaults) < 3.0 * evaluations(unconstrained), "\(evaluations(defaults)) vs unconstrained")
  }

  /// A run.json without the key replays with `separate` (what runs recorded before it did); a new config defaults
  /// to `relaxed`. (``LegacyDefaultsTests`` checks the same for every key.)
  @Test func absentKeysSelectTheLegacyBehaviour() throws {
    let old = try RunConfig.decode(Data(#"{"config": {"t_end": 5}}"#.utf8), source: "run.json")
    #expect(old.normalizedKinks == .separate)
    #expect(RunConfig().normalizedKinks == .relaxed)
    #expect(NormalizedKinks.separate.correctionWeight == CrossingCorrectedStepper.defaultCorrectionWeight)
    #expect(NormalizedKinks.shared.correctionWeight == CrossingCorrectedStepper.defaultCorrectionWeight)
    #expect(!NormalizedKinks.separate.sharesSliding && NormalizedKinks.relaxed.sharesSliding)
  }
}
