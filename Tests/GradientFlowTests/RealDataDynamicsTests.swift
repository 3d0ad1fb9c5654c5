import Foundation
import Testing

@testable import GradientFlow

/// A ReLU net on standardized real data (the conformance zoo's iris_std: setosa against versicolor, 4 standardized
/// features, 4 → 8 → 1 with no bias) in all three dynamics with the defaults, against the zoo's event-driven numpy
/// reference (benchmarks/zoo/reference.py: every switch located to round-off, pieces by DOP853 at rtol 1e-12,
/// written independently of the Swift code). The bounds are the zoo's own criteria: 1e-6 in log L (the loss
/// relative), 1e-7 in γ̄ absolute.
@Suite struct RealDataDynamicsTests {
  static let zoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../benchmarks/zoo").standardized

  /// The reference's final log L and γ̄ for zoo problem `problem`.
  static func reference(_ problem: String) throws -> (logLoss: Double, margin: Double) {
    let data = try Data(contentsOf: zoo.appendingPathComponent("references.json"))
    let all = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let entry = try #require(all[problem] as? [String: Any], "no reference for \(problem)")
    return (try #require(entry["log_loss"] as? Double), try #require(entry["margin"] as? Double))
  }

  /// The defaults on iris_std from the initial weights of zoo problem `problem`.
  static func run(_ problem: String, configure: (inout RunConfig) -> Void) throws -> RunResult {
    var config = RunConfig()
    config.data = zoo.appendingPathComponent("data/iris_std.csv").path
    config.initialWeights = zoo.appendingPathComponent("init/\(problem).json").path
    config.widths = [8]
    configure(&config)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-realdata-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let result = try Run(setup: RunSetup(config: config), outputDirectory: dir).run()
    #expect(result.termination.isSuccess, "\(result.terminationMessage)")
    return result
  }

  static func expectAgreement(_ result: RunResult, with problem: String) throws {
    let reference = try Self.reference(problem)
    let logLoss = try #require(result.final["log_loss"])
    let margin = try #require(result.final["margin"])
    #expect(abs(logLoss - reference.logLoss) < 1e-6, "log L \(logLoss) vs \(reference.logLoss)")
    #expect(abs(margin - reference.margin) < 1e-7, "γ̄ \(margin) vs \(reference.margin)")
  }

  /// Unconstrained, t clock to t = 1000 (reference: 51 switch events, 7 sliding episodes).
  @Test func theUnconstrainedFlowMatchesTheReference() throws {
    let result = try Self.run("iris_std_w8") { $0.tEnd = 1000 }
    try Self.expectAgreement(result, with: "iris_std_w8")
  }

  /// Weight normalization with c = 1, and the Lagrange flow from the same weights, log-t clock to log t = 10.
  /// With ‖v_k‖ = 1 at the start, d‖v_k‖²/dt = 2⟨v_k, (g_k/‖v_k‖) P_k(G_k)⟩ = 0 keeps it 1, and then
  /// (ġ_k, v̇_k) = (⟨v̂_k, G_k⟩, g_k P_k(G_k)) is the Lagrange flow (ρ̇_k, V̇_k) term by term: one path, so one
  /// reference (the zoo's for the weight-normalized problem) serves both.
  @Test(arguments: [DynamicsKind.weightnorm, .lagrange])
  func theNormalizedFlowsMatchTheReferenceInTheLogTimeClock(dynamics: DynamicsKind) throws {
    let result = try Self.run("iris_std_w8_wn_c1_logt") {
      $0.dynamics = dynamics
      if dynamics == .weightnorm { $0.wnScale = [1] }
      $0.clock = .logT
      $0.logTEnd = 10
    }
    try Self.expectAgreement(result, with: "iris_std_w8_wn_c1_logt")
  }
}
