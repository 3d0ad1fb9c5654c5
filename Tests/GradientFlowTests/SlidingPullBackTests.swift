import Foundation
import Testing

@testable import GradientFlow

/// The crossing-corrected steps cap the Filippov pull-back's rate at 1/h (config key `pull_back`,
/// ``SlidingPullBack``), checked against the event-driven reference (`--sliding exact`, every switch located
/// to round-off, no pull-back: it agrees with the zoo's numpy/scipy reference to 1e-10 in log L) on a problem
/// where the uncapped pull-back made the steps unstable (found by benchmarks/audit.py, seed 31). An old
/// run.json replays with `fixed`: ``LegacyDefaultsTests``.
@Suite struct SlidingPullBackTests {
  static func run(_ config: RunConfig) throws -> RunResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-spb-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try Run(setup: RunSetup(config: config), outputDirectory: dir).run()
  }

  /// 20 XOR points, 2 → 2 → 1 ReLU, logistic loss, init scale 3, log-t clock to log t = 12. The net cannot
  /// separate them: the flow converges to a minimizer with two samples dead on their kinks (f_n = 0, sliding
  /// slopes → 0), whose forces do not decay while the flow slows down.
  static func deadSamples(_ change: (inout RunConfig) -> Void = { _ in }) throws -> RunResult {
    var config = RunConfig()
    config.generator = .xor
    config.n = 20
    config.widths = [2]
    config.loss = .logistic
    config.initScale = 3
    config.seed = 61
    config.clock = .logT
    config.logTEnd = 12
    change(&config)
    return try run(config)
  }

  @Test func aStepLimitedPullBackReachesTheReferenceCheaply() throws {
    let limited = try Self.deadSamples()
    // The two pull-backs compared under the kinked rule's warm-up (`stiff_minimizer` `warm-up`): under `early`
    // the uncapped one is rescued at the minimizer by msbdf (7,632 evaluations measured), which hides its cost.
    let limitedWarmUp = try Self.deadSamples { $0.stiffMinimizer = .warmUp }
    let fixed = try Self.deadSamples {
      $0.slidingPullBack = .fixed
      $0.stiffMinimizer = .warmUp
    }
    let reference = try Self.deadSamples {
      $0.sliding = .exact
      $0.rtol = 1e-12
      $0.atol = 1e-14
    }
    let exact = try Self.deadSamples { $0.sliding = .exact }
    #expect(limited.termination.isSuccess && fixed.termination.isSuccess && reference.termination.isSuccess)
    let logLoss = try #require(reference.final["log_loss"])
    let margin = try #require(reference.final["margin"])
    // Measured 4e-16 in log L and 0 in γ̄ (the limit: margin 0, log L 1.9360722159); the zoo's bounds are
    // 1e-6 and 1e-7, a decade inside them leaves room for a changed step sequence.
    #expect(abs(try #require(limited.final["log_loss"]) - logLoss) < 1e-7)
    #expect(abs(try #require(limited.final["margin"]) - margin) < 1e-8)
    // Measured 1,693 evaluations against the exact policy's 2,449 at the same tolerances (issue 17: at most 2×)
    // and 86,633 with the uncapped pull-back, 31 % of its attempts rejected.
    let evaluations = limited.statistics.rhsEvaluations
    #expect(evaluations <= 2 * exact.statistics.rhsEvaluations, "\(evaluations)")
    let capped = limitedWarmUp.statistics.rhsEvaluations
    #expect(10 * capped < fixed.statistics.rhsEvaluations, "\(capped) \(fixed.statistics.rhsEvaluations)")
  }
}
