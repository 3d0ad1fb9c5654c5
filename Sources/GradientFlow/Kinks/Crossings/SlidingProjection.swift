import ODE

/// The orthogonal projection of first-layer rows onto their sliding pairs' kink surfaces (``SlidingCorrection``
/// `projected`).
///
/// Unit j's sliding pairs S_j = {n_1, …, n_k} pin w_j to the intersection of the surfaces w·x_n = 0, a linear
/// subspace. The nearest point of it to w_j (Euclidean, the metric of the flow's θ) is
///
///   w_j ← w_j − Xᵀ c,   G c = X w_j,   X = [x_{n_1}; …; x_{n_k}],   G = X Xᵀ,
///
/// and for one pair w_j ← w_j − (w_j·x_n / ‖x_n‖²) x_n. G is factored by Cholesky row by row; a row whose
/// pivot falls below 1e-12 of its diagonal (its surface already contains the intersection of the earlier
/// ones, up to round-off) is dropped, so at most d_0 rows remain. Afterwards w_j·x_n = 0 to round-off for every
/// kept row; a class of samples on one surface (``CoincidentKinks``) is pinned by its representative.
///
/// The output weights are not touched. The shift is O(rtol)‖w_j‖, so a_j² − ‖w_j‖² (a conserved quantity of
/// the flow) moves by O(rtol²)‖w_j‖². Allocates nothing per call.
final class SlidingProjection {
  /// d_0, the width, the samples.
  let inputDimension: Int
  let width: Int
  let sampleCount: Int
  /// A pivot below this fraction of its diagonal drops the row (linearly dependent surfaces).
  static let dependence = 1e-12

  private let arena = ScratchArena()
  private let inputs: UnsafeMutablePointer<Double>
  /// The kept rows' samples, the Cholesky factor L (row-major d_0 × d_0) and the right-hand side / solution.
  private let rows: UnsafeMutablePointer<Int>
  private let factor: UnsafeMutablePointer<Double>
  private let coefficients: UnsafeMutablePointer<Double>

  /// `inputs` row-major N × d_0.
  init(inputs: [Double], inputDimension d: Int, width: Int) {
    inputDimension = d
    self.width = width
    sampleCount = d > 0 ? inputs.count / d : 0
    self.inputs = arena.copy(of: inputs)
    rows = arena.buffer(count: max(d, 1))
    factor = arena.buffer(count: max(d * d, 1))
    coefficients = arena.buffer(count: max(d, 1))
  }

  /// x_m · y (d_0 entries).
  private func dot(_ m: Int, _ y: UnsafePointer<Double>) -> Double {
    let x = inputs + m * inputDimension
    var s = 0.0
    for i in 0..<inputDimension { s += x[i] * y[i] }
    return s
  }

  /// Projects row `w` (d_0 entries, unit j's first-layer weights) onto the surfaces of `samples`
  /// (`count` of them); returns whether any was kept.
  @discardableResult
  func project(row w: UnsafeMutablePointer<Double>, samples: (Int) -> Int, count: Int) -> Bool {
    let d = inputDimension
    var kept = 0
    for p in 0..<count {
      guard kept < d else { break }
      let m = samples(p)
      let x = inputs + m * d
      // Row `kept` of L: L[kept, b] = (G[m, rows[b]] − Σ_{c<b} L[kept, c] L[b, c]) / L[b, b].
      let l = factor + kept * d
      var diagonal = dot(m, x)
      guard diagonal > 0 else { continue }
      let scale = diagonal
      for b in 0..<kept {
        var g = dot(rows[b], x)
        let lb = factor + b * d
        for c in 0..<b { g -= l[c] * lb[c] }
        l[b] = g / lb[b]
        diagonal -= l[b] * l[b]
      }
      guard diagonal > Self.dependence * scale else { continue }
      l[kept] = diagonal.squareRoot()
      rows[kept] = m
      kept += 1
    }
    guard kept > 0 else { return false }
    // L y = X w, then Lᵀ c = y.
    for a in 0..<kept {
      let l = factor + a * d
      var s = dot(rows[a], w)
      for b in 0..<a { s -= l[b] * coefficients[b] }
      coefficients[a] = s / l[a]
    }
    for a in stride(from: kept - 1, through: 0, by: -1) {
      var s = coefficients[a]
      for b in (a + 1)..<kept { s -= factor[b * d + a] * coefficients[b] }
      coefficients[a] = s / factor[a * d + a]
    }
    for a in 0..<kept {
      let x = inputs + rows[a] * d
      let c = coefficients[a]
      for i in 0..<d { w[i] -= c * x[i] }
    }
    return true
  }
}
