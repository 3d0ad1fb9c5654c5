/// A dataset and architecture whose global max product-normalized margin γ* is known in closed form,
/// so that a KKT point can also be compared with the global optimum (THEORY §5.5 item 8, §8).
///
/// KKT is necessary but not sufficient for K ≥ 2 (THEORY §5.3, consequence 3): the checker only ever
/// claims "KKT point", except when γ_P matches one of these values.
///
/// - **R5**: the four XOR corners (1,1), (−1,−1) → +1 and (1,−1), (−1,1) → −1, a two-layer ReLU net of
///   width ≥ 4, no bias: γ* = √2/4 (Lyu–Li normalization √2/8 at balance).
///
/// (For a linear model the max-margin problem is convex and γ* is the SVM margin; that case is handled
/// by ``LinearComparison``.)
public struct KnownOptimum: Sendable, Equatable {
  /// Where the closed form comes from, e.g. "THEORY R5 (XOR, 2-layer ReLU, width ≥ 4)".
  public let source: String
  /// γ*, product normalization.
  public let gammaProduct: Double

  /// The known optimum for this dataset and architecture, if any.
  static func lookup(architecture: Architecture, inputs: [Double], labels: [Double]) -> KnownOptimum? {
    guard architecture.depth == 2, architecture.activation == .relu, architecture.inputDimension == 2,
      architecture.layerSizes[1] >= 4, labels.count == 4
    else { return nil }
    var corners: [[Double]: Double] = [:]
    for n in 0..<4 { corners[[inputs[2 * n], inputs[2 * n + 1]]] = labels[n] }
    let xor: [[Double]: Double] = [[1, 1]: 1, [-1, -1]: 1, [1, -1]: -1, [-1, 1]: -1]
    guard corners == xor else { return nil }
    return KnownOptimum(
      source: "problem R5 of docs/theory.md (XOR corners, 2-layer ReLU, width >= 4)", gammaProduct: 2.0.squareRoot() / 4
    )
  }
}
