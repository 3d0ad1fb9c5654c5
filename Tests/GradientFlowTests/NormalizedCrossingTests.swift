import CAllocCounter
import Foundation
import Numerics
import ODE
import Testing

@testable import GradientFlow

/// The normalized flows written in the weights (``NormalizedWeightField``) and their crossing-corrected
/// steps (``NormalizedCrossingStepper``, issue 17 item 4).
@Suite struct NormalizedCrossingTests {
  static let architecture = try! Architecture(inputDimension: 3, hiddenWidths: [4])
  static let inputs: [Double] = [1, 0.5, 1, -0.3, 1, 1, 0.7, -1, 1, -1, -0.2, 1, 0.2, 0.9, 1]
  static let labels: [Double] = [1, -1, 1, -1, 1]
  /// An unbalanced start (ρ_1 ≠ ρ_2, so a_1 ≠ a_2) away from every kink.
  static let theta: [Double] = [
    0.9, -0.2, 0.1, -0.4, 0.8, 0.3, 0.5, 0.6, -0.2, -0.7, -0.1, 0.4, 1.1, -0.6, 0.9, 0.35,
  ]

  /// M(W)·G(W) is the chain rule of the (g, v) flows: d/dt W(state) = (W(state + ε ẏ) − W(state − ε ẏ))/2ε
  /// with ẏ the Lagrange or weight-normalized velocity (their own code), for c = 1 and c = (0.5, 2).
  @Test(arguments: [[1.0], [0.5, 2]])
  func fieldInWeightsIsTheChainRuleOfTheNormalizedFlows(scales: [Double]) throws {
    let network = try NetworkEvaluator(
      architecture: Self.architecture, inputs: Self.inputs, labels: Self.labels)
    let flow: any FlowDynamics =
      scales == [1]
      ? LagrangeFlow(network: network, loss: .exponential)
      : try WeightNormFlow(network: network, loss: .exponential, scales: scales)
    let state = try flow.initialState(weights: Self.theta)
    var rate = [Double](repeating: 0, count: state.count)
    let velocity = state.withUnsafeBufferPointer { flow.velocity(state: $0.baseAddress!, direction: &rate) }
    let scale = exp(velocity.logScale)
    func weights(_ s: Double) -> [Double] {
      let moved = zip(state, rate).map { $0 + s * scale * $1 }
      var w = [Double](repeating: 0, count: Self.theta.count)
      moved.withUnsafeBufferPointer { flow.weights(from: $0.baseAddress!, into: &w) }
      return w
    }
    let epsilon = 1e-6
    let (plus, minus) = (weights(epsilon), weights(-epsilon))
    let chainRule = zip(plus, minus).map { ($0 - $1) / (2 * epsilon) }

    let weightNetwork = try NetworkEvaluator(
      architecture: Self.architecture, inputs: Self.inputs, labels: Self.labels)
    let inWeights = NormalizedWeightFlow(
      base: UnconstrainedFlow(network: weightNetwork, loss: .exponential),
      field: NormalizedWeightField(architecture: Self.architecture, scales: scales))
    var field = [Double](repeating: 0, count: Self.theta.count)
    let fieldVelocity = Self.theta.withUnsafeBufferPointer {
      inWeights.velocity(state: $0.baseAddress!, direction: &field)
    }
    #expect(fieldVelocity.weightedMargin.isApproximatelyEqual(to: velocity.weightedMargin, relativeTolerance: 1e-13))
    let size = field.map(abs).max()!
    for i in field.indices {
      // Central differences with ε = 1e-6 on entries of order 1: truncation ~1e-12, rounding ~1e-10.
      let value = exp(fieldVelocity.logScale) * field[i]
      #expect(abs(value - chainRule[i]) < 1e-8 * size, "entry \(i): \(value) vs \(chainRule[i])")
    }
  }

  /// On a first-layer kink a flip changes the field by a_1 = ρ_1²/c_1² times the unconstrained change:
  /// M·ΔG = a_1 ΔG when ΔG lies in row j of G_1 along x_n and W_1[j, :]·x_n = 0.
  @Test func aFlipOnAKinkScalesByTheTangentFactor() {
    let field = NormalizedWeightField(architecture: Self.architecture, scales: [0.5])
    var theta = Self.theta
    // Put unit 0 on the kink of sample 0: W_1[0, :]·x_0 = 0 (move its third entry).
    let x0 = Array(Self.inputs[0..<3])
    theta[2] = -(theta[0] * x0[0] + theta[1] * x0[1]) / x0[2]
    var delta = [Double](repeating: 0, count: theta.count)
    for i in 0..<3 { delta[i] = 0.7 * x0[i] }
    let expected = delta.map { $0 * field.tangentFactor(layer: 0, theta: theta) }
    theta.withUnsafeBufferPointer { field.apply(theta: $0.baseAddress!, to: &delta) }
    let layer1 = theta[0..<12].reduce(0) { $0 + $1 * $1 }
    #expect(
      field.tangentFactor(layer: 0, theta: theta).isApproximatelyEqual(to: layer1 / 0.25, relativeTolerance: 1e-14))
    for i in delta.indices { #expect(abs(delta[i] - expected[i]) < 1e-14 * layer1, "entry \(i)") }
  }

  static let problemS = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("benchmarks/problems/S_s0").path

  private func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("gf-normcross-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  private func run(_ dir: String, _ name: String, _ edit: (inout RunConfig) -> Void) throws -> RunResult {
    var config = RunConfig()
    config.data = Self.problemS + "/data.csv"
    config.initialWeights = Self.problemS + "/weights.json"
    config.rtol = 1e-8
    config.atol = 1e-10
    edit(&config)
    let result = try Run(setup: RunSetup(config: config), outputDirectory: dir + "/" + name).run()
    #expect(result.termination.isSuccess, "\(name): \(result.terminationMessage)")
    return result
  }

