import CGSL
import ODE

/// Forward pass and backprop of a bias-free network over a whole dataset, in place.
///
/// All buffers are allocated once in `init`; ``forward(_:)`` and ``backward(_:outputWeights:gradient:)``
/// allocate nothing, so they can sit inside the ODE right-hand side (tested by counting `malloc`
/// calls). With inputs X ∈ ℝ^{N×d_0} (rows x_n):
///
///   forward:  Z_k = H_{k−1} W_kᵀ,  H_k = σ(Z_k) (k < K),  H_0 = X,  f_n = Z_K[n],  q_n = y_n f_n;
///   backward: for output weights c ∈ ℝ^N, D_K = c, G_k = D_kᵀ H_{k−1}, D_{k−1} = (D_k W_k) ⊙ σ'(Z_{k−1}),
///
/// so that G = Σ_n c_n ∇_θ f(W; x_n). With c_n = a_n y_n this is Σ_n a_n ∇q_n = −∇L (THEORY §2.1).
/// σ'(0) = 0 for ReLU (see ``Activation``).
///
/// **Smooth gate** (``Activation/smoothRelu``): H_k[n, j] = Z_k[n, j]·S_{nj} with S_{nj} =
/// S(z/(ε‖w_j‖‖h_{k−1,n}‖)) (``SmoothGate``), kept for the whole dataset with the norms. Its
/// backprop adds two terms to the elementwise one (D_k = Δ ⊙ (S + uS'), Δ the signal into the gate):
/// with t_{nj} = Δ_{nj} z_{nj} u_{nj} S'_{nj},  G_k[j, :] −= (Σ_n t_{nj}/‖w_j‖²)·w_j  and the signal
/// into layer k's input gets −(Σ_j t_{nj}/‖h_{k−1,n}‖²)·h_{k−1,n}.
///
/// **Speed.** The samples are processed in blocks of rows small enough that a block's Z_k, H_k and
/// D_k stay in the L2 cache, forward through all layers and then backward, with G accumulated
/// block by block. Only Z_k is kept for the whole dataset (it is public, and σ, σ' are recomputed
/// from it); H_k and D_k live in one block's scratch — except when all samples fit in one block (S,
/// D): then the forward pass's H_k are kept and backprop reads them instead of recomputing σ(Z_k).
/// The output layer (d_K = 1) is a matrix–vector product and its backprop a masked outer
/// product. The dense products go to OpenBLAS or to plain loops, chosen by ``Kernel`` (see
/// ``NetworkKernels``).
public final class NetworkEvaluator {
  /// How the dense products are computed. All give the same values up to rounding.
  public enum Kernel: String, Sendable, CaseIterable {
    /// Loops when the work per evaluation N·P is at most ``loopsThreshold``, OpenBLAS above.
    case automatic
    /// OpenBLAS `dgemm`/`dgemv`.
    case blas
    /// Plain vectorizable loops.
    case loops
  }

  /// The largest N·P for which ``Kernel/automatic`` uses loops: below it a BLAS call's fixed cost
  /// outweighs the work, above it OpenBLAS's run-time-selected kernels (AVX-512 where present) beat the
  /// loops, which compile for the baseline x86-64 target (SSE2, no FMA). The crossover was measured with
  /// `gradflow-bench` (benchmarks/RESULTS.md, "Figures behind design choices").
  public static let loopsThreshold = 256
  /// Bytes of one block's scratch (a block's H or D rows): about a quarter of a 1 MiB L2 cache.
  static let blockBytes = 1 << 18

