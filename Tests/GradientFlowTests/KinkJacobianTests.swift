import Foundation
import Numerics
import ODE
import Testing

@testable import GradientFlow

/// The finite-difference Jacobian's step on kinked nets (``KinkJacobian``, config key `kink_jacobian`): inside
/// the Filippov band, so that msbdf's Newton iteration sees the sliding field's slope, not its jump.
@Suite struct KinkJacobianTests {
  @Test func newRunsStepInsideTheBandAndOldRunJSONFilesReplayWithTheCubeRoot() throws {
    #expect(try RunConfig.decode(Data("{}".utf8), source: "test").kinkJacobian == .inBand)
    let legacy = try RunConfig.decode(Data(#"{"config": {"t_end": 5}}"#.utf8), source: "run.json")
    #expect(legacy.kinkJacobian == .cubeRoot)
    let recorded = try RunConfig.decode(
      Data(#"{"config": {"kink_jacobian": "in-band"}}"#.utf8), source: "run.json")
    #expect(recorded.kinkJacobian == .inBand)
    #expect(throws: (any Error).self) {
      try RunConfig.decode(Data(#"{"kink_jacobian": "tiny"}"#.utf8), source: "test")
    }
  }

  /// η/100 where a band exists (`filippov`, `corrected`) and the key is `in-band`, capped at the default
  /// ε^{1/3}; the default step (nil) everywhere else.
  @Test func theStepFollowsTheBand() {
    let cubeRoot = cbrt(Double.ulpOfOne)
    for sliding in [SlidingMode.filippov, .corrected] {
      let options = KinkOptions(sliding: sliding, band: nil, rtol: 1e-8)
      #expect(options.differenceStep == 1e-6 / 100)
      #expect(KinkOptions(sliding: sliding, band: nil, rtol: 1e-8, jacobian: .cubeRoot).differenceStep == nil)
      // rtol 1e-3: η = 1e-2 (the cap), η/100 = 1e-4 > ε^{1/3}.
      #expect(KinkOptions(sliding: sliding, band: nil, rtol: 1e-3).differenceStep == cubeRoot)
    }
    #expect(KinkOptions(sliding: .off, band: nil, rtol: 1e-8).differenceStep == nil)
  }

  static let problemS = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("benchmarks/problems/S_s0").path

  /// Benchmark problem S, Lagrange flow, log-t clock (its default stepper msbdf with a finite-difference
  /// Jacobian) to log t = 0.5, where 218 activation switches lie behind it. With the step ε^{1/3} the run
  /// stalled near log t = 0.42 (5.0M evaluations and 35,735 Jacobians in 30 s of a release build: every
  /// Jacobian of a sliding pair measured its kink's jump); inside the band it takes 43,766 evaluations. The
  /// answer is checked against the Filippov flow in the t clock at rtol 1e-11 (rkf45, other coordinates, no
  /// Jacobian) at t = e^0.5. msbdf through the crossings is not tolerance-proportional there: at rtol 1e-8 it
  /// landed 2.3e-6 (relative) from it in the loss and 1e-8 in γ̄ with one machine's OpenBLAS kernels, 7.7e-6 and
  /// 6.8e-7 with an AMD EPYC's; at rtol 1e-9 / 1e-10 (the latter) 2.0e-7 / 1.1e-5 and 1.0e-8 / 1.3e-6. The
  /// bounds, 5e-5 and 5e-6, hold that spread with room and still fail a Jacobian that stalls or steers the run
  /// off the flow (the cube-root step stalled at log t ≈ 0.42, the evaluations bound below). The evaluations
  /// bound is about twice the count.
  @Test func lagrangeInTheLogClockPassesTheKinksOfProblemS() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-kinkjac-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    func run(_ name: String, _ edit: (inout RunConfig) -> Void) throws -> RunResult {
      var config = RunConfig()
      config.data = Self.problemS + "/data.csv"
      config.initialWeights = Self.problemS + "/weights.json"
      config.dynamics = .lagrange
      // The t phase's corrected steps as when these bounds were set: the msbdf phase through the crossings is
      // sensitive to its start at the 1e-8 level (with `separate` at rtol 0.8e-8 … 1.2e-8 its γ̄ lands 6.8e-7 to
      // 1.8e-6 from the reference), and this test is about its Jacobian, not the t phase.
      config.normalizedKinks = .separate
      // The log-t phase as the Filippov flow in s by msbdf, whose Jacobian this test is about: new runs step their
      // first log t ≤ 600 in t with the corrected engine (`normalized_log_t_kinks` `corrected`), and use this
      // phase beyond that and in run.json files without the key.
      config.normalizedLogTimeKinks = .filippov
      edit(&config)
      let result = try Run(setup: RunSetup(config: config), outputDirectory: dir + "/" + name).run()
      #expect(result.termination.isSuccess, "\(name): \(result.terminationMessage)")
      return result
    }
    let logClock = try run("log-t") {
      $0.clock = .logT
      $0.logTEnd = 0.5
    }
    #expect(logClock.phases.last?.stepper == Stepper.msbdf.rawValue)
    #expect(logClock.statistics.rhsEvaluations < 100_000, "\(logClock.statistics.rhsEvaluations)")
    let reference = try run("reference") {
      $0.tEnd = exp(0.5)
      $0.sliding = .filippov
      $0.rtol = 1e-11
      $0.atol = 1e-13
    }
    let (loss, referenceLoss) = (try #require(logClock.final["loss"]), try #require(reference.final["loss"]))
    let (margin, referenceMargin) = (try #require(logClock.final["margin"]), try #require(reference.final["margin"]))
    #expect(abs(loss / referenceLoss - 1) < 5e-5, "loss \(loss) vs \(referenceLoss)")
    #expect(abs(margin - referenceMargin) < 5e-6, "γ̄ \(margin) vs \(referenceMargin)")
  }
}
