import Testing

@testable import GradientFlow

/// ``BLASThreads``: the count is set and read back, and the right-hand side computed with two OpenBLAS
/// threads agrees with one thread's — to rounding where OpenBLAS splits a product, bit for bit where it
/// does not. Each test restores the count it found (it is one setting for the whole test process).
@Suite(.serialized) struct BLASThreadsTests {
  /// Margins and gradient of a random net at random weights, with `threads` OpenBLAS threads.
  static func evaluate(
    threads: Int, dimension: Int, widths: [Int], samples n: Int
  ) throws -> (margins: [Double], gradient: [Double]) {
    var random = SeededRandom(seed: 5)
    let architecture = try Architecture(inputDimension: dimension, hiddenWidths: widths)
    let inputs = (0..<(n * dimension)).map { _ in random.gaussian() }
    let labels = (0..<n).map { $0 % 2 == 0 ? 1.0 : -1.0 }
    let theta = InitialWeights.gaussian(architecture: architecture, scale: 1, seed: 5)
    let c = (0..<n).map { _ in random.gaussian() }
    let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels, kernel: .blas)
    let before = BLASThreads.current
    defer { BLASThreads.use(before) }
    BLASThreads.use(threads)
    #expect(BLASThreads.current == threads)
    var gradient = [Double](repeating: .nan, count: theta.count)
    network.forward(theta)
    network.backward(theta, outputWeights: c, gradient: &gradient)
    return (Array(UnsafeBufferPointer(start: network.margins, count: n)), gradient)
  }

  @Test func theCountIsSetAndInvalidCountsAreNamed() {
    let before = BLASThreads.current
    defer { BLASThreads.use(before) }
    BLASThreads.use(2)
    #expect(BLASThreads.current == 2)
    BLASThreads.use(1)
    #expect(BLASThreads.current == 1)
    #expect(BLASThreads.problem(with: 1) == nil)
    #expect(BLASThreads.problem(with: BLASThreads.maximum) == nil)
    for bad in [0, -1, BLASThreads.maximum + 1] {
      #expect(BLASThreads.problem(with: bad)?.contains("--threads") == true)
    }
  }

  @Test func splitProductsAgreeWithOneThreadToRounding() throws {
    // Hidden-to-hidden products of 300 × 300 weights on blocks of ~100 rows: M·N·K ≈ 9e6, far above
    // OpenBLAS's threshold for splitting a gemm (262,144), with a reduction long enough to be blocked.
    let one = try Self.evaluate(threads: 1, dimension: 10, widths: [300, 300], samples: 400)
    let two = try Self.evaluate(threads: 2, dimension: 10, widths: [300, 300], samples: 400)
    // The same sums in another order: each entry differs by at most ~2·K·u·Σ|a_ik b_kj| (K ≤ 300,
    // u = 1.1e-16: 7e-14 of the absolute sums), compounded over three layers; 1e-11 of the largest
    // entry leaves a margin of two orders of magnitude for cancellation, and still fails on any
    // difference in what is summed (those are O(1) relative).
    let marginScale = one.margins.map(abs).max() ?? 1
    for (a, b) in zip(one.margins, two.margins) { #expect(abs(a - b) <= 1e-11 * marginScale) }
    let scale = one.gradient.map(abs).max() ?? 1
    for (a, b) in zip(one.gradient, two.gradient) { #expect(abs(a - b) <= 1e-11 * scale) }
  }

  @Test func productsBelowTheSplittingThresholdAreBitForBitTheSame() throws {
    // Every product here has M·N·K ≤ 40 · 16 · 16 = 10,240, below OpenBLAS's gemm threshold (262,144)
    // and gemv's (9,216 for M·N ≤ 640): OpenBLAS runs them on the calling thread whatever the count.
    let one = try Self.evaluate(threads: 1, dimension: 3, widths: [16, 16], samples: 40)
    let two = try Self.evaluate(threads: 2, dimension: 3, widths: [16, 16], samples: 40)
    #expect(one.margins == two.margins)
    #expect(one.gradient == two.gradient)
  }
}