  public let architecture: Architecture
  /// Number of samples N.
  public let sampleCount: Int
  /// Whether the dense products go to OpenBLAS (else to loops).
  public let usesBLAS: Bool
  /// Rows per block.
  let blockRows: Int
  /// Rows per block (for benchmarks).
  public var blockRowsUsed: Int { blockRows }
  private let depth: Int
  private let activation: Activation
  private let slope: Double
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  /// d_0 … d_K and the offsets of W_1 … W_K in θ (index k; entry 0 unused).
  let sizes: UnsafeMutablePointer<Int>
  private let offsets: UnsafeMutablePointer<Int>
  private let inputs: UnsafeMutablePointer<Double>
  private let labels: UnsafeMutablePointer<Double>
  /// Pre-activations Z_k (k = 1…K, at index k − 1), each N × d_k; Z_K is the output f.
  let preActivations: UnsafeMutablePointer<UnsafeMutablePointer<Double>>
  /// One block of H_k (blockRows × widest).
  private let hidden: UnsafeMutablePointer<Double>
  /// When all samples fit in one block: H_k of every hidden layer from the forward pass (N × d_k at
  /// N·`hiddenOffsets[k]`), so that backprop reads them instead of recomputing σ(Z_k) (one entry otherwise).
  private let keptHidden: UnsafeMutablePointer<Double>
  private let keepsHidden: Bool
  /// Two blocks of D_k (blockRows × widest).
  private let deltaA: UnsafeMutablePointer<Double>
  private let deltaB: UnsafeMutablePointer<Double>
  /// W_kᵀ for the forward pass (both kernels, see ``NetworkKernels/forward``), and Gᵀ accumulated by the
  /// loops' backward pass (P each).
  private let transposedWeights: UnsafeMutablePointer<Double>
  private let transposedGradient: UnsafeMutablePointer<Double>
  /// Margins q_n = y_n f(W; x_n) of the last forward pass.
  public let margins: UnsafeMutablePointer<Double>
  /// Smooth gate only (one entry each otherwise): ‖W_k[j, :]‖ of the hidden layers (at
  /// `hiddenOffsets[k]`), ‖h_{k−1,n}‖ (N per hidden layer, at N·(k − 1)), the gates S (N × d_k per
  /// hidden layer, at N·`hiddenOffsets[k]`), Σ_n t_{nj} (like the row norms) and one block's Σ_j t_{nj}.
  private let gate: SmoothGate?
  let hiddenOffsets: UnsafeMutablePointer<Int>
  let rowNorms: UnsafeMutablePointer<Double>
  let inputNorms: UnsafeMutablePointer<Double>
  let gates: UnsafeMutablePointer<Double>
  let unitShrink: UnsafeMutablePointer<Double>
  let rowShrink: UnsafeMutablePointer<Double>
  /// The slopes m_nj of a frozen activation pattern (N × d_k per hidden layer, at N·`hiddenOffsets[k]`);
  /// allocated by ``enableFrozenPattern()``.
  private var frozenSlopes: UnsafeMutablePointer<Double>?
  /// Whether forward and backward use the frozen slopes instead of σ and σ' of Z.
  public var usesFrozenPattern = false {
    didSet { precondition(!usesFrozenPattern || frozenSlopes != nil, "enableFrozenPattern() first") }
  }

