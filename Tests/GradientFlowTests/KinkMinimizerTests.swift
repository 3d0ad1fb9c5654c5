import Foundation
import Testing

@testable import GradientFlow

/// A minimizer of the loss that lies on a kink (non-separable data, a sample on z_nj = 0 there) is
/// Clarke-stationary: the velocity the flow follows vanishes, the one-sided backprop gradient does not
/// (config key `minimizer_velocity`, ``MinimizerVelocity``).
@Suite struct KinkMinimizerTests {
  /// 40 moons with a bias feature on a 2-unit ReLU net, init scale 3: no two units separate them, and the
  /// flow ends on a kink (found with benchmarks/audit.py).
  static func config() -> RunConfig {
    var config = RunConfig()
    config.generator = .moons
    config.n = 40
    config.biasFeature = true
    config.widths = [2]
    config.loss = .logistic
    config.initScale = 3
    config.seed = 37
    config.tEnd = 1e4
    return config
  }

  static func run(_ config: RunConfig) throws -> (RunSetup, RunResult) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-kmin-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let setup = try RunSetup(config: config)
    return (setup, try Run(setup: setup, outputDirectory: dir).run())
  }

  @Test func theFlowsVelocityVanishesWhereTheBackpropGradientDoesNot() throws {
    // The event-driven reference keeps the sliding pair on its kink to round-off; `flow` (the field this test
    // is about) stops at r ≤ 1e-12.
    var config = Self.config()
    config.minimizerVelocity = .flow
    config.sliding = .exact
    config.rtol = 1e-12
    config.atol = 1e-14
    let (setup, result) = try Self.run(config)
    #expect(result.termination.kind == .reachedMinimizer, "\(result.terminationMessage)")
    let (architecture, inputs, labels) = (setup.problem.architecture, setup.dataset.inputs, setup.dataset.labels)
    let theta = result.finalWeights
    // Some pair sits on its kink: |w_j·x_n| ≤ 1e-12 ‖w_j‖‖x_n‖.
    let d = architecture.inputDimension
    var onKink = 0
    for j in 0..<2 {
      let w = Array(theta[(j * d)..<(j * d + d)])
      for n in 0..<labels.count {
        let x = Array(inputs[(n * d)..<(n * d + d)])
        let z = zip(w, x).map(*).reduce(0, +)
        let scale = w.map { $0 * $0 }.reduce(0, +).squareRoot() * x.map { $0 * $0 }.reduce(0, +).squareRoot()
        if abs(z) <= 1e-12 * scale { onKink += 1 }
      }
    }
    #expect(onKink > 0)
    func ratio(withField: Bool) throws -> Double {
      let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
      let field =
        withField
        ? try FilippovFlow(
          network: NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels), inputs: inputs,
          loss: .logistic, band: KinkOptions.defaultBand(rtol: 1e-8)) : nil
      let test = MinimizerTest(
        dynamics: UnconstrainedFlow(network: network, loss: .logistic), network: network, loss: .logistic,
        velocityField: field)
      return theta.withUnsafeBufferPointer { test.evaluate($0).ratio }
    }
    // The stop holds at r ≤ 1e-12 (``MinimizerTest/threshold``). The backprop gradient leaves out the force
    // of the sample on the kink, of the size of the others' (r = 2.2e-3 measured); the flow's velocity is the
    // minimizer's round-off (measured 5e-13).
    #expect(try ratio(withField: false) > 1e-6)
    #expect(try ratio(withField: true) <= MinimizerTest.threshold)
  }

  @Test func theDefaultsEndAtTheSameMinimizer() throws {
    let (_, reference) = try Self.run(
      {
        var config = Self.config()
        config.sliding = .exact
        config.rtol = 1e-12
        config.atol = 1e-14
        return config
      }())
    for clock in [Clock.t, .logT] {
      var config = Self.config()
      config.clock = clock
      if clock == .logT { config.logTEnd = 12 }
      let (_, result) = try Self.run(config)
      #expect(result.termination.kind == .reachedMinimizer, "\(clock): \(result.terminationMessage)")
      // Both stop at r ≤ 1e-10 (``MinimizerVelocity/clarke``): L − L* ≲ ‖∇L‖²/λ_min, far below 1e-10 in log L.
      let gap = abs(try #require(result.final["log_loss"]) - (try #require(reference.final["log_loss"])))
      #expect(gap < 1e-10, "\(clock): \(gap)")
    }
  }
}

