import Foundation
import ODE
import Testing

@testable import GradientFlow

/// A problem that provably slides (THEORY §7.1): one ReLU unit, f(x) = a σ(w·x), exponential loss,
/// x_1 = (1, 0) with y_1 = +1 and x_2 = (1, 1) with y_2 = −1. On z_2 = w_1 + w_2 = 0 the forces are
/// a_1 = e^{−a z_1}, a_2 = e^{0} = 1: with slope 1 on pair 2, ż_2 = a(a_1 − 2) < 0; with slope 0,
/// ż_2 = a·a_1 > 0. So the flow is pushed onto z_2 = 0 from both sides, forever. The Filippov slope is
/// s = a_1/2 ∈ (0, 1/2), and with w = (u, −u) the sliding flow reduces to the smooth ODE
///
///   u̇ = a e^{−au}/2,   ȧ = u e^{−au}   (a² − 2u² conserved),
///
/// which a high-order stepper integrates to 1e-13.
@Suite struct SlidingTests {
  static let inputs: [Double] = [1, 0, 1, 1]
  static let labels: [Double] = [1, -1]
  static let architecture = try! Architecture(inputDimension: 2, hiddenWidths: [1])

  /// (u, a) of the reduced sliding ODE at t, by rk8pd at rtol 1e-13.
  static func reducedSolution(u0: Double, a0: Double, t: Double) throws -> (u: Double, a: Double) {
    let system = ClosureSystem(dimension: 2) { _, y, dydt in
      let e = exp(-y[0] * y[1])
      dydt[0] = y[1] * e / 2
      dydt[1] = y[0] * e
    }
    var options = SolverOptions()
    options.stepper = .rk8pd
    options.tolerances = Tolerances(relative: 1e-13, absolute: 1e-15)
    let solution = try ODESolver(system: system, options: options).solve(from: 0, to: t, initialState: [u0, a0])
    return (solution.finalState[0], solution.finalState[1])
  }

  static func solve(filippov: Bool, theta0: [Double], tEnd: Double, rtol: Double) throws -> ODESolution {
    let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
    let flow: any FlowDynamics =
      filippov
      ? try FilippovFlow(network: network, inputs: inputs, loss: .exponential)
      : UnconstrainedFlow(network: network, loss: .exponential)
    var options = SolverOptions()
    options.tolerances = Tolerances(relative: rtol, absolute: rtol * 1e-2)
    options.maxSteps = 200_000
    return try ODESolver(system: FlowSystem(dynamics: flow), options: options)
      .solve(from: 0, to: tEnd, initialState: theta0)
  }

  @Test func filippovFlowFollowsTheSlidingSolution() throws {
    let (u0, a0) = (0.5, 0.8)
    let tEnd = 100.0
    let solution = try Self.solve(filippov: true, theta0: [u0, -u0, a0], tEnd: tEnd, rtol: 1e-10)
    let exact = try Self.reducedSolution(u0: u0, a0: a0, t: tEnd)
    let w = solution.finalState
    #expect(solution.termination.isSuccess)
    // z_2 stays on the surface: ⟨x_2, ẇ⟩ = 0 at every stage is preserved by Runge–Kutta (1e-10: rounding
    // accumulated over the steps, held by the pull-back).
    #expect(abs(w[0] + w[1]) < 1e-10)
    // The trajectory is the Filippov solution to the integration tolerance (1e-10, over ~10 time constants).
    #expect(abs(w[0] - exact.u) < 1e-8 * exact.u)
    #expect(abs(w[2] - exact.a) < 1e-8 * exact.a)
    // Bounded cost: a smooth field for the stepper (the plain flow needs ~100× more, next test).
    #expect(solution.statistics.rhsEvaluations < 3_000)
  }

