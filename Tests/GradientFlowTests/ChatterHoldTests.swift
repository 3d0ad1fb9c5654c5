import Foundation
import ODE
import Testing

@testable import GradientFlow

/// The crossing-corrected steps hand a pair that chatters across its kink to the sliding set
/// (``ChatterMonitor``, config key `chatter`), on the conformance zoo's random-label problem (12 samples in
/// R², 16 ReLU units, benchmarks/zoo), against its event-driven reference (benchmarks/zoo/references.json:
/// numpy/scipy, independent of this package, self-check 8e-13 in log L).
@Suite struct ChatterHoldTests {
  static let zoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../benchmarks/zoo").standardized

  static func referenceLogLoss() throws -> Double {
    let data = try Data(contentsOf: zoo.appendingPathComponent("references.json"))
    let all = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let entry = try #require(all["randlab_w16"] as? [String: Any])
    return try #require(entry["log_loss"] as? Double)
  }

  static func run(chatter: ChatterTreatment, rtol: Double? = nil) throws -> RunResult {
    var config = RunConfig()
    config.data = zoo.appendingPathComponent("data/randlab.csv").path
    config.initialWeights = zoo.appendingPathComponent("init/randlab_w16.json").path
    config.widths = [16]
    config.tEnd = 1000
    config.sliding = .corrected
    config.chatter = chatter
    // The hold is measured where the correction does not keep sliding pairs on their kinks (`projected`, the
    // setting it was built under): with `kept` most of this problem's chatter is gone without the hold too
    // (13,444 evaluations against `projected`'s 117,091; docs/kinks.md "Crossings next to sliding pairs").
    config.slidingCorrection = .projected
    config.maxSteps = 400_000
    if let rtol {
      config.rtol = rtol
      config.atol = rtol * 1e-3
    }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-chatter-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let result = try Run(setup: RunSetup(config: config), outputDirectory: dir).run()
    #expect(result.termination.isSuccess, "\(result.terminationMessage)")
    return result
  }

  @Test func heldPairsEndTheChatter() throws {
    let reference = try Self.referenceLogLoss()
    let held = try Self.run(chatter: .hold)
    let ignored = try Self.run(chatter: .ignore)
    let heldError = abs(try #require(held.final["log_loss"]) - reference)
    let ignoredError = abs(try #require(ignored.final["log_loss"]) - reference)
    // Measured 4,853 against 117,091 evaluations (docs/kinks.md).
    #expect(held.statistics.rhsEvaluations * 5 < ignored.statistics.rhsEvaluations)
    // At the default rtol 1e-8 both carry the corrected steps' error on this problem (1.3e-5 and 2.5e-5 in
    // log L, measured): the hold must not add to it.
    #expect(heldError <= ignoredError)
  }

  @Test func heldPairsConvergeToTheReference() throws {
    // At rtol 1e-10 the held run is within 1e-7 of the reference in log L (measured 2.5e-9): the hold's wider
    // bands and pull-back do not bias the limit.
    let held = try Self.run(chatter: .hold, rtol: 1e-10)
    #expect(abs(try #require(held.final["log_loss"]) - (try Self.referenceLogLoss())) < 1e-7)
  }

  /// Features in the hundreds: log L(0) ≈ 150, so the field at the start is ~1e65 and h·F overflows the loss
  /// even after the 60 halvings that used to end the run ("the frozen-pattern field is not finite near t=0").
  @Test func correctedStepsStartFromAHugeLoss() throws {
    let architecture = try Architecture(inputDimension: 2, hiddenWidths: [2])
    let inputs: [Double] = [300, 1, -200, 2]
    let labels: [Double] = [1, -1]
    // a = (−1, 1): q_1 = −σ(w_1·x_1) + σ(w_2·x_1) ≈ −150.
    let theta0: [Double] = [0.5, 0.2, 0, -0.2, -1, 1]
    let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
    var options = SolverOptions()
    options.tolerances = Tolerances(relative: 1e-8, absolute: 1e-10, errorNorm: .rms)
    options.maxSteps = 200_000
    options.stepEngine = { _, tolerances throws(ODEError) in
      do {
        return try CrossingCorrectedStepper(
          architecture: architecture, inputs: inputs, labels: labels, loss: .exponential, tolerances: tolerances)
      } catch { throw .invalidOptions("\(error)") }
    }
    let solution = try ODESolver(
      system: FlowSystem(dynamics: UnconstrainedFlow(network: network, loss: .exponential)), options: options
    ).solve(from: 0, to: 10, initialState: theta0)
    #expect(solution.termination.isSuccess, "\(solution.termination)")
    let w = solution.finalState
    // a_j² − ‖w_j‖² is conserved by the flow (THEORY §7.6); rkf45-type steps keep it to O(tol × steps).
    func invariant(_ v: [Double], unit j: Int) -> Double {
      let (w1, w2, a) = (v[2 * j], v[2 * j + 1], v[4 + j])
      return a * a - w1 * w1 - w2 * w2
    }
    for j in 0..<2 {
      let (start, end) = (invariant(theta0, unit: j), invariant(w, unit: j))
      #expect(abs(end - start) < 1e-5, "unit \(j): \(start) → \(end)")
    }
    // The loss left e^150 behind: log L(10) < 1 (it can only decrease along the flow).
    var margins = [Double]()
    for n in 0..<2 {
      var f = 0.0
      for j in 0..<2 { f += w[4 + j] * max(0, w[2 * j] * inputs[2 * n] + w[2 * j + 1] * inputs[2 * n + 1]) }
      margins.append(labels[n] * f)
    }
    let largest = margins.map { -$0 }.max()!
    let logLoss = largest + log(margins.reduce(0.0) { $0 + exp(-$1 - largest) })
    #expect(logLoss < 1, "\(margins)")
  }
}
