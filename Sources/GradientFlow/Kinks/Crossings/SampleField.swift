import ODE

/// One sample's part of the flow on a given linear piece of a piecewise-linear network: for sample n
/// and slopes m (one per hidden unit, as in ``NetworkEvaluator/frozenSlopes(ofLayer:)``),
///
///   z_k = W_k h_{k−1},  h_k = m_k ⊙ z_k,  h_0 = x_n,  q = y_n W_K h_{K−1},
///   a_n ∇_θ q_n = a_n y_n ∇_θ f_n  with a_n = −ℓ'(q_n),
///
/// by plain loops over one input row (O(P) each, no allocation). ``CrossingCorrectedStepper`` calls it
/// at a few points of a step for the few samples whose pattern changes there.
///
/// Slopes and pre-activations of all hidden layers sit in one vector of Σ_k d_k entries, layer 1 first.
final class SampleField {
  /// σ of the stepper's unit of time e^σ: forces are per that unit (``Loss/force(margin:logTimeUnit:)``).
  var logTimeUnit = 0.0
  let architecture: Architecture
  let loss: Loss
  private let depth: Int
  private let sizes: [Int]
  private let offsets: [Int]
  /// Offset of hidden layer k in a hidden-unit vector (index k; entry 0 unused).
  let hiddenOffsets: [Int]
  let hiddenCount: Int
  private let inputs: UnsafeMutablePointer<Double>
  private let labels: UnsafeMutablePointer<Double>
  /// h_k of the last forward pass (hidden layout) and two backprop signals (widest layer).
  private let hidden: UnsafeMutablePointer<Double>
  private let signal: UnsafeMutablePointer<Double>
  private let signalBelow: UnsafeMutablePointer<Double>
  private var lastSample = 0

  init(architecture: Architecture, inputs: [Double], labels: [Double], loss: Loss) {
    self.architecture = architecture
    self.loss = loss
    depth = architecture.depth
    sizes = architecture.layerSizes
    offsets = (0...architecture.depth).map { $0 == 0 ? 0 : architecture.offset(ofLayer: $0) }
    var hiddenOffsets = [0]
    var total = 0
    for k in 1...architecture.depth {
      hiddenOffsets.append(total)
      if k < architecture.depth { total += sizes[k] }
    }
    self.hiddenOffsets = hiddenOffsets
    hiddenCount = total
    self.inputs = .allocate(capacity: inputs.count)
    self.inputs.initialize(from: inputs, count: inputs.count)
    self.labels = .allocate(capacity: labels.count)
    self.labels.initialize(from: labels, count: labels.count)
    hidden = .allocate(capacity: max(total, 1))
    hidden.initialize(repeating: 0, count: max(total, 1))
    let widest = sizes.max() ?? 1
    signal = .allocate(capacity: widest)
    signalBelow = .allocate(capacity: widest)
    signal.initialize(repeating: 0, count: widest)
    signalBelow.initialize(repeating: 0, count: widest)
  }

  deinit {
    for buffer in [inputs, labels, hidden, signal, signalBelow] { buffer.deallocate() }
  }

  /// y_n.
  func label(_ n: Int) -> Double { labels[n] }

  /// x_n (d_0 entries).
  func input(_ n: Int) -> UnsafePointer<Double> { UnsafePointer(inputs + n * sizes[0]) }

  /// (k, j) of hidden unit u of the hidden layout.
  func layerAndUnit(_ u: Int) -> (Int, Int) {
    var k = 1
    while k + 1 < depth, u >= hiddenOffsets[k + 1] { k += 1 }
    return (k, u - hiddenOffsets[k])
  }

  /// ‖h_{k−1}‖ of the last ``preActivations(_:sample:slopes:into:)`` (‖x_n‖ for k = 1).
  func inputNorm(ofLayer k: Int) -> Double {
    let h: UnsafePointer<Double> =
      k == 1 ? UnsafePointer(inputs + lastSample * sizes[0]) : UnsafePointer(hidden + hiddenOffsets[k - 1])
    var squared = 0.0
    for i in 0..<sizes[k - 1] { squared += h[i] * h[i] }
    return squared.squareRoot()
  }