  @Test func plainFlowChattersOnTheSameProblem() throws {
    // The plain flow reaches only t ≈ 0.78 in a million steps at rtol 1e-8 (16M evaluations, measured
    // with gradflow); at rtol 1e-6 to t = 0.2 it is affordable and still ~100× dearer.
    let (u0, a0) = (0.5, 0.8)
    let plain = try Self.solve(filippov: false, theta0: [u0, -u0, a0], tEnd: 0.2, rtol: 1e-6)
    let filippov = try Self.solve(filippov: true, theta0: [u0, -u0, a0], tEnd: 0.2, rtol: 1e-6)
    let exact = try Self.reducedSolution(u0: u0, a0: a0, t: 0.2)
    #expect(plain.termination.isSuccess && filippov.termination.isSuccess)
    // Both approximate the same Filippov solution; the plain flow only by chattering across z_2 = 0,
    // with an error first order in the tolerance.
    #expect(abs(plain.finalState[2] - exact.a) < 1e-5 * exact.a)
    #expect(abs(filippov.finalState[2] - exact.a) < 1e-7 * exact.a)
    #expect(plain.statistics.rhsEvaluations > 20 * filippov.statistics.rhsEvaluations)
  }

  /// The exact solution from θ0 off the surface (z_2 > 0): the smooth flow with both pairs active until
  /// z_2 = 0 (located to 1e-10 relative), then the reduced sliding ODE, both by rk8pd at rtol 1e-13.
  static func enteringSolution(theta0: [Double], t: Double) throws -> [Double] {
    let smooth = ClosureSystem(dimension: 3) { _, y, dydt in
      let (z1, z2, a) = (y[0], y[0] + y[1], y[2])
      let (f1, f2) = (exp(-a * z1), exp(a * z2))
      dydt[0] = a * (f1 - f2)
      dydt[1] = -a * f2
      dydt[2] = f1 * z1 - f2 * z2
    }
    var options = SolverOptions()
    options.stepper = .rk8pd
    options.tolerances = Tolerances(relative: 1e-13, absolute: 1e-15)
    options.stopConditions = [StopCondition(name: "z2=0") { _, y in -(y[0] + y[1]) }]
    let entry = try ODESolver(system: smooth, options: options).solve(from: 0, to: t, initialState: theta0)
    let rest = try reducedSolution(u0: entry.finalState[0], a0: entry.finalState[2], t: t - entry.finalTime)
    return [rest.u, -rest.u, rest.a]
  }