/// A minimizer where some pairs leave their kink exactly at the limit (their Filippov slope is 0 or 1: "edge
/// shares"), and round-off has put the state on the side of such a kink whose ReLU slope is the other bound
/// (``MinimizerVelocity/clarke``). The state is the end of
/// `gradflow simulate --data examples/data/diabetes-above-median-std.csv --widths 8 --seed 0 --t-end 1000`
/// under `minimizer_velocity` `flow` (Tests/Fixtures/diabetes-w8-minimizer.json): 32 pairs within 3e-13 of their
/// kinks (|z|/(‖w‖‖x‖)), nine of them with slopes within 2e-5 of 0 or 1 in the least-norm element of the Clarke
/// set (five at 1 or 0.999997, four between 2e-7 and 2e-5).
@Suite struct EdgeShareMinimizerTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
    .standardized

  @Test func theLeastNormVelocityVanishesWhereTheFlowsSlopesDoNot() throws {
    var config = RunConfig()
    config.data = Self.root.appendingPathComponent("examples/data/diabetes-above-median-std.csv").path
    config.initialWeights = Self.root.appendingPathComponent("Tests/Fixtures/diabetes-w8-minimizer.json").path
    config.widths = [8]
    let setup = try RunSetup(config: config)
    let (architecture, inputs, labels) = (setup.architecture, setup.dataset.inputs, setup.dataset.labels)
    func report(_ field: (any FlowDynamics & FilippovCounting)?, leastNorm: Bool) throws -> MinimizerTest.Report {
      let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
      let test = MinimizerTest(
        dynamics: UnconstrainedFlow(network: network, loss: .exponential), network: network, loss: .exponential,
        velocityField: field, leastNorm: leastNorm)
      return setup.initialWeights.withUnsafeBufferPointer { test.evaluate($0) }
    }
    let flowField = try FilippovFlow(
      network: NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels), inputs: inputs,
      loss: .exponential, band: setup.solve.kinks.band)
    let leastNorm = try SlidingSetup.makeStationarityField(
      kinks: setup.solve.kinks, problem: setup.problem, blocks: setup.solve.networkBlocks)
    let backprop = try report(nil, leastNorm: false)
    let flow = try report(flowField, leastNorm: false)
    let clarke = try report(leastNorm, leastNorm: true)
    // The flow's slopes hold the edge pairs at the slope of their side: r = 0.51 measured, of the size of the
    // backprop gradient's (0.65); the least-norm element is the minimizer's round-off (7.7e-12 measured).
    #expect(backprop.ratio > 1e-2)
    #expect(flow.ratio > 1e-2)
    #expect(clarke.ratio <= MinimizerTest.leastNormThreshold, "\(clarke.ratio)")
    // Independent: scipy's bounded least squares (lsq_linear, method bvls) over the slopes of the 32 pairs in
    // [0, 1] gives min ‖∇L‖ = 5.9e-10 at this state (ρ = 24.3, L = 221.448; this test measures 6.0e-10); the
    // QP's dual tolerance (1e-12 of the forces) allows ‖∇L‖ up to about L·1e-12·‖x‖-sized terms, so 1e-8
    // bounds both.
    #expect(clarke.gradientNorm <= 1e-8, "\(clarke.gradientNorm)")
    #expect(abs(clarke.logLoss - 5.40018978849199) < 1e-12)
  }
}

/// `stiff_minimizer` `early` (``StiffMinimizer``): at a minimizer the corrected steps sit at their stability limit
/// and jitter at the tolerance's level, so the minimizer test waits for the switch to msbdf, which the kinked
/// rule made only after its 2,000-step warm-up. Random problem 2 of `benchmarks/audit.py --count 30 --seed
/// 20261207`: random labels, n = 10, a 2-unit ReLU net, init scale 3, seed 16.
@Suite struct StiffMinimizerTests {
  static func run(_ edit: (inout RunConfig) -> Void) throws -> RunResult {
    var config = RunConfig()
    config.generator = .randomLabels
    config.n = 10
    config.widths = [2]
    config.initScale = 3
    config.seed = 16
    config.tEnd = 1000
    edit(&config)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-stiffmin-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try Run(setup: try RunSetup(config: config), outputDirectory: dir).run()
  }

  @Test func theDefaultsEndAtTheMinimizerWithoutWaitingOutTheWarmUp() throws {
    let defaults = try Self.run { _ in }
    let waited = try Self.run { $0.stiffMinimizer = .warmUp }
    // The independent path: every switch located to round-off (rk8pd pieces), the sliding pair held on its kink.
    let reference = try Self.run {
      $0.sliding = .exact
      $0.rtol = 1e-12
      $0.atol = 1e-14
    }
    let exact = try Self.run { $0.sliding = .exact }
    for result in [defaults, waited, reference, exact] {
      #expect(result.termination.kind == .reachedMinimizer, "\(result.terminationMessage)")
    }
    // The loss is flat at the minimizer (L − L* ≈ ‖∇L‖²/2λ_min): the same log L* to 1e-12 (measured equal).
    let logLoss = try #require(reference.final["log_loss"])
    for result in [defaults, waited] {
      #expect(abs(try #require(result.final["log_loss"]) - logLoss) < 1e-12)
    }
    // Measured: 2,075 evaluations (msbdf from t = 10.3) against 23,919 (from t = 300) and the exact engine's
    // 3,108 at the same tolerances; the zoo's cost rule is 2× the cheapest accurate policy.
    let cost = defaults.statistics.rhsEvaluations
    #expect(cost <= 2 * exact.statistics.rhsEvaluations, "\(cost) vs exact \(exact.statistics.rhsEvaluations)")
    #expect(5 * cost < waited.statistics.rhsEvaluations, "\(cost) vs \(waited.statistics.rhsEvaluations)")
    #expect(defaults.statistics.stepperSwitches.first.map { $0.time < 100 } == true)
  }
}
