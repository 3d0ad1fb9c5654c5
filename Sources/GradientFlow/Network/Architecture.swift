/// A fully connected network without biases, f(W; x) = W_K σ(W_{K−1} … σ(W_1 x)) (THEORY §0).
///
/// Layer k maps ℝ^{d_{k−1}} → ℝ^{d_k} with W_k ∈ ℝ^{d_k × d_{k−1}}, d_0 the input dimension and
/// d_K = 1. The parameter vector θ stacks W_1 … W_K, each row-major: entry (i, j) of W_k sits at
/// `offset(k) + i·d_{k−1} + j`. A first-layer bias is an appended constant-1 input (`--bias-feature`),
/// which keeps every homogeneity identity exact; hidden biases would break them and are not offered.
public struct Architecture: Sendable, Equatable, Codable {
  /// Layer sizes d_0, d_1, …, d_K with d_K = 1.
  public let layerSizes: [Int]
  /// The hidden nonlinearity.
  public let activation: Activation
  /// Negative-side slope α of leaky ReLU.
  public let leakySlope: Double
  /// Width ε of the smooth gate (``Activation/smoothRelu``, ``SmoothGate``); nil for the other activations.
  public let gateWidth: Double?

  /// A network on `inputDimension` inputs with the given hidden widths (empty: a linear model, K = 1).
  public init(
    inputDimension: Int, hiddenWidths: [Int], activation: Activation = .relu,
    leakySlope: Double = 0.01, gateWidth: Double? = nil
  ) throws(ModelError) {
    guard inputDimension >= 1 else {
      throw .invalidArchitecture("the input dimension must be at least 1 (got \(inputDimension))")
    }
    for (i, width) in hiddenWidths.enumerated() where width < 1 {
      throw .invalidArchitecture(
        "hidden width \(i + 1) is \(width); widths must be positive integers, e.g. --widths 16 or --widths 32,32"
      )
    }
    guard activation != .leakyRelu || (leakySlope > 0 && leakySlope < 1) else {
      throw .invalidArchitecture("the leaky-ReLU slope must lie in (0, 1) (got \(leakySlope))")
    }
    if activation == .smoothRelu {
      // The model depends on ε, so there is no default.
      guard let gateWidth else {
        throw .invalidArchitecture(
          "smooth-relu needs the gate's width ε: --activation smooth-relu:0.1 (or \"gate_width\": 0.1 in a config)")
      }
      guard gateWidth >= SmoothGate.smallestWidth, gateWidth.isFinite else {
        throw .invalidArchitecture(
          "the smooth gate's width ε must be a number ≥ \(SmoothGate.smallestWidth) (got \(gateWidth))")
      }
    }
    layerSizes = [inputDimension] + hiddenWidths + [1]
    self.activation = activation
    self.leakySlope = leakySlope
    self.gateWidth = activation == .smoothRelu ? gateWidth : nil
  }

  /// The number of layers K.
  public var depth: Int { layerSizes.count - 1 }
  /// d_0.
  public var inputDimension: Int { layerSizes[0] }
  /// d_1 … d_{K−1}.
  public var hiddenWidths: [Int] { Array(layerSizes.dropFirst().dropLast()) }
  /// (rows, columns) = (d_k, d_{k−1}) of W_k, k = 1…K.
  public func shape(ofLayer k: Int) -> (rows: Int, columns: Int) { (layerSizes[k], layerSizes[k - 1]) }
  /// The number of entries of W_k.
  public func size(ofLayer k: Int) -> Int { layerSizes[k] * layerSizes[k - 1] }
  /// The index in θ of W_k's first entry.
  public func offset(ofLayer k: Int) -> Int { (1..<k).reduce(0) { $0 + size(ofLayer: $1) } }
  /// P = Σ_k d_k d_{k−1}.
  public var parameterCount: Int { (1...depth).reduce(0) { $0 + size(ofLayer: $1) } }
  /// The smooth gate, for ``Activation/smoothRelu``.
  public var smoothGate: SmoothGate? { gateWidth.map(SmoothGate.init(width:)) }
  /// Hidden units Σ_{k<K} d_k times the sample count is the size of the activation pattern.
  public var hiddenUnitCount: Int { hiddenWidths.reduce(0, +) }
}

/// Errors in the model specification (architecture, initial weights).
public enum ModelError: Error, Sendable, Equatable, CustomStringConvertible {
  case invalidArchitecture(String)
  case invalidWeights(String)

  public var description: String {
    switch self {
    case .invalidArchitecture(let message), .invalidWeights(let message): message
    }
  }
}
