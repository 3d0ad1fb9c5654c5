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