  /// `inputs` is row-major N × d_0; `labels` are ±1. `blocks` sizes the blocks of rows with OpenBLAS
  /// (``NetworkBlocks``); `blockRows` overrides it (tests and benchmarks).
  public init(
    architecture: Architecture, inputs: [Double], labels: [Double], kernel: Kernel = .automatic,
    blocks: NetworkBlocks = .cache, blockRows: Int? = nil
  ) throws(ModelError) {
    let n = labels.count
    guard n >= 1, inputs.count == n * architecture.inputDimension else {
      throw .invalidArchitecture(
        "the data have \(n) samples of dimension \(n == 0 ? 0 : inputs.count / n); the network expects \(architecture.inputDimension) inputs"
      )
    }
    self.architecture = architecture
    sampleCount = n
    depth = architecture.depth
    activation = architecture.activation
    slope = architecture.leakySlope
    let p = architecture.parameterCount
    switch kernel {
    case .automatic: usesBLAS = n * p > Self.loopsThreshold
    case .blas: usesBLAS = true
    case .loops: usesBLAS = false
    }
    let widest = architecture.layerSizes.max() ?? 1
    self.blockRows = min(n, max(1, blockRows ?? (usesBLAS ? blocks.rows(sizes: architecture.layerSizes) : n)))
    sizes = arena.buffer(count: depth + 1)
    offsets = arena.buffer(count: depth + 1)
    for k in 0...depth {
      sizes[k] = architecture.layerSizes[k]
      offsets[k] = k == 0 ? 0 : architecture.offset(ofLayer: k)
    }
    self.inputs = arena.copy(of: inputs)
    self.labels = arena.copy(of: labels)
    preActivations = arena.buffer(count: depth)
    for k in 1...depth {
      let count = n * architecture.layerSizes[k]
      preActivations[k - 1] = arena.buffer(count: count)
    }
    let block = self.blockRows * widest
    hidden = arena.buffer(count: block)
    deltaA = arena.buffer(count: block)
    deltaB = arena.buffer(count: block)
    transposedWeights = arena.buffer(count: p)
    transposedGradient = arena.buffer(count: p)
    margins = arena.buffer(count: n)
    keepsHidden = self.blockRows >= n && depth > 1
    let keptCount = keepsHidden ? n * architecture.hiddenUnitCount : 1
    keptHidden = arena.buffer(count: keptCount)

    gate = architecture.smoothGate
    let hiddenCount = gate == nil ? 1 : max(architecture.hiddenUnitCount, 1)
    hiddenOffsets = arena.buffer(count: depth + 1)
    var hiddenOffset = 0
    for k in 0...depth {
      hiddenOffsets[k] = hiddenOffset
      if k >= 1, k < depth { hiddenOffset += architecture.layerSizes[k] }
    }
    rowNorms = arena.buffer(count: hiddenCount)
    unitShrink = arena.buffer(count: hiddenCount)
    inputNorms = arena.buffer(count: gate == nil ? 1 : n * max(depth - 1, 1))
    gates = arena.buffer(count: gate == nil ? 1 : n * hiddenCount)
    rowShrink = arena.buffer(count: gate == nil ? 1 : self.blockRows)
    if gate != nil {
      let d = architecture.inputDimension
      for i in 0..<n {
        var sum = 0.0
        for c in 0..<d { sum += inputs[i * d + c] * inputs[i * d + c] }
        inputNorms[i] = sum.squareRoot()
      }
    }
  }

  /// Allocates the frozen pattern's slopes (once; a piecewise-linear activation only). While
  /// ``usesFrozenPattern`` is set, the network is the one linear piece they select:
  ///
  ///   σ(z_nj) = m_nj z_nj,  σ'(z_nj) = m_nj,
  ///
  /// the flow of one activation pattern continued past its kinks (``CrossingCorrectedStepper``).
  public func enableFrozenPattern() {
    precondition(activation != .smoothRelu, "the smooth gate has no pattern to freeze")
    guard frozenSlopes == nil else { return }
    let count = max(sampleCount * architecture.hiddenUnitCount, 1)
    frozenSlopes = arena.buffer(count: count)
    frozenSlopes!.update(repeating: 1, count: count)
  }

  /// The frozen slopes of hidden layer k (N × d_k, row-major), for reading and writing.
  public func frozenSlopes(ofLayer k: Int) -> UnsafeMutablePointer<Double> {
    frozenSlopes! + sampleCount * hiddenOffsets[k]
  }

  /// Whether pair i = n·d_k + j of hidden layer k is on the active side in the last forward pass: its
  /// frozen slope is 1 while ``usesFrozenPattern`` is set, else z > 0. (For the Filippov flows, ReLU.)
  @inline(__always)
  public func isActive(layer k: Int, at i: Int) -> Bool {
    usesFrozenPattern ? frozenSlopes![sampleCount * hiddenOffsets[k] + i] == 1 : preActivations[k - 1][i] > 0
  }

