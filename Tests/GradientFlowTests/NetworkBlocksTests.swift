import Testing

@testable import GradientFlow

/// ``NetworkBlocks``: the block sizes each rule picks, and that the `small-gemm` blocks of a wide layer give
/// the margins and gradient of the loop kernel (an independent implementation: plain loops over all rows
/// in one block) up to rounding; and that the fused last-layer pass of backprop (``NetworkEvaluator``)
/// gives under a frozen pattern equal to σ'(Z) exactly the values of the unfrozen pass.
@Suite struct NetworkBlocksTests {
  @Test func rowsPerRule() {
    // L (51 → 512 → 1): 2¹⁸/(8·512) = 64 rows for the cache; 10⁶/(51·512) = 38.3 → 32 (a multiple of 8).
    #expect(NetworkBlocks.cache.rows(sizes: [51, 512, 1]) == 64)
    #expect(NetworkBlocks.smallGemm.rows(sizes: [51, 512, 1]) == 32)
    // S, M and D (40, 400 and 200 samples) keep the cache's blocks: 256 · 21 · 128 = 688,128 ≤ 10⁶ on M;
    // D's rule gives 976 rows instead of 1024, both above its 200 samples.
    for (sizes, n) in [([3, 16, 1], 40), ([21, 128, 1], 400), ([11, 32, 32, 1], 200)] {
      #expect(min(n, NetworkBlocks.smallGemm.rows(sizes: sizes)) == min(n, NetworkBlocks.cache.rows(sizes: sizes)))
    }
    // Never fewer than 8 rows, however wide the layer.
    #expect(NetworkBlocks.smallGemm.rows(sizes: [4096, 4096, 1]) == 8)
  }

  @Test(arguments: [Activation.relu, .leakyRelu])
  func wideLayerAgreesWithTheLoops(activation: Activation) throws {
    var random = SeededRandom(seed: 5)
    let (n, d, width) = (80, 51, 512)
    let architecture = try Architecture(inputDimension: d, hiddenWidths: [width], activation: activation)
    let inputs = (0..<(n * d)).map { _ in random.gaussian() }
    let labels = (0..<n).map { $0 % 2 == 0 ? 1.0 : -1.0 }
    let theta = InitialWeights.gaussian(architecture: architecture, scale: 1, seed: 5)
    let c = (0..<n).map { _ in random.gaussian() }

    func evaluate(_ network: NetworkEvaluator) -> ([Double], [Double]) {
      var gradient = [Double](repeating: .nan, count: theta.count)
      network.forward(theta)
      network.backward(theta, outputWeights: c, gradient: &gradient)
      return (Array(UnsafeBufferPointer(start: network.margins, count: n)), gradient)
    }
    let small = try NetworkEvaluator(
      architecture: architecture, inputs: inputs, labels: labels, kernel: .blas, blocks: .smallGemm)
    #expect(small.blockRowsUsed == 32)
    let loops = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels, kernel: .loops)
    let (margins, gradient) = evaluate(small)
    let (loopMargins, loopGradient) = evaluate(loops)
    // Same sums in another order: the error of a sum of N = 80 terms is at most ~N·ε·Σ|terms| ≈ 1e-14 · Σ|terms|,
    // and Σ|terms| is within ~10× the largest |entry| for Gaussian weights; 1e-12 of it leaves a margin,
    // while a wrong block (a row skipped or counted twice) moves entries by O(1) of their size.
    let scale = loopGradient.map(abs).max() ?? 1
    let marginScale = loopMargins.map(abs).max() ?? 1
    for (a, b) in zip(margins, loopMargins) { #expect(abs(a - b) <= 1e-12 * marginScale) }
    for (a, b) in zip(gradient, loopGradient) { #expect(abs(a - b) <= 1e-12 * scale) }

    // The frozen pattern σ'(Z) of the same θ is the same network: equal values, bit for bit (z·1 = z,
    // z·0 = ±0, and the signal (c w)·m is computed as in the unfrozen pass).
    small.enableFrozenPattern()
    small.forward(theta)
    small.freezePattern()
    small.usesFrozenPattern = true
    let (frozenMargins, frozenGradient) = evaluate(small)
    #expect(frozenMargins == margins)
    #expect(frozenGradient == gradient)
  }
}