  /// Benchmark problem S (`--rtol 1e-8 --atol 1e-10`): the default (`auto` → `corrected`, steps in W) against
  /// `--sliding filippov` at rtol 1e-10, which integrates (ρ_k, V_k) or (g_k, v_k) with GSL and sees each crossing
  /// by its step control — other coordinates and another kink treatment. Issue 17's accuracy bounds: 1e-6
  /// relative in the loss, 1e-7 absolute in γ̄. Lagrange to t = 1e4 passes near t ≈ 7,600, where one sample
  /// meets the kinks of ten near-parallel units at once (stopping that sample at its first sliding entry left
  /// the loss 2.7e-6 off); weight normalization with c = 0.5 to t = 1e3.
  @Test(arguments: [("lagrange", 1e4), ("weightnorm", 1e3)])
  func defaultsMatchTheFilippovFlowInItsOwnCoordinates(dynamics: String, tEnd: Double) throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    func configure(_ config: inout RunConfig) {
      config.dynamics = DynamicsKind(rawValue: dynamics)!
      config.tEnd = tEnd
      if dynamics == "weightnorm" { config.wnScale = [0.5] }
    }
    let corrected = try run(dir, "corrected") { configure(&$0) }
    let reference = try run(dir, "reference") {
      configure(&$0)
      $0.sliding = .filippov
      $0.rtol = 1e-10
      $0.atol = 1e-12
    }
    let (loss, referenceLoss) = (try #require(corrected.final["loss"]), try #require(reference.final["loss"]))
    let (margin, referenceMargin) = (try #require(corrected.final["margin"]), try #require(reference.final["margin"]))
    #expect(abs(loss / referenceLoss - 1) < 1e-6, "loss \(loss) vs \(referenceLoss)")
    #expect(abs(margin - referenceMargin) < 1e-7, "γ̄ \(margin) vs \(referenceMargin)")
    // In W the norms ‖v_k‖ = c_k hold by construction: the drift is round-off.
    #expect(abs(try #require(corrected.final["v_norm_drift_1"])) < 1e-14)
  }

  /// The normalized engine's steps (the maps between (g, v) and W, the inner steps with M) allocate nothing,
  /// with and without the sliding projection and chatter hold, and with the stiff mode's refreshes and exponential
  /// steps (``NormalizedKinks``).
  @Test(arguments: [NormalizedKinks.separate, .shared, .exponential])
  func stepsAllocateNothing(kinks: NormalizedKinks) throws {
    try #require(alloc_counter_available() == 1, "allocation counting needs glibc")
    let (architecture, inputs, labels, theta0) = try CrossingCorrectionTests.blobs(widths: [8])
    let field = NormalizedWeightField(architecture: architecture, scales: [0.5])
    let inner = try CrossingCorrectedStepper(
      architecture: architecture, inputs: inputs, labels: labels, loss: .exponential,
      tolerances: Tolerances(relative: 1e-8, absolute: 1e-10, errorNorm: .rms), holdsChatter: true,
      normalization: field, normalizedKinks: kinks)
    let stepper = NormalizedCrossingStepper(inner: inner, architecture: architecture, field: field)
    let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
    let state = try WeightNormFlow(network: network, loss: .exponential, scales: [0.5]).initialState(weights: theta0)
    let y = UnsafeMutablePointer<Double>.allocate(capacity: state.count)
    defer { y.deallocate() }
    y.initialize(from: state, count: state.count)
    var (t, h) = (0.0, 1e-4)
    // Warm-up: the first steps set up the runtime's lazy type metadata once.
    for _ in 0..<60 { _ = stepper.step(t: &t, target: 1e6, h: &h, y: y) }
    let crossingsBefore = inner.crossings
    alloc_counter_start()
    var failed = 0
    for _ in 0..<150 where stepper.step(t: &t, target: 1e6, h: &h, y: y) != .accepted { failed += 1 }
    let count = alloc_counter_stop()
    #expect(failed == 0 && t < 1e6)
    #expect(count == 0)
    #expect(inner.crossings > crossingsBefore)  // the counted steps did cross
    // ‖v_k‖ = c_k after the steps, to round-off.
    for k in 0..<architecture.depth {
      let (offset, size) = (architecture.offset(ofLayer: k + 1), architecture.size(ofLayer: k + 1))
      var squared = 0.0
      for i in offset..<(offset + size) { squared += y[architecture.depth + i] * y[architecture.depth + i] }
      #expect(abs(squared.squareRoot() - 0.5) < 1e-14)
    }
  }

  /// `--sliding corrected` with a normalized flow needs one hidden ReLU layer and the flow (usage errors otherwise).
  @Test func correctedRefusesWhatItDoesNotCover() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let cases: [(String, (inout RunConfig) -> Void)] = [
      ("one hidden layer only", { $0.widths = [4, 4] }),
      ("one hidden layer only", { $0.activation = .leakyRelu }),
      ("not to gradient descent", { $0.gdStep = 0.1 }),
    ]
    for (message, edit) in cases {
      var config = RunConfig()
      config.n = 8
      config.widths = [4]
      config.tEnd = 1
      config.dynamics = .lagrange
      config.sliding = .corrected
      edit(&config)
      #expect {
        try Run(setup: RunSetup(config: config), outputDirectory: dir + "/run").run()
      } throws: { error in
        guard case RunError.usage(let text) = error else { return false }
        return text.contains(message)
      }
    }
  }
}
