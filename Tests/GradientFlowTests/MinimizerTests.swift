import Foundation
import Testing

@testable import GradientFlow

/// Non-separable data: the flow ends at the minimizer of the loss with `reachedMinimizer` in every
/// clock, at the point an independent Newton solve of ∇L = 0 finds.
@Suite struct MinimizerTests {
  /// Newton's method on L(w) = Σ_n exp(−y_n w·x_n) (convex; the Hessian is positive definite on
  /// non-separable data that span the space), from w = 0 to ‖∇L‖ at round-off.
  static func newtonMinimizer(inputs: [Double], labels: [Double], dimension d: Int) -> [Double] {
    var w = [Double](repeating: 0, count: d)
    for _ in 0..<100 {
      var g = [Double](repeating: 0, count: d)
      var h = [Double](repeating: 0, count: d * d)
      for n in 0..<labels.count {
        let z = (0..<d).map { labels[n] * inputs[n * d + $0] }
        let a = exp(-zip(z, w).map(*).reduce(0, +))
        for i in 0..<d {
          g[i] -= a * z[i]
          for j in 0..<d { h[i * d + j] += a * z[i] * z[j] }
        }
      }
      // Solve H Δ = g by Gaussian elimination with partial pivoting.
      var m = h
      var r = g
      for c in 0..<d {
        let p = (c..<d).max { abs(m[$0 * d + c]) < abs(m[$1 * d + c]) }!
        for k in 0..<d { m.swapAt(c * d + k, p * d + k) }
        r.swapAt(c, p)
        for i in (c + 1)..<d {
          let f = m[i * d + c] / m[c * d + c]
          for k in c..<d { m[i * d + k] -= f * m[c * d + k] }
          r[i] -= f * r[c]
        }
      }
      var step = [Double](repeating: 0, count: d)
      for i in stride(from: d - 1, through: 0, by: -1) {
        var s = r[i]
        for k in (i + 1)..<d { s -= m[i * d + k] * step[k] }
        step[i] = s / m[i * d + i]
      }
      for i in 0..<d { w[i] -= step[i] }
      if step.map(abs).max()! < 1e-15 * max(1, w.map(abs).max()!) { break }
    }
    return w
  }

  @Test(arguments: [Clock.t, .logT, .auto, .rho])
  func linearNonSeparableEndsAtTheNewtonMinimizer(clock: Clock) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-min-\(UUID().uuidString)").path
    var config = RunConfig()
    config.generator = .randomLabels
    config.n = 20
    config.widths = []
    config.clock = clock
    config.tEnd = 1e6
    config.checkAtEnd = true  // the checker's verdict on the same run must agree: not separable
    let setup = try RunSetup(config: config)
    let result = try Run(setup: setup, outputDirectory: dir).run()
    #expect(result.termination.kind == .reachedMinimizer, "\(result.terminationMessage)")
    let d = setup.dataset.dimension
    let newton = Self.newtonMinimizer(inputs: setup.dataset.inputs, labels: setup.dataset.labels, dimension: d)
    for i in 0..<d {
      // r ≤ 1e-12 at the stop bounds ‖w − w*‖ ≲ ‖∇L‖/λ_min ≈ 1e-11 here; 1e-8 leaves room for the
      // conditioning of this 2-feature problem.
      #expect(abs(result.finalWeights[i] - newton[i]) <= 1e-8, "w[\(i)] \(result.finalWeights[i]) vs \(newton[i])")
    }
    let minimizer = try #require(result.minimizer)
    #expect(minimizer.misclassified.count > 0)
    #expect(minimizer.gradientNorm < 1e-9)
    #expect(result.check == .notSeparable, "check: \(String(describing: result.check)) \(result.checkFailure ?? "")")
  }

  @Test("--stop-when-separated on data that are never separated ends at the minimizer too")
  func stopWhenSeparatedEndsAtTheMinimizer() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-min-\(UUID().uuidString)").path
    var config = RunConfig()
    config.generator = .randomLabels
    config.n = 20
    config.widths = []
    config.stopWhenSeparated = true
    config.tEnd = 1e6
    let result = try Run(setup: try RunSetup(config: config), outputDirectory: dir).run()
    #expect(result.termination.kind == .reachedMinimizer, "\(result.terminationMessage)")
  }

  @Test("a run.json recorded without stop_at_minimizer replays without the minimizer stop")
  func legacyRunsHaveNoMinimizerStop() throws {
    let json = #"{"config": {"generator": "random-labels", "n": 20, "widths": [], "t_end": 100}}"#
    let config = try RunConfig.decode(Data(json.utf8), source: "run.json")
    #expect(config.stopAtMinimizer == false)
    #expect(config.stepper == nil)  // and the per-phase stepper choice of those runs
    #expect(config.stepper(forClock: .t) == .rkf45)
    let fresh = try RunConfig.decode(Data(#"{"t_end": 100}"#.utf8), source: "config.json")
    #expect(fresh.stopAtMinimizer && fresh.stepper == .auto)
  }
}