  @Test func entryFromOffTheSurfaceMatchesTheFilippovSolution() throws {
    // Start with z_2 = 0.2 > 0: the smooth flow (both pairs active) drives z_2 to 0, then it slides.
    let theta0 = [0.6, -0.4, 0.9]
    let filippov = try Self.solve(filippov: true, theta0: theta0, tEnd: 20, rtol: 1e-10)
    let exact = try Self.enteringSolution(theta0: theta0, t: 20)
    #expect(abs(filippov.finalState[0] + filippov.finalState[1]) < 1e-9)
    // 1e-8: the entry into the kink band (η = 1e-7) is located by the error control, not exactly.
    for i in 0..<3 { #expect(abs(filippov.finalState[i] - exact[i]) < 1e-8 * abs(exact[i])) }
    #expect(filippov.statistics.rhsEvaluations < 5_000)
    // The per-neuron invariant a² − ‖w‖² holds for the Filippov flow too.
    let w = filippov.finalState
    let drift = (w[2] * w[2] - w[0] * w[0] - w[1] * w[1]) - (0.81 - 0.36 - 0.16)
    #expect(abs(drift) < 1e-7)  // rkf45 conserves it only to O(tol × steps) (THEORY §7.6)
  }

  @Test func detectorFindsTheSlidingPairAndTheFlowItsSlope() throws {
    let network = try NetworkEvaluator(architecture: Self.architecture, inputs: Self.inputs, labels: Self.labels)
    let theta: [Double] = [0.5, -0.5, 0.8]
    // q_1 = a u = 0.4, q_2 = 0: direction weights w_n = e^{−q_n}/Z, c_n = y_n w_n, and the Filippov slope
    // s = a_1/(2 a_2) = e^{−0.4}/2 gives ẇ = a (c_1 x_1 + s c_2 x_2) = (0.8/Z)(e^{−0.4}/2)(1, −1).
    let flow = try FilippovFlow(network: network, inputs: Self.inputs, loss: .exponential)
    var direction = [Double](repeating: 0, count: 3)
    _ = flow.velocity(state: theta, direction: &direction)
    let z = exp(-0.4) + 1
    #expect(flow.slidingPairCount == 1)
    #expect(abs(direction[0] - 0.8 / z * exp(-0.4) / 2) < 1e-15)
    #expect(abs(direction[1] + 0.8 / z * exp(-0.4) / 2) < 1e-15)  // ż_2 = ẇ_1 + ẇ_2 = 0
    let detector = SlidingPairDetector(inputs: Self.inputs, inputDimension: 2)
    let near = theta.withUnsafeBufferPointer { theta in
      network.forward(theta.baseAddress!)
      return detector.nearKinkPairs(network: network, theta: theta.baseAddress!)
    }
    #expect(near == [KinkPair(layer: 1, sample: 1, unit: 0)])
  }

  @Test func slopeSolverSatisfiesTheKKTConditions() {
    // Three coupled pairs: a random PSD Gram matrix, the box [lo, 0] and a mixed linear term.
    let solver = FilippovSlopeSolver(capacity: 3)
    let x: [[Double]] = [[1, 0.2], [0.3, 1], [1, 1]]
    let q: [Double] = [0.5, -0.7, 0.1]
    for i in 0..<3 {
      for j in 0..<3 { solver.gram[i * 3 + j] = x[i][0] * x[j][0] + x[i][1] * x[j][1] }
      solver.linear[i] = q[i]
      solver.lower[i] = -1
      solver.upper[i] = 0
      solver.status[i] = 0
    }
    #expect(solver.solve(size: 3))
    for i in 0..<3 {
      var g = q[i]
      for j in 0..<3 { g += solver.gram[i * 3 + j] * solver.solution[j] }
      let u = solver.solution[i]
      #expect(u >= -1 && u <= 0)
      // Interior ⇒ zero gradient; lower bound ⇒ g ≥ 0; upper bound ⇒ g ≤ 0 (tolerance: rounding of a 3×3 solve).
      if u > -1, u < 0 { #expect(abs(g) < 1e-12) } else if u == -1 { #expect(g >= -1e-12) } else { #expect(g <= 1e-12) }
    }
  }

  @Test func filippovNeedsATwoLayerReLUNet() throws {
    let architecture = try Architecture(inputDimension: 2, hiddenWidths: [2, 2])
    let network = try NetworkEvaluator(architecture: architecture, inputs: Self.inputs, labels: Self.labels)
    #expect(throws: ModelError.self) { try FilippovFlow(network: network, inputs: Self.inputs, loss: .exponential) }
  }

  @Test func diagnosticsReportChatteringAndItsAdvice() throws {
    let network = try NetworkEvaluator(architecture: Self.architecture, inputs: Self.inputs, labels: Self.labels)
    let flow = UnconstrainedFlow(network: network, loss: .exponential)
    let observer = try NetworkEvaluator(architecture: Self.architecture, inputs: Self.inputs, labels: Self.labels)
    let diagnostics = SlidingDiagnostics(architecture: Self.architecture, inputs: Self.inputs, band: 1e-4)
    var options = SolverOptions()
    options.tolerances = Tolerances(relative: 1e-6, absolute: 1e-8)
    options.liveStatistics = diagnostics.live
    options.saveSchedule = SaveSchedule(times: [0.1, 0.2], includeInitial: false, includeFinal: true)
    var rows: [[Double]] = []
    let solution = try ODESolver(system: FlowSystem(dynamics: flow), options: options).solve(
      from: 0, to: 0.2, initialState: [0.5, -0.5, 0.8], onSave: { _, _ in rows.append(diagnostics.takeInterval()) },
      onStep: { t, y in
        observer.forward(y.baseAddress!)
        diagnostics.update(t: t, network: observer, theta: y.baseAddress!)
      })
    let summary = diagnostics.summary(mode: .off, canUseFilippov: true)
    #expect(summary.pairs == 1)
    #expect(summary.top.first?.pair == KinkPair(layer: 1, sample: 1, unit: 0))
    #expect(summary.pairTime > 0.19)  // slides the whole run (the first few steps build the streak)
    #expect(summary.isChattering)
    #expect(summary.advice?.contains("--sliding filippov") == true)
    // Chatter under the crossing-corrected steps names filippov too (it helps there: docs/kinks.md, XOR).
    #expect(diagnostics.summary(mode: .corrected, canUseFilippov: true).advice?.contains("--sliding filippov") == true)
    #expect(diagnostics.summary(mode: .filippov, canUseFilippov: true).advice?.contains("--sliding filippov") == false)
    #expect(rows.count == 2 && rows.allSatisfy { $0[1] == 1 && $0[0] > 0.25 })
    let total =
      Double(solution.statistics.stepsRejected)
      / Double(solution.statistics.stepsAccepted + solution.statistics.stepsRejected)
    #expect(abs(summary.rejectedRatio - total) < 1e-12)
  }

  @Test func defaultsAreCorrectedWhereItAppliesAndRMS() throws {
    let defaults = try RunConfig.decode(Data("{}".utf8), source: "test")
    #expect(defaults.sliding == .auto && defaults.errorNorm == .rms)
    // A run.json written before `error_norm` and `sliding` were recorded ran with max/off, and replays so.
    let legacy = try RunConfig.decode(Data(#"{"config": {"t_end": 5}}"#.utf8), source: "run.json")
    #expect(legacy.sliding == .off && legacy.errorNorm == .max && legacy.tEnd == 5)
    #expect(legacy.alignmentVelocity == .backprop && RunConfig().alignmentVelocity == .flow)
    #expect(legacy.kinkSurfaces == .pairwise && RunConfig().kinkSurfaces == .merged)
    let recorded = try RunConfig.decode(
      Data(#"{"config": {"sliding": "filippov", "error_norm": "rms"}}"#.utf8), source: "run.json")
    #expect(recorded.sliding == .filippov && recorded.errorNorm == .rms)
    // `auto` resolves in the setup (so run.json records the policy that ran).
    func resolved(_ edit: (inout RunConfig) -> Void) throws -> SlidingMode {
      var config = RunConfig()
      config.n = 8
      config.tEnd = 1
      edit(&config)
      return try RunSetup(config: config).config.sliding
    }
    #expect(try resolved { _ in } == .corrected)
    #expect(try resolved { $0.widths = [4, 3] } == .corrected)
    #expect(try resolved { $0.widths = [] } == .off)  // a linear model has no kink
    #expect(try resolved { $0.activation = .leakyRelu } == .corrected)
    #expect(try resolved { $0.activation = .identity } == .off)
    // The normalized flows of one hidden ReLU layer take the crossing-corrected steps (in W, with FilippovFlow's
    // slopes), on coincident surfaces too when those steps project and hold sliding pairs (`normalized_kinks`
    // `relaxed` or `shared`; NormalizedPullBackTests checks such a run), else filippov there; deeper ReLU nets
    // take the deep Filippov slopes under the flows' layer metric (DeepNormalizedSlidingTests), and leaky ReLU keeps
    // σ'(0) = 0.
    #expect(try resolved { $0.dynamics = .lagrange } == .corrected)
    #expect(try resolved { $0.dynamics = .weightnorm } == .corrected)
    #expect(
      try resolved {
        $0.dynamics = .lagrange
        $0.generator = .r2
      } == .corrected)
    #expect(
      try resolved {
        $0.dynamics = .weightnorm
        $0.generator = .r2
        $0.normalizedKinks = .separate
      } == .filippov)
    #expect(
      try resolved {
        $0.dynamics = .lagrange
        $0.widths = [4, 3]
      } == .filippov)
    #expect(
      try resolved {
        $0.dynamics = .weightnorm
        $0.activation = .leakyRelu
      } == .off)
    #expect(try resolved { $0.gdStep = 0.1 } == .off)
    #expect(try resolved { $0.sliding = .off } == .off)
    // R2's samples come in mirror pairs x, −x (one kink surface each). The corrected steps merge the crossings of
    // such a class (`coincident_entries` `merged`, batched kernel): `auto` keeps them (CoincidentEntryTests
    // checks the limit against `exact` and the zoo). With per-sample entries it is filippov for one hidden ReLU
    // layer, as before the key existed.
    #expect(try resolved { $0.generator = .r2 } == .corrected)
    #expect(
      try resolved {
        $0.generator = .r2
        $0.coincidentEntries = .perSample
      } == .filippov)
    #expect(
      try resolved {
        $0.generator = .r2
        $0.crossingKernel = .perSample
      } == .filippov)
    #expect(
      try resolved {
        $0.generator = .r2
        $0.widths = [4, 3]
      } == .corrected)
    #expect(
      try resolved {
        $0.generator = .r2
        $0.activation = .leakyRelu
      } == .corrected)
    #expect(
      try resolved {
        $0.generator = .r2
        $0.sliding = .corrected
      } == .corrected)
  }

  @Test func errorNormIsAConfigKeyAndReachesTheSolver() throws {
    let config = try RunConfig.decode(Data(#"{"error_norm": "max"}"#.utf8), source: "test")
    #expect(config.errorNorm == .max)
    #expect(try RunConfig.decode(Data("{}".utf8), source: "test").errorNorm == .rms)
    #expect(throws: ConfigError.self) {
      try RunConfig.decode(Data(#"{"error_norm": "l2"}"#.utf8), source: "test")
    }
    // On the sliding problem the RMS control (3 components, a chattering one) is cheaper than the max one.
    func evaluations(_ norm: ErrorNorm) throws -> Int {
      let network = try NetworkEvaluator(architecture: Self.architecture, inputs: Self.inputs, labels: Self.labels)
      var options = SolverOptions()
      options.tolerances = Tolerances(relative: 1e-6, absolute: 1e-8, errorNorm: norm)
      let solution = try ODESolver(
        system: FlowSystem(dynamics: UnconstrainedFlow(network: network, loss: .exponential)), options: options
      ).solve(from: 0, to: 0.2, initialState: [0.5, -0.5, 0.8])
      #expect(solution.termination.isSuccess)
      return solution.statistics.rhsEvaluations
    }
    #expect(try evaluations(.rms) < evaluations(.max))
  }

  @Test func capacityOverflowsCountOncePerEvaluation() throws {
    // One unit w = (1, 0, 0), a = 1, and 300 negative samples x_n = (0, cos φ_n, sin φ_n) on its kink (attracting:
    // a·c_n < 0) beside one positive sample: more candidates than the solver's 256 for that unit. The φ_n are
    // distinct angles in (0, π), so no two samples share a surface (``CoincidentKinks`` would merge them).
    var inputs: [Double] = [1, 0, 0]
    var labels: [Double] = [1]
    for n in 0..<300 {
      let phi = 0.1 + 0.01 * Double(n)
      inputs += [0, cos(phi), sin(phi)]
      labels.append(-1)
    }
    let architecture = try Architecture(inputDimension: 3, hiddenWidths: [1])
    let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
    let flow = try FilippovFlow(network: network, inputs: inputs, loss: .exponential)
    let theta: [Double] = [1, 0, 0, 1]
    var direction = [Double](repeating: 0, count: 4)
    for calls in 1...3 {
      _ = flow.velocity(state: theta, direction: &direction)
      #expect(flow.overflowCount == calls)
    }
  }

  @Test func diagnosticsSeeAPairOfATinyUnit() throws {
    // w_0 = (1e-200, 1e-155, 0): ‖w_0‖ > 0 but ‖w_0‖² is below the normal range (1/‖w_0‖² = ∞), and
    // z = 1e-200 is on the kink (|z| ≤ η‖w_0‖‖x‖ = 0.02·1e-155). The row pre-filter cannot judge such a
    // unit, so it must stand aside and let the exact test count the pair: sliding from the fourth update on,
    // 5 time units of the 7.
    let architecture = try Architecture(inputDimension: 3, hiddenWidths: [2])
    let inputs: [Double] = [1, 0, 0]
    let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: [1])
    let theta: [Double] = [1e-200, 1e-155, 0, 1, 1, 1, 1, 1]
    network.forward(theta)
    let diagnostics = SlidingDiagnostics(architecture: architecture, inputs: inputs, band: 0.02)
    for step in 0..<8 { diagnostics.update(t: Double(step), network: network, theta: theta) }
    let summary = diagnostics.summary(mode: .off, canUseFilippov: true)
    #expect(summary.pairs == 1)
    #expect(summary.pairTime == 5)
  }
}