  /// Writes z_k of every hidden layer (hidden layout) for sample n at θ on the piece of `slopes`, and
  /// returns the output f_n.
  @discardableResult
  func preActivations(
    _ theta: UnsafePointer<Double>, sample n: Int, slopes m: UnsafePointer<Double>,
    into z: UnsafeMutablePointer<Double>
  ) -> Double {
    lastSample = n
    var input = UnsafePointer(inputs + n * sizes[0])
    for k in 1..<depth {
      let (rows, columns) = (sizes[k], sizes[k - 1])
      let w = theta + offsets[k]
      let zk = z + hiddenOffsets[k]
      let hk = hidden + hiddenOffsets[k]
      let mk = m + hiddenOffsets[k]
      for j in 0..<rows {
        let value = NetworkKernels.dot(w + j * columns, input, columns)
        zk[j] = value
        hk[j] = mk[j] * value
      }
      input = UnsafePointer(hk)
    }
    return NetworkKernels.dot(theta + offsets[depth], input, sizes[depth - 1])
  }

  /// ∂f_n/∂h_u: the signal backprop brings to hidden unit u of sample n from the output, with `slopes` on
  /// the layers above u's (W_K's entry for the last hidden layer). O(Σ_{i>k} d_i d_{i−1}).
  func outputSignal(_ theta: UnsafePointer<Double>, slopes m: UnsafePointer<Double>, unit u: Int) -> Double {
    let (k, j) = layerAndUnit(u)
    let top = sizes[depth - 1]
    let wK = theta + offsets[depth]
    if k == depth - 1 { return wK[j] }
    for i in 0..<top { signal[i] = wK[i] }
    var i = depth - 1
    while i > k {
      let mi = m + hiddenOffsets[i]
      for r in 0..<sizes[i] { signal[r] *= mi[r] }
      passSignalDown(theta, throughLayer: i)
      i -= 1
    }
    return signal[j]
  }

  /// Backprop of `signal` (the signal reaching layer `top`'s units) down to the inputs, adding each layer's
  /// gradient on the way (``addLayerGradient(layer:sample:slopes:into:)``).
  private func backpropagate(
    _ theta: UnsafePointer<Double>, from top: Int, sample n: Int, slopes m: UnsafePointer<Double>,
    into v: UnsafeMutablePointer<Double>
  ) {
    var i = top
    while i >= 1 {
      addLayerGradient(layer: i, sample: n, slopes: m, into: v)
      guard i > 1 else { break }
      passSignalDown(theta, throughLayer: i)
      i -= 1
    }
  }

  /// The signal reaching layer i's units, through their slopes, into W_i's gradient:
  /// signal ⊙= m_i, then G_i += signal h_{i−1}ᵀ (h of the sample's last pass).
  private func addLayerGradient(
    layer i: Int, sample n: Int, slopes m: UnsafePointer<Double>, into v: UnsafeMutablePointer<Double>
  ) {
    let (rows, columns) = (sizes[i], sizes[i - 1])
    let mi = m + hiddenOffsets[i]
    for r in 0..<rows { signal[r] *= mi[r] }
    let input: UnsafePointer<Double> =
      i == 1 ? UnsafePointer(inputs + n * sizes[0]) : UnsafePointer(hidden + hiddenOffsets[i - 1])
    let g = v + offsets[i]
    for r in 0..<rows where signal[r] != 0 {
      let e = signal[r]
      let gr = g + r * columns
      for c in 0..<columns { gr[c] += e * input[c] }
    }
  }

  /// signal ← W_iᵀ signal: the backprop signal from layer i's units (d_i entries) to its inputs (d_{i−1}).
  private func passSignalDown(_ theta: UnsafePointer<Double>, throughLayer i: Int) {
    let (rows, columns) = (sizes[i], sizes[i - 1])
    let w = theta + offsets[i]
    for c in 0..<columns { signalBelow[c] = 0 }
    for r in 0..<rows where signal[r] != 0 {
      let e = signal[r]
      let wr = w + r * columns
      for c in 0..<columns { signalBelow[c] += e * wr[c] }
    }
    for c in 0..<columns { signal[c] = signalBelow[c] }
  }