  /// Sets the frozen slopes to σ'(Z_k) of the last forward pass (the pattern of its θ; σ'(0) = 0 for ReLU).
  public func freezePattern() {
    for k in 1..<depth {
      let count = sampleCount * sizes[k]
      let z = preActivations[k - 1]
      let m = frozenSlopes(ofLayer: k)
      // One pass, m = σ'(z): the same values as 1 · σ'(z).
      switch activation {
      case .relu:
        for i in 0..<count { m[i] = z[i] > 0 ? 1 : 0 }
      case .leakyRelu:
        let slope = slope
        for i in 0..<count { m[i] = z[i] > 0 ? 1 : slope }
      case .identity, .smoothRelu:
        m.update(repeating: 1, count: count)
      }
    }
  }

  /// Labels y_n (±1).
  public func label(_ n: Int) -> Double { labels[n] }

  /// Pre-activations Z_k of the last forward pass (N × d_k, row-major), k = 1…K.
  public func preActivations(ofLayer k: Int) -> UnsafePointer<Double> { UnsafePointer(preActivations[k - 1]) }

  /// Computes Z_k and the margins q_n for parameters θ.
  public func forward(_ theta: UnsafePointer<Double>) {
    let blas = usesBLAS
    for k in 1..<depth {
      NetworkKernels.transpose(
        theta + offsets[k], rows: sizes[k], columns: sizes[k - 1], into: transposedWeights + offsets[k])
    }
    if gate != nil {
      for k in 1..<depth {
        let columns = sizes[k - 1]
        let w = theta + offsets[k]
        for j in 0..<sizes[k] {
          var sum = 0.0
          for c in 0..<columns { sum += w[j * columns + c] * w[j * columns + c] }
          rowNorms[hiddenOffsets[k] + j] = sum.squareRoot()
        }
      }
    }
    var start = 0
    while start < sampleCount {
      let rows = min(blockRows, sampleCount - start)
      var input = UnsafePointer(inputs + start * sizes[0])
      for k in 1...depth {
        let din = sizes[k - 1]
        let dout = sizes[k]
        let z = preActivations[k - 1] + start * dout
        NetworkKernels.forward(
          blas: blas, rows: rows, din: din, dout: dout, a: input, w: theta + offsets[k],
          wT: transposedWeights + offsets[k], z: z)
        if k < depth {
          let h = keepsHidden ? keptHidden + sampleCount * hiddenOffsets[k] + start * dout : hidden
          if let gate { openGates(gate, layer: k, start: start, rows: rows, input: input) }
          computeHidden(layer: k, start: start, rows: rows, into: h)
          input = UnsafePointer(h)
        }
      }
      start += rows
    }
    let output = preActivations[depth - 1]
    for i in 0..<sampleCount { margins[i] = labels[i] * output[i] }
  }

