/// The margin bound of a bias-free two-layer net on mirror-symmetric data (Lyu, Li, Wang & Arora 2021,
/// "Gradient descent on two-layer nets: margin maximization and simplicity bias").
///
/// Data are mirror-symmetric when (x, y) ∈ S ⇒ (−x, −y) ∈ S. For σ(z) = max(z, αz) (α = 0: ReLU),
/// σ(z) − σ(−z) = (1 + α) z, so a bias-free two-layer net f(x) = Σ_j a_j σ(w_j·x) has
///
///   f(x) − f(−x) = (1 + α) β·x,   β = Σ_j a_j w_j.
///
/// The margins of a mirrored pair average to y(f(x) − f(−x))/2, so
/// min_n q_n ≤ (1 + α)/2 · min_n y_n β·x_n ≤ (1 + α)/2 · γ_SVM ‖β‖, and ‖β‖ ≤ Σ_j |a_j|‖w_j‖ ≤ ‖a‖‖W_1‖. Hence the
/// product-normalized margin obeys
///
///   γ_P ≤ (1 + α)/2 · γ_SVM
///
/// at **every** state of every run (γ_SVM the hard-margin SVM margin through the origin, ``HardMarginSVM``).
/// Two neurons ±u with output weights ±c, u ∥ ŵ, attain it, and for leaky ReLU gradient flow reaches it
/// (the paper's result for symmetric, linearly separable data).
public struct MirrorSymmetryBound: Sendable {
  /// (1 + α)/2 · γ_SVM.
  public let bound: Double
  /// γ_SVM.
  public let svmMargin: Double
  /// α (0 for ReLU).
  public let slope: Double

  /// The bound for a two-layer ReLU or leaky-ReLU net on mirror-symmetric, linearly separable data; nil
  /// otherwise. Mirror pairs are matched exactly (the data are symmetric by construction, not by rounding).
  public static func lookup(architecture: Architecture, inputs: [Double], labels: [Double]) -> MirrorSymmetryBound? {
    guard architecture.depth == 2, architecture.smoothGate == nil,
      architecture.activation == .relu || architecture.activation == .leakyRelu
    else { return nil }
    let d = architecture.inputDimension
    let count = labels.count
    var samples = Set<[Double]>()
    for n in 0..<count { samples.insert(Array(inputs[(n * d)..<((n + 1) * d)]) + [labels[n]]) }
    for n in 0..<count {
      let mirrored = inputs[(n * d)..<((n + 1) * d)].map { -$0 + 0 } + [-labels[n]]
      guard samples.contains(mirrored) else { return nil }
    }
    guard let svm = HardMarginSVM.solve(inputs: inputs, labels: labels, dimension: d) else { return nil }
    let alpha = architecture.activation == .leakyRelu ? architecture.leakySlope : 0
    return MirrorSymmetryBound(bound: (1 + alpha) / 2 * svm.margin, svmMargin: svm.margin, slope: alpha)
  }
}