  /// ‖∇_θ z_u‖² for hidden unit u of the sample last passed through ``preActivations(_:sample:slopes:into:)``
  /// at θ: Σ_i ‖δ_i‖²‖h_{i−1}‖² over the layers i ≤ k (∂z_u/∂W_i = δ_i h_{i−1}ᵀ, δ_k = e_j), by a backprop of
  /// one unit's signal, without writing the gradient.
  func jacobianSquaredNorm(_ theta: UnsafePointer<Double>, slopes m: UnsafePointer<Double>, unit u: Int) -> Double {
    let (k, j) = layerAndUnit(u)
    let norm = inputNorm(ofLayer: k)
    var total = norm * norm
    var columns = sizes[k - 1]
    let w = theta + offsets[k] + j * columns
    for c in 0..<columns { signal[c] = w[c] }
    var i = k - 1
    while i >= 1 {
      let rows = columns
      columns = sizes[i - 1]
      let mi = m + hiddenOffsets[i]
      var squared = 0.0
      for r in 0..<rows {
        signal[r] *= mi[r]
        squared += signal[r] * signal[r]
      }
      let below = inputNorm(ofLayer: i)
      total += squared * below * below
      guard i > 1 else { break }
      passSignalDown(theta, throughLayer: i)
      i -= 1
    }
    return total
  }

  /// v += scale · ∇_θ z_u(θ) for hidden unit u of sample n on the piece of `slopes` (z_u does not depend on
  /// its own slope); `z` is scratch. Returns z_u.
  @discardableResult
  func addPreActivationGradient(
    _ theta: UnsafePointer<Double>, sample n: Int, slopes m: UnsafePointer<Double>, unit u: Int, scale: Double,
    into v: UnsafeMutablePointer<Double>, scratch z: UnsafeMutablePointer<Double>
  ) -> Double {
    preActivations(theta, sample: n, slopes: m, into: z)
    let (k, j) = layerAndUnit(u)
    let columns = sizes[k - 1]
    let input: UnsafePointer<Double> =
      k == 1 ? UnsafePointer(inputs + n * sizes[0]) : UnsafePointer(hidden + hiddenOffsets[k - 1])
    let row = v + offsets[k] + j * columns
    for i in 0..<columns { row[i] += scale * input[i] }
    // ∂z_u/∂h_{k−1} = W_k[j, :], then down: δ_i = (W_{i+1}ᵀ δ_{i+1}) ⊙ m_i, ∂z_u/∂W_i = δ_i h_{i−1}ᵀ.
    let w = theta + offsets[k] + j * columns
    for i in 0..<columns { signal[i] = scale * w[i] }
    if k > 1 { backpropagate(theta, from: k - 1, sample: n, slopes: m, into: v) }
    return z[u]
  }

  /// v += scale · a_n ∇_θ q_n(θ) on the piece of `slopes`; `z` is scratch for the pre-activations.
  func addForce(
    _ theta: UnsafePointer<Double>, sample n: Int, slopes m: UnsafePointer<Double>, scale: Double,
    into v: UnsafeMutablePointer<Double>, scratch z: UnsafeMutablePointer<Double>
  ) {
    let f = preActivations(theta, sample: n, slopes: m, into: z)
    let y = labels[n]
    let c = scale * loss.force(margin: y * f, logTimeUnit: logTimeUnit) * y
    guard c != 0 else { return }
    let top = sizes[depth - 1]
    let below: UnsafePointer<Double> =
      depth == 1 ? UnsafePointer(inputs + n * sizes[0]) : UnsafePointer(hidden + hiddenOffsets[depth - 1])
    let wK = theta + offsets[depth]
    let gK = v + offsets[depth]
    for i in 0..<top {
      gK[i] += c * below[i]
      signal[i] = c * wK[i]
    }
    if depth > 1 { backpropagate(theta, from: depth - 1, sample: n, slopes: m, into: v) }
  }
}