  /// Writes G = Σ_n c_n ∇_θ f(W; x_n) into `gradient` (P entries), using the pre-activations of the
  /// last ``forward(_:)``, which must have been called with the same θ.
  public func backward(
    _ theta: UnsafePointer<Double>, outputWeights c: UnsafePointer<Double>,
    gradient: UnsafeMutablePointer<Double>
  ) {
    let blas = usesBLAS
    let p = offsets[depth] + sizes[depth - 1]
    gradient.update(repeating: 0, count: p)
    if !blas { transposedGradient.update(repeating: 0, count: p) }
    if gate != nil { unitShrink.update(repeating: 0, count: hiddenOffsets[depth]) }
    var start = 0
    while start < sampleCount {
      let rows = min(blockRows, sampleCount - start)
      // Output layer: G_K += H_{K−1}ᵀ c, D_{K−1} = (c ⊗ w_K) ⊙ σ'(Z_{K−1}).
      let cBlock = c + start
      let last = depth - 1
      let dLast = sizes[last]
      // Without kept H_{K−1} or a gate, H_{K−1} and D_{K−1} of the block come from one pass over Z_{K−1}.
      let fused = depth > 1 && !keepsHidden && gate == nil
      if fused { lastHiddenAndSignal(cBlock, theta + offsets[depth], start: start, rows: rows) }
      let aLast =
        last == 0
        ? UnsafePointer(inputs + start * sizes[0])
        : fused ? UnsafePointer(hidden) : hiddenBlock(layer: last, start: start, rows: rows)
      NetworkKernels.accumulateGradient(
        blas: blas, rows: rows, din: dLast, dout: 1, d: cBlock, a: aLast, g: gradient + offsets[depth],
        gT: transposedGradient + offsets[depth])
      if depth > 1 {
        var delta = deltaA
        var spare = deltaB
        if !fused {
          outerProduct(cBlock, theta + offsets[depth], rows: rows, columns: dLast, into: delta)
          applyDerivative(layer: last, start: start, rows: rows, to: delta)
        }
        for k in stride(from: depth - 1, through: 1, by: -1) {
          let din = sizes[k - 1]
          let dout = sizes[k]
          let a = k == 1 ? UnsafePointer(inputs + start * din) : hiddenBlock(layer: k - 1, start: start, rows: rows)
          NetworkKernels.accumulateGradient(
            blas: blas, rows: rows, din: din, dout: dout, d: delta, a: a, g: gradient + offsets[k],
            gT: transposedGradient + offsets[k])
          guard k > 1 else { break }
          NetworkKernels.backpropagate(
            blas: blas, rows: rows, din: din, dout: dout, d: delta, w: theta + offsets[k], p: spare)
          if gate != nil { shrinkInputSignal(layer: k, start: start, rows: rows, input: a, signal: spare) }
          applyDerivative(layer: k - 1, start: start, rows: rows, to: spare)
          swap(&delta, &spare)
        }
      }
      start += rows
    }
    if !blas {
      for k in 1..<depth {
        NetworkKernels.addTransposed(
          transposedGradient + offsets[k], rows: sizes[k], columns: sizes[k - 1], into: gradient + offsets[k])
      }
    }
    if gate != nil {
      // G_k[j, :] −= (Σ_n t_nj / ‖w_j‖²)·w_j.
      for k in 1..<depth {
        let columns = sizes[k - 1]
        for j in 0..<sizes[k] {
          let r = rowNorms[hiddenOffsets[k] + j]
          guard r > 0 else { continue }
          let factor = unitShrink[hiddenOffsets[k] + j] / (r * r)
          let w = theta + offsets[k] + j * columns
          let g = gradient + offsets[k] + j * columns
          for c in 0..<columns { g[c] -= factor * w[c] }
        }
      }
    }
  }

  /// H_k = σ(Z_k) for rows [start, start + rows): the forward pass's when it kept them, else
  /// recomputed into the block scratch.
  private func hiddenBlock(layer k: Int, start: Int, rows: Int) -> UnsafePointer<Double> {
    if keepsHidden { return UnsafePointer(keptHidden + sampleCount * hiddenOffsets[k] + start * sizes[k]) }
    computeHidden(layer: k, start: start, rows: rows, into: hidden)
    return UnsafePointer(hidden)
  }

  /// For rows [start, start + rows) of the last hidden layer k = K − 1 (no gate): `hidden` ← H_k = σ(Z_k)
  /// and `deltaA` ← D_k = (c ⊗ w_K) ⊙ σ'(Z_k), in one pass that reads Z_k (and the frozen slopes) once.
  /// Each entry is computed as in ``computeHidden`` and ``outerProduct`` followed by ``applyDerivative``
  /// (z·m, and (c_r w_j)·σ'), so the values are the same bit for bit.
  private func lastHiddenAndSignal(
    _ c: UnsafePointer<Double>, _ w: UnsafePointer<Double>, start: Int, rows: Int
  ) {
    let k = depth - 1
    let columns = sizes[k]
    let slope = slope
    let frozen = usesFrozenPattern ? frozenSlopes! + sampleCount * hiddenOffsets[k] + start * columns : nil
    // Row by row with row pointers, so that each inner loop is a plain elementwise loop over contiguous
    // memory that LLVM vectorizes.
    for r in 0..<rows {
      let s = c[r]
      let z = UnsafePointer(preActivations[k - 1] + (start + r) * columns)
      let h = hidden + r * columns
      let d = deltaA + r * columns
      if let frozen {
        let m = UnsafePointer(frozen + r * columns)
        for j in 0..<columns { h[j] = z[j] * m[j] }
        for j in 0..<columns { d[j] = (s * w[j]) * m[j] }
        continue
      }
      switch activation {
      case .relu:
        for j in 0..<columns { h[j] = z[j] > 0 ? z[j] : 0 }
        for j in 0..<columns { d[j] = (s * w[j]) * (z[j] > 0 ? 1 : 0) }
      case .leakyRelu:
        for j in 0..<columns { h[j] = z[j] > 0 ? z[j] : slope * z[j] }
        for j in 0..<columns { d[j] = (s * w[j]) * (z[j] > 0 ? 1 : slope) }
      case .identity, .smoothRelu:
        for j in 0..<columns { h[j] = z[j] }
        for j in 0..<columns { d[j] = s * w[j] }
      }
    }
  }

