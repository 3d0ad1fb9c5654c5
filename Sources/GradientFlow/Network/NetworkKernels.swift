import CGSL

/// The dense kernels of ``NetworkEvaluator`` on one block of R rows (samples), row-major, in two
/// implementations with the same signatures: OpenBLAS (`dgemm`/`dgemv`, for large products) and plain
/// loops (for small ones, where a BLAS call's fixed cost dominates); ``NetworkEvaluator/Kernel`` chooses.
///
/// The loops are written so that LLVM vectorizes them without reassociating floating-point sums:
/// every inner loop is an axpy, y[j] += s · x[j], over contiguous memory, and the one reduction
/// (the output layer's dot product) uses explicit SIMD partial sums in a fixed order, so results
/// are deterministic. Both implementations compute the same sums in different orders; they agree to
/// rounding.
enum NetworkKernels {
  /// Z = A Wᵀ: A is R × din, W is dout × din (row-major), Z is R × dout. `wT` is Wᵀ (din × dout),
  /// used by both: OpenBLAS multiplies A·(Wᵀ) without transposing (column-major "NN", which its
  /// small-matrix kernels take; A·Wᵀ with W transposed in the call went to the general kernel with
  /// packing; benchmarks/RESULTS.md, "Figures behind design choices").
  @inline(__always)
  static func forward(
    blas: Bool, rows: Int, din: Int, dout: Int, a: UnsafePointer<Double>, w: UnsafePointer<Double>,
    wT: UnsafePointer<Double>, z: UnsafeMutablePointer<Double>
  ) {
    if dout == 1 {
      if blas {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(din), 1, a, Int32(din), w, 1, 0, z, 1)
      } else {
        for r in 0..<rows { z[r] = dot(a + r * din, w, din) }
      }
      return
    }
    product(blas: blas, rows: rows, inner: din, columns: dout, a, wT, into: z)
  }

  /// G += Dᵀ A: D is R × dout, A is R × din, G is dout × din (row-major). The loops accumulate
  /// Gᵀ (din × dout) in `gT` instead; the caller adds it into G with ``addTransposed``.
  @inline(__always)
  static func accumulateGradient(
    blas: Bool, rows: Int, din: Int, dout: Int, d: UnsafePointer<Double>, a: UnsafePointer<Double>,
    g: UnsafeMutablePointer<Double>, gT: UnsafeMutablePointer<Double>
  ) {
    if blas {
      if dout == 1 {
        cblas_dgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(din), 1, a, Int32(din), d, 1, 1, g, 1)
      } else {
        cblas_dgemm(
          CblasRowMajor, CblasTrans, CblasNoTrans, Int32(dout), Int32(din), Int32(rows), 1, d, Int32(dout), a,
          Int32(din), 1, g, Int32(din))
      }
      return
    }
    if dout == 1 {
      for r in 0..<rows {
        let s = d[r]
        let ar = a + r * din
        for i in 0..<din { g[i] += s * ar[i] }
      }
      return
    }
    for r in 0..<rows {
      let dr = d + r * dout
      let ar = a + r * din
      for i in 0..<din {
        let s = ar[i]
        let gi = gT + i * dout
        for j in 0..<dout { gi[j] += s * dr[j] }
      }
    }
  }

  /// P = D W: D is R × dout, W is dout × din, P is R × din (the backpropagated signal before σ').
  @inline(__always)
  static func backpropagate(
    blas: Bool, rows: Int, din: Int, dout: Int, d: UnsafePointer<Double>, w: UnsafePointer<Double>,
    p: UnsafeMutablePointer<Double>
  ) {
    product(blas: blas, rows: rows, inner: dout, columns: din, d, w, into: p)
  }

  /// C = A B with A rows × inner and B inner × columns, row-major: OpenBLAS `dgemm` ("NN") or ``multiply``.
  @inline(__always)
  private static func product(
    blas: Bool, rows: Int, inner: Int, columns: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
    into c: UnsafeMutablePointer<Double>
  ) {
    if blas {
      cblas_dgemm(
        CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(columns), Int32(inner), 1, a, Int32(inner),
        b, Int32(columns), 0, c, Int32(columns))
    } else {
      multiply(rows: rows, inner: inner, columns: columns, a, b, into: c)
    }
  }

  /// C = A B with A rows × inner and B inner × columns, row-major, as row axpys over B's rows (the inner
  /// loop runs along a row of B and of C, so it vectorizes). inner ≥ 1.
  @inline(__always)
  private static func multiply(
    rows: Int, inner: Int, columns: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
    into c: UnsafeMutablePointer<Double>
  ) {
    for r in 0..<rows {
      let cr = c + r * columns
      let ar = a + r * inner
      let s0 = ar[0]
      for j in 0..<columns { cr[j] = s0 * b[j] }
      for i in 1..<max(inner, 1) {
        let s = ar[i]
        let bi = b + i * columns
        for j in 0..<columns { cr[j] += s * bi[j] }
      }
    }
  }

  /// Σ_i a[i] b[i] with eight partial sums in a fixed order (vectorizes; deterministic).
  @inline(__always)
  static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
    var acc = SIMD8<Double>()
    var i = 0
    let ra = UnsafeRawPointer(a)
    let rb = UnsafeRawPointer(b)
    while i + 8 <= n {
      acc +=
        ra.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
        * rb.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
      i += 8
    }
    var sum = acc.sum()
    while i < n {
      sum += a[i] * b[i]
      i += 1
    }
    return sum
  }

  /// W ← Wᵀ for a rows × columns matrix, in 16 × 16 tiles so that the strided writes of a tile stay in
  /// a few cache lines (a row-by-row transpose of a 512 × 51 block missed the cache on every write).
  @inline(__always)
  static func transpose(
    _ w: UnsafePointer<Double>, rows: Int, columns: Int, into wT: UnsafeMutablePointer<Double>
  ) {
    let tile = 16
    for i0 in stride(from: 0, to: rows, by: tile) {
      let i1 = min(i0 + tile, rows)
      for j0 in stride(from: 0, to: columns, by: tile) {
        let j1 = min(j0 + tile, columns)
        for i in i0..<i1 {
          for j in j0..<j1 { wT[j * rows + i] = w[i * columns + j] }
        }
      }
    }
  }

  /// G += (Gᵀ)ᵀ for G rows × columns, Gᵀ columns × rows.
  @inline(__always)
  static func addTransposed(
    _ gT: UnsafePointer<Double>, rows: Int, columns: Int, into g: UnsafeMutablePointer<Double>
  ) {
    for i in 0..<rows {
      for j in 0..<columns { g[i * columns + j] += gT[j * rows + i] }
    }
  }
}
