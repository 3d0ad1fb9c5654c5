import Foundation
import ODE
import Testing

@testable import GradientFlow

/// Projected sliding (config key `sliding_correction`, ``SlidingCorrection``, ``SlidingProjection``): the
/// projection's algebra, that the crossing-corrected steps then start every step on the sliding pairs'
/// surfaces to round-off, and the zoo's random-label problems against their event-driven references
/// (benchmarks/zoo/references.json: numpy/scipy, independent of this package; self-checks ≤ 8e-13 in log L).
@Suite struct SlidingProjectionTests {
  static let zoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../benchmarks/zoo").standardized

  static func dot(_ a: [Double], _ b: ArraySlice<Double>) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

  @Test func oneSurfaceIsTheRankOneProjection() {
    let x: [Double] = [0.3, -1.7, 2.2]
    let w: [Double] = [1.1, 0.4, -0.9]
    let projection = SlidingProjection(inputs: x, inputDimension: 3, width: 1)
    var row = w
    let kept = row.withUnsafeMutableBufferPointer {
      projection.project(row: $0.baseAddress!, samples: { _ in 0 }, count: 1)
    }
    #expect(kept)
    // Closed form w − (w·x/‖x‖²) x, to a few ulps of ‖w‖.
    let factor = Self.dot(w, x[...]) / Self.dot(x, x[...])
    for i in 0..<3 { #expect(abs(row[i] - (w[i] - factor * x[i])) <= 2e-15) }
    // On the surface to round-off: |w·x| ≤ a few ε‖w‖‖x‖.
    let norms = (Self.dot(w, w[...]) * Self.dot(x, x[...])).squareRoot()
    #expect(abs(Self.dot(row, x[...])) <= 8 * Double.ulpOfOne * norms)
  }

  @Test func severalSurfacesMeetInTheirIntersectionAndDependentOnesAreDropped() {
    // d = 4; x_2 = x_0 + 2 x_1 lies in the span of the first two, so its row is dropped, yet its surface holds.
    let x: [[Double]] = [[1, 0.5, -0.2, 0.3], [0.1, -1, 0.4, 0.7], [1.2, -1.5, 0.6, 1.7], [-0.3, 0.2, 1.1, -0.5]]
    let w: [Double] = [0.7, -0.2, 0.9, 1.3]
    let projection = SlidingProjection(inputs: x.flatMap { $0 }, inputDimension: 4, width: 1)
    var row = w
    _ = row.withUnsafeMutableBufferPointer { projection.project(row: $0.baseAddress!, samples: { $0 }, count: 4) }
    let scale = (Self.dot(w, w[...])).squareRoot()
    for n in 0..<4 {
      // Round-off of a 3 × 3 Gram solve with condition number ~10: well below 1e-14 relative.
      #expect(abs(Self.dot(row, x[n][...])) <= 1e-14 * scale * Self.dot(x[n], x[n][...]).squareRoot(), "\(n)")
    }
    // The orthogonal projection: ‖w‖² = ‖w'‖² + ‖w − w'‖² (Pythagoras), to rounding.
    let shift = zip(w, row).map { $0 - $1 }
    #expect(abs(Self.dot(w, w[...]) - Self.dot(row, row[...]) - Self.dot(shift, shift[...])) <= 1e-14)
    #expect(Self.dot(shift, shift[...]) > 0.1)  // it did move
  }

  /// The corrected stepper on the zoo's random labels, stepped by hand to t = `tEnd`: the largest
  /// |w_j·x_n|/(‖w_j‖‖x_n‖) over the pairs the Filippov flow found sliding at the start of each step.
  static func largestSlidingOffset(correction: SlidingCorrection, tEnd: Double) throws -> (Double, Int) {
    var config = RunConfig()
    config.data = zoo.appendingPathComponent("data/randlab.csv").path
    config.initialWeights = zoo.appendingPathComponent("init/randlab_w16.json").path
    config.widths = [16]
    let setup = try RunSetup(config: config)
    let (inputs, labels) = (setup.dataset.inputs, setup.dataset.labels)
    let d = setup.dataset.dimension
    let stepper = try CrossingCorrectedStepper(
      architecture: setup.architecture, inputs: inputs, labels: labels, loss: .exponential,
      tolerances: Tolerances(relative: 1e-8, absolute: 1e-10, errorNorm: .rms), holdsChatter: true,
      slidingCorrection: correction)
    let flow = try #require(stepper.slidingFlow)
    var y = setup.initialWeights
    var (t, h) = (0.0, 1e-3)
    var largest = 0.0
    var checked = 0
    while t < tEnd {
      let result = y.withUnsafeMutableBufferPointer { stepper.step(t: &t, target: tEnd, h: &h, y: $0.baseAddress!) }
      try #require(result == .accepted)
      // The record is the last Filippov evaluation, at y (after a crossing or a projection: the true field at y;
      // else the frozen field's end-point rate); a step that started with no sliding pair used the plain field.
      guard stepper.holdsSlidingPairs else { continue }
      for i in 0..<flow.recordedSlidingCount {
        let (n, j) = flow.slidingPair(i)
        let w = y[(j * d)..<(j * d + d)]
        let x = Array(inputs[(n * d)..<(n * d + d)])
        let z = Self.dot(x, w)
        let norms = (Self.dot(Array(w), w) * Self.dot(x, x[...])).squareRoot()
        largest = max(largest, abs(z) / norms)
        checked += 1
      }
    }
    return (largest, checked)
  }

  @Test func projectedPairsStartEveryStepOnTheirSurfaces() throws {
    let (projected, checked) = try Self.largestSlidingOffset(correction: .projected, tEnd: 100)
    let (free, _) = try Self.largestSlidingOffset(correction: .free, tEnd: 100)
    #expect(checked > 100, "\(checked)")
    // Round-off of the projection and of the pair's z: a few ulps (measured 1.8e-16 over 9,584 checks to t = 100).
    #expect(projected <= 1e-14, "\(projected)")
    // Without the projection the offsets are the steps' local errors (measured up to 9.5e-6, inside the
    // widened bands of pairs held after chatter).
    #expect(free > 1e-12, "\(free)")
  }

  @Test(arguments: [("randlab_w16", Loss.exponential), ("randlab_w16_logistic", .logistic)])
  func randomLabelsMeetTheZooBounds(problem: String, loss: Loss) throws {
    let data = try Data(contentsOf: Self.zoo.appendingPathComponent("references.json"))
    let all = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let reference = try #require(all[problem] as? [String: Any])
    func run(_ correction: SlidingCorrection) throws -> (Double, Double) {
      var config = RunConfig()
      config.data = Self.zoo.appendingPathComponent("data/randlab.csv").path
      config.initialWeights = Self.zoo.appendingPathComponent("init/\(problem).json").path
      config.widths = [16]
      config.loss = loss
      config.tEnd = 1000
      config.slidingCorrection = correction
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-proj-\(UUID().uuidString)").path
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let result = try Run(setup: RunSetup(config: config), outputDirectory: dir).run()
      #expect(result.termination.isSuccess, "\(result.terminationMessage)")
      let logLoss = try #require(result.final["log_loss"])
      let margin = try #require(result.final["margin"])
      return (
        abs(logLoss - (try #require(reference["log_loss"] as? Double))),
        abs(margin - (try #require(reference["margin"] as? Double)))
      )
    }
    let (loss, margin) = try run(.projected)
    let (freeLoss, _) = try run(.free)
    // The zoo's criteria (issue 17: 1e-6 in the loss, 1e-7 in γ̄). Measured 5.2e-7 / 4.3e-8 (exponential) and
    // 7.4e-7 / 3.1e-8 (logistic); without the projection 3.5e-6 and 1.1e-5 in the loss.
    #expect(loss <= 1e-6, "\(loss)")
    #expect(margin <= 1e-7, "\(margin)")
    #expect(freeLoss > 2 * loss, "\(freeLoss) vs \(loss)")
  }
}
