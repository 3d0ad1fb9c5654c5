import Foundation
import Numerics
import Testing

@testable import GradientFlow

/// Gradient descent is explicit Euler on the flow: at equal t = kη its distance to the flow is O(η).
@Suite struct GradientDescentTests {
  private func finalWeights(_ configure: (inout RunConfig) -> Void) throws -> [Double] {
    var config = RunConfig()
    config.generator = .blobs
    config.n = 20
    config.widths = []  // linear model: smooth, so the O(η) law is clean
    config.tEnd = 10
    config.saves = 5
    configure(&config)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-gd-\(UUID().uuidString)").path
    let result = try Run(setup: RunSetup(config: config), outputDirectory: dir).run()
    #expect(result.termination.isSuccess, "\(result.terminationMessage)")
    return result.finalWeights
  }

  @Test func gradientDescentConvergesToTheFlowAtFirstOrder() throws {
    let flow = try finalWeights {
      $0.rtol = 1e-12
      $0.atol = 1e-14
    }
    let errors = try [0.04, 0.02, 0.01].map { eta in
      let gd = try finalWeights { $0.gdStep = eta }
      return zip(gd, flow).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
    // Euler's global error is C η + O(η²): halving η halves the error (ratio 2 within 20%).
    #expect(errors[0] / errors[1] > 1.6 && errors[0] / errors[1] < 2.4, "\(errors)")
    #expect(errors[1] / errors[2] > 1.6 && errors[1] / errors[2] < 2.4, "\(errors)")
  }

  /// Runs gradient descent through the solver and returns the result (it may fail).
  private func run(_ configure: (inout RunConfig) -> Void) throws -> RunResult {
    var config = RunConfig()
    config.generator = .blobs
    config.n = 12
    config.widths = [4]
    config.saves = 5
    configure(&config)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-gd-\(UUID().uuidString)").path
    return try Run(setup: RunSetup(config: config), outputDirectory: dir).run()
  }

  @Test func gradientDescentObeysTheSolversLimits() throws {
    // GD is a fixed-step engine of the solver, so the step and wall-clock limits apply to it as to the flow
    // (the wall-clock limit was ignored when GD ran its own loop; the step limit is checked up front).
    let wall = try run {
      $0.gdStep = 1e-5
      $0.tEnd = 100
      $0.maxSteps = 100_000_000
      $0.maxWallSeconds = 0.2
    }
    #expect(wall.termination.kind == .wallClock)
    #expect(wall.finalT < 100)
  }

  @Test func divergedGradientDescentFailsAndKeepsTheLastFiniteIterate() throws {
    // η = 10 on blobs: the loss overflows within a few iterates. The run must fail (not report success)
    // and its final weights are finite.
    let result = try run {
      $0.gdStep = 10
      $0.tEnd = 1000
    }
    #expect(!result.termination.isSuccess, "\(result.terminationMessage)")
    #expect(result.terminationMessage.contains("lower --gd-step"))
    #expect(result.finalWeights.allSatisfy { $0.isFinite })
  }

  @Test func savesLandOnTheFirstIterateAtOrPastEachSaveTime() throws {
    // Save times are log-spaced; with η = 0.3 none but t_end is an iterate: each row is the first kη ≥ a save time.
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-gd-\(UUID().uuidString)").path
    var config = RunConfig()
    config.generator = .blobs
    config.n = 12
    config.widths = [4]
    config.saves = 4
    config.tEnd = 30
    config.gdStep = 0.3
    _ = try Run(setup: RunSetup(config: config), outputDirectory: dir).run()
    let rows = try String(contentsOfFile: dir + "/trajectory.csv", encoding: .utf8).split(separator: "\n").dropFirst()
    let times = rows.map { Double($0.split(separator: ",")[0])! }
    // Several save times can fall before one iterate: it is saved once.
    var expected: [Double] = [0]
    for time in config.saveTimes {
      let iterate = (time / 0.3).rounded(.up) * 0.3
      if abs(iterate - expected.last!) > 1e-9 { expected.append(iterate) }
    }
    #expect(times.count == expected.count, "\(times) vs \(expected)")
    for (t, e) in zip(times, expected) { #expect(abs(t - e) <= 1e-9 * max(1, e), "\(times) vs \(expected)") }
  }
}
