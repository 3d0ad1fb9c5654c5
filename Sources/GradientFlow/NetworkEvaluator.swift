import CGSL

/// Forward pass and backprop of a bias-free network over a whole dataset, in place.
///
/// All buffers are allocated once in `init`; ``forward(_:)`` and ``backward(_:outputWeights:gradient:)``
/// allocate nothing, so they can sit inside the ODE right-hand side. Matrix products go to
/// OpenBLAS `dgemm` (row-major). With inputs X ∈ ℝ^{N×d_0} (rows x_n):
///
///   forward:  Z_k = H_{k−1} W_kᵀ,  H_k = σ(Z_k) (k < K),  H_0 = X,  f_n = Z_K[n],  q_n = y_n f_n;
///   backward: for output weights c ∈ ℝ^N, D_K = c, G_k = D_kᵀ H_{k−1}, D_{k−1} = (D_k W_k) ⊙ σ'(Z_{k−1}),
///
/// so that G = Σ_n c_n ∇_θ f(W; x_n). With c_n = a_n y_n this is Σ_n a_n ∇q_n = −∇L (THEORY §2.1).
/// σ'(0) = 0 for ReLU (see ``Activation``).
public final class NetworkEvaluator {
  public let architecture: Architecture
  /// Number of samples N.
  public let sampleCount: Int
  private let inputs: UnsafeMutablePointer<Double>
  private let labels: UnsafeMutablePointer<Double>
  /// Pre-activations Z_k (k = 1…K), each N × d_k; Z_K is the output f.
  private let preActivations: [UnsafeMutablePointer<Double>]
  /// Activations H_k (k = 1…K−1), each N × d_k.
  private let activations: [UnsafeMutablePointer<Double>]
  private let deltaA: UnsafeMutablePointer<Double>
  private let deltaB: UnsafeMutablePointer<Double>
  /// Margins q_n = y_n f(W; x_n) of the last forward pass.
  public let margins: UnsafeMutablePointer<Double>
  private let offsets: [Int]

  /// `inputs` is row-major N × d_0; `labels` are ±1.
  public init(architecture: Architecture, inputs: [Double], labels: [Double]) throws(ModelError) {
    let n = labels.count
    guard n >= 1, inputs.count == n * architecture.inputDimension else {
      throw .invalidArchitecture(
        "the data have \(n) samples of dimension \(n == 0 ? 0 : inputs.count / n); the network expects \(architecture.inputDimension) inputs"
      )
    }
    self.architecture = architecture
    sampleCount = n
    self.inputs = .allocate(capacity: inputs.count)
    self.inputs.initialize(from: inputs, count: inputs.count)
    self.labels = .allocate(capacity: n)
    self.labels.initialize(from: labels, count: n)
    let k = architecture.depth
    preActivations = (1...k).map { layer in
      let p = UnsafeMutablePointer<Double>.allocate(capacity: n * architecture.layerSizes[layer])
      p.initialize(repeating: 0, count: n * architecture.layerSizes[layer])
      return p
    }
    activations = (0..<k).map { layer in
      let size = layer == 0 ? 1 : n * architecture.layerSizes[layer]  // index 0 unused (H_0 = X)
      let p = UnsafeMutablePointer<Double>.allocate(capacity: size)
      p.initialize(repeating: 0, count: size)
      return p
    }
    let widest = architecture.layerSizes.max() ?? 1
    deltaA = .allocate(capacity: n * widest)
    deltaB = .allocate(capacity: n * widest)
    margins = .allocate(capacity: n)
    margins.initialize(repeating: 0, count: n)
    offsets = (0...k).map { $0 == 0 ? 0 : architecture.offset(ofLayer: $0) }
  }

  deinit {
    inputs.deallocate()
    labels.deallocate()
    preActivations.forEach { $0.deallocate() }
    activations.forEach { $0.deallocate() }
    deltaA.deallocate()
    deltaB.deallocate()
    margins.deallocate()
  }

  /// Labels y_n (±1).
  public func label(_ n: Int) -> Double { labels[n] }

  /// Pre-activations Z_k of the last forward pass (N × d_k, row-major), k = 1…K.
  public func preActivations(ofLayer k: Int) -> UnsafePointer<Double> { UnsafePointer(preActivations[k - 1]) }

  /// Computes Z_k, H_k and the margins q_n for parameters θ.
  public func forward(_ theta: UnsafePointer<Double>) {
    let sizes = architecture.layerSizes
    let depth = architecture.depth
    let n = Int32(sampleCount)
    var input = UnsafePointer(inputs)
    for k in 1...depth {
      let rows = Int32(sizes[k])
      let columns = Int32(sizes[k - 1])
      let z = preActivations[k - 1]
      cblas_dgemm(
        CblasRowMajor, CblasNoTrans, CblasTrans, n, rows, columns, 1, input, columns,
        theta + offsets[k], columns, 0, z, rows)
      if k < depth {
        let h = activations[k]
        let activation = architecture.activation
        let slope = architecture.leakySlope
        for i in 0..<(sampleCount * sizes[k]) { h[i] = activation.value(z[i], slope: slope) }
        input = UnsafePointer(h)
      }
    }
    let output = preActivations[depth - 1]
    for i in 0..<sampleCount { margins[i] = labels[i] * output[i] }
  }

  /// Writes G = Σ_n c_n ∇_θ f(W; x_n) into `gradient` (P entries), using the activations of the last
  /// ``forward(_:)``, which must have been called with the same θ.
  public func backward(
    _ theta: UnsafePointer<Double>, outputWeights c: UnsafePointer<Double>,
    gradient: UnsafeMutablePointer<Double>
  ) {
    let sizes = architecture.layerSizes
    let n = Int32(sampleCount)
    var delta = c  // D_k, N × d_k
    var spare = deltaA
    for k in stride(from: architecture.depth, through: 1, by: -1) {
      let rows = Int32(sizes[k])
      let columns = Int32(sizes[k - 1])
      let previous = k > 1 ? UnsafePointer(activations[k - 1]) : UnsafePointer(inputs)
      cblas_dgemm(
        CblasRowMajor, CblasTrans, CblasNoTrans, rows, columns, n, 1, delta, rows, previous, columns,
        0, gradient + offsets[k], columns)
      guard k > 1 else { break }
      cblas_dgemm(
        CblasRowMajor, CblasNoTrans, CblasNoTrans, n, columns, rows, 1, delta, rows,
        theta + offsets[k], columns, 0, spare, columns)
      let z = preActivations[k - 2]
      let activation = architecture.activation
      let slope = architecture.leakySlope
      if activation != .identity {
        for i in 0..<(sampleCount * sizes[k - 1]) { spare[i] *= activation.derivative(z[i], slope: slope) }
      }
      delta = UnsafePointer(spare)
      spare = spare == deltaA ? deltaB : deltaA
    }
  }
}
