import Numerics
import Testing

@testable import GradientFlow

/// The OpenBLAS and loop kernels of ``NetworkEvaluator``, and any block size, compute the same
/// margins and gradient up to rounding.
@Suite struct KernelTests {
  @Test(arguments: [Activation.relu, .identity, .leakyRelu, .smoothRelu])
  func kernelsAndBlockSizesAgree(activation: Activation) throws {
    var random = SeededRandom(seed: 11)
    let n = 37
    let architecture = try Architecture(
      inputDimension: 4, hiddenWidths: [6, 5], activation: activation, gateWidth: 0.1)
    let inputs = (0..<(n * 4)).map { _ in random.gaussian() }
    let labels = (0..<n).map { $0 % 3 == 0 ? 1.0 : -1.0 }
    let theta = InitialWeights.gaussian(architecture: architecture, scale: 1.3, seed: 11)
    let c = (0..<n).map { _ in random.gaussian() }

    func evaluate(_ kernel: NetworkEvaluator.Kernel, blockRows: Int?) throws -> ([Double], [Double]) {
      let network = try NetworkEvaluator(
        architecture: architecture, inputs: inputs, labels: labels, kernel: kernel, blockRows: blockRows)
      var gradient = [Double](repeating: .nan, count: theta.count)
      network.forward(theta)
      network.backward(theta, outputWeights: c, gradient: &gradient)
      return (Array(UnsafeBufferPointer(start: network.margins, count: n)), gradient)
    }

    let (margins, gradient) = try evaluate(.blas, blockRows: nil)
    for (kernel, blockRows) in [(NetworkEvaluator.Kernel.loops, nil), (.blas, 5), (.loops, 8), (.blas, 1)] {
      let (otherMargins, otherGradient) = try evaluate(kernel, blockRows: blockRows)
      let scale = gradient.map(abs).max() ?? 1
      // Same sums in a different order: a few ulps of the largest entry.
      for (a, b) in zip(margins, otherMargins) {
        #expect(a.isApproximatelyEqual(to: b, absoluteTolerance: 1e-13, relativeTolerance: 1e-13))
      }
      for (a, b) in zip(gradient, otherGradient) {
        #expect(abs(a - b) <= 1e-13 * scale, "\(kernel), blockRows \(String(describing: blockRows))")
      }
    }
  }

  @Test func automaticUsesLoopsOnlyForTinyProblems() throws {
    let architecture = try Architecture(inputDimension: 2, hiddenWidths: [4])
    let tiny = try NetworkEvaluator(
      architecture: architecture, inputs: [Double](repeating: 1, count: 8), labels: [1, -1, 1, -1])
    #expect(!tiny.usesBLAS)
    let n = 200
    let large = try NetworkEvaluator(
      architecture: architecture, inputs: [Double](repeating: 1, count: 2 * n),
      labels: (0..<n).map { $0 % 2 == 0 ? 1 : -1 })
    #expect(large.usesBLAS)
  }
}