  /// h = σ(Z_k) for rows [start, start + rows) (the smooth gate: Z_k ⊙ S from ``openGates``).
  private func computeHidden(layer k: Int, start: Int, rows: Int, into h: UnsafeMutablePointer<Double>) {
    let count = rows * sizes[k]
    let z = preActivations[k - 1] + start * sizes[k]
    if gate != nil || usesFrozenPattern {
      let s = (usesFrozenPattern ? frozenSlopes! : gates) + sampleCount * hiddenOffsets[k] + start * sizes[k]
      for i in 0..<count { h[i] = z[i] * s[i] }
    } else {
      activate(z, into: h, count: count)
    }
  }

  /// d ⊙= σ'(Z_k) for rows [start, start + rows) (the smooth gate: ``closeGates``).
  @inline(__always)
  private func applyDerivative(layer k: Int, start: Int, rows: Int, to d: UnsafeMutablePointer<Double>) {
    if usesFrozenPattern {
      let m = frozenSlopes! + sampleCount * hiddenOffsets[k] + start * sizes[k]
      for i in 0..<(rows * sizes[k]) { d[i] *= m[i] }
    } else if let gate {
      closeGates(gate, layer: k, start: start, rows: rows, delta: d)
    } else {
      applyDerivative(preActivations[k - 1] + start * sizes[k], to: d, count: rows * sizes[k])
    }
  }

  /// h = σ(z), one loop per activation so that each vectorizes.
  @inline(__always)
  private func activate(_ z: UnsafePointer<Double>, into h: UnsafeMutablePointer<Double>, count: Int) {
    switch activation {
    case .relu:
      for i in 0..<count { h[i] = z[i] > 0 ? z[i] : 0 }
    case .identity:
      h.update(from: z, count: count)
    case .leakyRelu:
      let slope = slope
      for i in 0..<count { h[i] = z[i] > 0 ? z[i] : slope * z[i] }
    case .smoothRelu:
      break  // not elementwise: hiddenBlock(layer:start:rows:)
    }
  }

  /// d ⊙= σ'(z).
  @inline(__always)
  private func applyDerivative(_ z: UnsafePointer<Double>, to d: UnsafeMutablePointer<Double>, count: Int) {
    switch activation {
    case .relu:
      for i in 0..<count { d[i] *= z[i] > 0 ? 1 : 0 }
    case .identity:
      break
    case .leakyRelu:
      let slope = slope
      for i in 0..<count { d[i] *= z[i] > 0 ? 1 : slope }
    case .smoothRelu:
      break  // not elementwise: closeGates
    }
  }

  /// out[r, j] = c[r] · w[j].
  @inline(__always)
  private func outerProduct(
    _ c: UnsafePointer<Double>, _ w: UnsafePointer<Double>, rows: Int, columns: Int,
    into out: UnsafeMutablePointer<Double>
  ) {
    for r in 0..<rows {
      let s = c[r]
      let row = out + r * columns
      for j in 0..<columns { row[j] = s * w[j] }
    }
  }
}
