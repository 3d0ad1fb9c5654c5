/// A linear network (K = 1, or a deep linear net with the identity activation) compared with the
/// hard-margin SVM of its data (THEORY §5.6, R1–R3, P6).
///
/// The network computes f(x) = βᵀx with the end-to-end vector βᵀ = W_K ⋯ W_1 (β = w for K = 1). Its
/// direction v = β/‖β‖ is compared with the SVM direction ŵ/‖ŵ‖:
///
/// - ``angle`` = ∠(v, ŵ) in radians (≈ 0.5545/log t along R1, THEORY §5.6);
/// - ``marginGap`` = γ_SVM − min_n y_n x_n·v ≥ 0 (≈ 0.2480/log t along R1).
///
/// For K = 1 the max-margin problem is convex, so a KKT point is the global max margin, and the product
/// normalized margin of any direction is at most γ_SVM. For deep linear nets the product-normalized max
/// margin also equals γ_SVM (THEORY R3: ‖β‖ ≤ ∏_k‖W_k‖, with equality at rank-1 alignment).
public struct LinearComparison: Sendable {
  /// The SVM solution.
  public let svm: HardMarginSVM
  /// β/‖β‖.
  public let direction: [Double]
  /// ∠(β, ŵ) in radians.
  public let angle: Double
  /// γ_SVM − min_n y_n x_n·β/‖β‖.
  public let marginGap: Double

  /// Compares the end-to-end vector of θ with `svm`; nil when the network is not linear or β = 0.
  init?(architecture: Architecture, theta: [Double], inputs: [Double], labels: [Double], svm: HardMarginSVM) {
    guard architecture.depth == 1 || architecture.activation == .identity else { return nil }
    let beta = Self.endToEnd(architecture: architecture, theta: theta)
    guard CheckerMath.norm(beta) > 0 else { return nil }
    let v = CheckerMath.unit(beta)
    let d = architecture.inputDimension
    var smallest = Double.infinity
    for n in 0..<labels.count {
      var product = 0.0
      for i in 0..<d { product += labels[n] * inputs[n * d + i] * v[i] }
      smallest = min(smallest, product)
    }
    self.svm = svm
    direction = v
    angle = CheckerMath.angle(v, svm.weights)
    marginGap = svm.margin - smallest
  }

  /// βᵀ = W_K ⋯ W_1 (a row vector of length d_0).
  static func endToEnd(architecture: Architecture, theta: [Double]) -> [Double] {
    // Row vector r = W_K, then r ← r W_{K−1}, …, r W_1.
    let depth = architecture.depth
    let last = architecture.offset(ofLayer: depth)
    var row = Array(theta[last..<(last + architecture.size(ofLayer: depth))])
    for k in stride(from: depth - 1, through: 1, by: -1) {
      let (rows, columns) = architecture.shape(ofLayer: k)
      let offset = architecture.offset(ofLayer: k)
      var next = [Double](repeating: 0, count: columns)
      for i in 0..<rows where row[i] != 0 {
        for j in 0..<columns { next[j] += row[i] * theta[offset + i * columns + j] }
      }
      row = next
    }
    return row
  }
}
