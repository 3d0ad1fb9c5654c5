import Foundation

/// The long-format outputs written at every save, besides trajectory.csv: `weights.csv` (one row per
/// weight) and `margins.csv` (one row per sample). Both start with the save index (0 for t = 0, counting
/// the rows of trajectory.csv), then t and log t: t is `inf` past log t ≈ 709.78, where `log_t` and
/// `save` still tell the saves apart.
///
/// `margins.csv` holds, for sample n with label y_n ∈ {−1, +1}, the unnormalized margin
/// q_n(W) = y_n f(x_n; W) and the product-normalized q_n(W)/ρ, ρ = ∏_k ‖W_k‖_F (THEORY §1.3), whose
/// minimum over n is trajectory.csv's `margin` at the same save.
enum SaveTables {
  static let weightsHeader = ["save", "t", "log_t", "layer", "row", "col", "value"]
  static let marginsHeader = ["save", "t", "log_t", "sample", "y", "q", "q_over_rho"]

  /// One save's weights: W_k[i, j] with 1-based layer, row and column.
  static func writeWeights(
    _ writer: CSVWriter, save: Int, t: Double, logT: Double, theta: UnsafePointer<Double>,
    architecture: Architecture
  ) throws(OutputError) {
    var block = ""
    let prefix = "\(save),\(format(t)),\(format(logT)),"
    for k in 1...architecture.depth {
      let (rows, columns) = architecture.shape(ofLayer: k)
      let offset = architecture.offset(ofLayer: k)
      for i in 0..<rows {
        for j in 0..<columns {
          block += "\(prefix)\(k),\(i + 1),\(j + 1),\(format(theta[offset + i * columns + j]))\n"
        }
      }
    }
    try writer.write(block: block)
  }

  /// One save's margins, from `network` after its forward pass at this save's weights (0-based samples).
  static func writeMargins(
    _ writer: CSVWriter, save: Int, t: Double, logT: Double, rho: Double, network: NetworkEvaluator
  ) throws(OutputError) {
    var block = ""
    let prefix = "\(save),\(format(t)),\(format(logT)),"
    for n in 0..<network.sampleCount {
      let q = network.margins[n]
      block += "\(prefix)\(n),\(format(network.label(n))),\(format(q)),\(format(q / rho))\n"
    }
    try writer.write(block: block)
  }
}
