import CGSL

/// Frobenius norms and inner products of the layer blocks of a parameter vector (layout of
/// ``Architecture``), on OpenBLAS level-1 routines.
struct LayerBlocks {
  let offsets: [Int]
  let sizes: [Int]

  init(_ architecture: Architecture) {
    offsets = (1...architecture.depth).map { architecture.offset(ofLayer: $0) }
    sizes = (1...architecture.depth).map { architecture.size(ofLayer: $0) }
  }

  var count: Int { offsets.count }

  /// ⟨A_k, B_k⟩ for block k (0-based) of vectors a and b that share the layout, each starting at its base.
  func dot(_ k: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>) -> Double {
    cblas_ddot(Int32(sizes[k]), a + offsets[k], 1, b + offsets[k], 1)
  }

  /// ‖A_k‖.
  func norm(_ k: Int, _ a: UnsafePointer<Double>) -> Double {
    cblas_dnrm2(Int32(sizes[k]), a + offsets[k], 1)
  }
}

extension LayerBlocks {
  /// The state (g_1 … g_K, v_1 … v_K) with g_k = ‖W_k‖ and v_k = c_k W_k/‖W_k‖ — the layout of the
  /// Lagrange (c_k = 1) and weight-normalized flows.
  func normParametrization(of theta: [Double], scales: [Double]) throws(ModelError) -> [Double] {
    var state = [Double](repeating: 0, count: count + theta.count)
    for k in 0..<count {
      let range = offsets[k]..<(offsets[k] + sizes[k])
      let norm = range.reduce(0) { $0 + theta[$1] * theta[$1] }.squareRoot()
      guard norm > 0 else { throw .zeroLayer(k + 1) }
      state[k] = norm
      for i in range { state[count + i] = scales[k] * theta[i] / norm }
    }
    return state
  }

  /// W_k = g_k v_k/‖v_k‖ from a state laid out as ``normParametrization(of:scales:)``.
  func weights(fromNormParametrization state: UnsafePointer<Double>, into theta: UnsafeMutablePointer<Double>) {
    let v = state + count
    for k in 0..<count {
      theta.advanced(by: offsets[k]).update(from: v + offsets[k], count: sizes[k])
      cblas_dscal(Int32(sizes[k]), state[k] / norm(k, v), theta + offsets[k], 1)
    }
  }

  /// Writes scale · P_k(G_k) = scale · (G_k − ⟨v̂_k, G_k⟩ v̂_k) into `out` (block k of a vector of this
  /// layout) and returns ⟨v̂_k, G_k⟩, with v̂_k = v_k/‖v_k‖: the tangential part of a gradient at v_k.
  @discardableResult
  func projectTangent(
    _ k: Int, gradient: UnsafePointer<Double>, along v: UnsafePointer<Double>, scale: Double,
    into out: UnsafeMutablePointer<Double>
  ) -> Double {
    let size = Int32(sizes[k])
    let offset = offsets[k]
    let vNorm = norm(k, v)
    let along = dot(k, v, gradient) / vNorm
    (out + offset).update(from: gradient + offset, count: sizes[k])
    cblas_dscal(size, scale, out + offset, 1)
    cblas_daxpy(size, -scale * along / vNorm, v + offset, 1, out + offset, 1)
    return along
  }

  /// ‖v_k‖ − c_k for each layer.
  func normDrift(_ state: UnsafePointer<Double>, scales: [Double], into values: UnsafeMutablePointer<Double>) {
    for k in 0..<count { values[k] = norm(k, state + count) - scales[k] }
  }
}

extension ModelError {
  static func weightCount(_ count: Int, _ architecture: Architecture) -> ModelError {
    .invalidWeights(
      "the initial weights have \(count) entries; the architecture \(architecture.layerSizes) needs \(architecture.parameterCount)"
    )
  }

  static func zeroLayer(_ k: Int) -> ModelError {
    .invalidWeights("layer \(k) of the initial weights is zero; its direction V_\(k) = W_\(k)/‖W_\(k)‖ is undefined")
  }
}
