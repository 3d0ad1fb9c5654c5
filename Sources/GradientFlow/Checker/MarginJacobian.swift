/// Per-sample margin gradients h_n = ∇_θ q_n(W) of a bias-free network, one sample at a time, with
/// the activation slope at chosen hidden units overridden (THEORY §5.5 items 3 and 6).
///
/// With h_0 = x_n, z_k = W_k h_{k−1}, h_k = σ(z_k) and q_n = y_n z_K:
///
///   δ_K = y_n,   ∂q_n/∂W_k = δ_k h_{k−1}ᵀ,   δ_{k−1} = (W_kᵀ δ_k) ⊙ s_{k−1},
///
/// where s_k = σ'(z_k) with the ``Activation`` convention (σ'(0) = 0 for ReLU), except at the
/// (layer, unit) pairs listed in `slopes`, where s takes the given value. The values h_k = σ(z_k)
/// are never overridden. Euler's identity ⟨W_k, ∂q_n/∂W_k⟩ = q_n (THEORY H3) needs only
/// σ'(z)·z = σ(z), so an override at a unit with z = 0 keeps it exact and one at a flagged unit
/// (``kinks(band:)``, |z| ≤ τ‖w‖‖h‖) perturbs it by O(τ). Without overrides this is the same vector as
/// `NetworkEvaluator.backward` with output weights y_n e_n (tested to rounding).
///
/// The smooth gate (``SmoothGate``, no kinks, no overrides) is differentiated with its two extra
/// terms, as in ``NetworkEvaluator``.
///
/// Plain loops over one sample, O(P) per gradient: the checker is not a hot path.
struct MarginJacobian {
  let architecture: Architecture
  let theta: [Double]
  let labels: [Double]
  /// Inputs x_n, one array per sample.
  let inputs: [[Double]]
  /// Pre-activations z_{n,k} for k = 1…K, indexed [n][k − 1][unit].
  let preActivations: [[[Double]]]
  /// q_n(W) = y_n f(W; x_n).
  let margins: [Double]

  init(architecture: Architecture, inputs flat: [Double], labels: [Double], theta: [Double]) {
    self.architecture = architecture
    self.theta = theta
    self.labels = labels
    let d = architecture.inputDimension
    inputs = (0..<labels.count).map { Array(flat[($0 * d)..<(($0 + 1) * d)]) }
    var allZ: [[[Double]]] = []
    var margins: [Double] = []
    for n in 0..<labels.count {
      let z = Self.forward(architecture: architecture, theta: theta, input: inputs[n])
      allZ.append(z)
      margins.append(labels[n] * z[architecture.depth - 1][0])
    }
    preActivations = allZ
    self.margins = margins
  }

  /// z_k for k = 1…K of one input.
  private static func forward(architecture: Architecture, theta: [Double], input: [Double]) -> [[Double]] {
    var h = input
    var result: [[Double]] = []
    for k in 1...architecture.depth {
      let (rows, columns) = architecture.shape(ofLayer: k)
      let offset = architecture.offset(ofLayer: k)
      var z = [Double](repeating: 0, count: rows)
      for i in 0..<rows {
        var sum = 0.0
        for j in 0..<columns { sum += theta[offset + i * columns + j] * h[j] }
        z[i] = sum
      }
      result.append(z)
      if k < architecture.depth {
        h = hidden(layer: k, z: z, input: h, architecture: architecture, theta: theta)
      }
    }
    return result
  }

  /// h_k = σ(z_k) from z_k and the layer's input h_{k−1}.
  private static func hidden(layer k: Int, z: [Double], input: [Double], architecture: Architecture, theta: [Double])
    -> [Double]
  {
    guard let gate = architecture.smoothGate else {
      return z.map { architecture.activation.value($0, slope: architecture.leakySlope) }
    }
    let inputNorm = CheckerMath.norm(input)
    return z.enumerated().map { j, value in
      gate.value(value, scale: rowNorm(layer: k, unit: j, architecture: architecture, theta: theta) * inputNorm)
    }
  }

  /// ‖W_k[j, :]‖.
  private static func rowNorm(layer k: Int, unit j: Int, architecture: Architecture, theta: [Double]) -> Double {
    let columns = architecture.shape(ofLayer: k).columns
    let start = architecture.offset(ofLayer: k) + j * columns
    return CheckerMath.norm(Array(theta[start..<(start + columns)]))
  }

  /// The inputs h_{k−1} of every layer k = 1…K of sample n.
  private func layerInputs(sample n: Int) -> [[Double]] {
    var result = [inputs[n]]
    for k in 1..<architecture.depth {
      result.append(
        Self.hidden(
          layer: k, z: preActivations[n][k - 1], input: result[k - 1], architecture: architecture, theta: theta))
    }
    return result
  }

  /// ∇_θ q_n with the slopes of hidden layer `k` (1…K−1), unit `i`, replaced by `slopes[HiddenUnit(k, i)]`.
  func gradient(sample n: Int, slopes: [HiddenUnit: Double] = [:]) -> [Double] {
    if let gate = architecture.smoothGate { return smoothGradient(sample: n, gate: gate) }
    let depth = architecture.depth
    let activation = architecture.activation
    let slope = architecture.leakySlope
    let z = preActivations[n]
    var gradient = [Double](repeating: 0, count: architecture.parameterCount)
    var delta = [labels[n]]
    for k in stride(from: depth, through: 1, by: -1) {
      let (rows, columns) = architecture.shape(ofLayer: k)
      let offset = architecture.offset(ofLayer: k)
      let previous =
        k > 1 ? z[k - 2].map { activation.value($0, slope: slope) } : inputs[n]
      for i in 0..<rows where delta[i] != 0 {
        for j in 0..<columns { gradient[offset + i * columns + j] = delta[i] * previous[j] }
      }
      guard k > 1 else { break }
      var next = [Double](repeating: 0, count: columns)
      for j in 0..<columns {
        let unit = HiddenUnit(layer: k - 1, unit: j)
        let s = slopes[unit] ?? activation.derivative(z[k - 2][j], slope: slope)
        guard s != 0 else { continue }
        var sum = 0.0
        for i in 0..<rows { sum += theta[offset + i * columns + j] * delta[i] }
        next[j] = sum * s
      }
      delta = next
    }
    return gradient
  }

  /// ∇_θ q_n through the smooth gate: the signal Δ into unit j of layer k gives the elementwise
  /// part Δ(S + uS') and, with t_j = Δ_j z_j u_j S'_j, −t_j w_j/‖w_j‖² in row j of ∂q/∂W_k and
  /// −(Σ_j t_j) h/‖h‖² in the signal into the layer's input h (``SmoothGate``).
  private func smoothGradient(sample n: Int, gate: SmoothGate) -> [Double] {
    let depth = architecture.depth
    let z = preActivations[n]
    let h = layerInputs(sample: n)
    var gradient = [Double](repeating: 0, count: architecture.parameterCount)
    // D_k, and t_i of layer k's gates (none for the output layer).
    var delta = [labels[n]]
    var terms: [Double] = []
    for k in stride(from: depth, through: 1, by: -1) {
      let (rows, columns) = architecture.shape(ofLayer: k)
      let offset = architecture.offset(ofLayer: k)
      for i in 0..<rows {
        let r = Self.rowNorm(layer: k, unit: i, architecture: architecture, theta: theta)
        let shrink = terms.isEmpty || r == 0 ? 0 : terms[i] / (r * r)
        for j in 0..<columns {
          let index = offset + i * columns + j
          gradient[index] = delta[i] * h[k - 1][j] - shrink * theta[index]
        }
      }
      guard k > 1 else { break }
      // Δ: the signal into h_{k−1} = σ(z_{k−1}), then through the gates of layer k − 1.
      var signal = [Double](repeating: 0, count: columns)
      for j in 0..<columns {
        for i in 0..<rows { signal[j] += theta[offset + i * columns + j] * delta[i] }
      }
      let hNorm = CheckerMath.norm(h[k - 1])
      if !terms.isEmpty, hNorm > 0 {
        let shrink = terms.reduce(0, +) / (hNorm * hNorm)
        for j in 0..<columns { signal[j] -= shrink * h[k - 1][j] }
      }
      let inputNorm = CheckerMath.norm(h[k - 2])
      delta = []
      terms = []
      for j in 0..<columns {
        let r = Self.rowNorm(layer: k - 1, unit: j, architecture: architecture, theta: theta)
        let u = gate.argument(z[k - 2][j], scale: r * inputNorm)
        let s = SmoothGate.logistic(u)
        let slope = s * (1 - s)
        terms.append(signal[j] * z[k - 2][j] * u * slope)
        delta.append(signal[j] * (s + u * slope))
      }
    }
    return gradient
  }

  /// The slope σ' takes at (sample n, unit) under the activation's convention.
  func conventionSlope(sample n: Int, unit: HiddenUnit) -> Double {
    architecture.activation.derivative(
      preActivations[n][unit.layer - 1][unit.unit], slope: architecture.leakySlope)
  }

  /// The interval of one-sided slopes of σ at its kink: [0, 1] for ReLU, [α, 1] for leaky ReLU.
  var kinkSlopeRange: (low: Double, high: Double) {
    architecture.activation == .leakyRelu ? (architecture.leakySlope, 1) : (0, 1)
  }

  /// The hidden units of each sample that sit on (or numerically next to) a kink of σ (THEORY §5.5
  /// item 6, §7.1), by the runs' own test (``SlidingPairDetector/isNearKink(_:weightNorm:inputNorm:)``):
  ///
  ///   |z_{n,k,j}| ≤ η · ‖W_k[j, :]‖ · ‖h_{k−1, n}‖,
  ///
  /// the angle between w_j and h_n within about η of 90°. Unlike a threshold on |z| alone, it flags the
  /// same pairs when a layer or a sample is rescaled, or a unit of the last hidden layer (any hidden
  /// unit of a two-layer net) gets incoming weights ×c and outgoing ×1/c (the same function). Empty for
  /// the identity activation and for K = 1.
  func kinks(band: Double) -> [[HiddenUnit]] {
    let n = labels.count
    guard architecture.activation.hasKink, architecture.depth >= 2 else {
      return Array(repeating: [], count: n)
    }
    let detector = SlidingPairDetector(
      inputs: inputs.flatMap { $0 }, inputDimension: architecture.inputDimension, band: band)
    let rowNorms = (1..<architecture.depth).map { k in
      theta.withUnsafeBufferPointer {
        SlidingPairDetector.rowNorms(theta: $0.baseAddress!, architecture: architecture, layer: k)
      }
    }
    return (0..<n).map { m in
      var flagged: [HiddenUnit] = []
      for k in 1..<architecture.depth {
        let inputNorm =
          k == 1
          ? detector.inputNorms[m]
          : preActivations[m][k - 2].withUnsafeBufferPointer {
            SlidingPairDetector.activationNorm($0.baseAddress!, count: $0.count, architecture: architecture)
          }
        for (j, value) in preActivations[m][k - 1].enumerated()
        where detector.isNearKink(value, weightNorm: rowNorms[k - 1][j], inputNorm: inputNorm) {
          flagged.append(HiddenUnit(layer: k, unit: j))
        }
      }
      return flagged
    }
  }
}

/// Hidden unit `unit` (0-based) of hidden layer `layer` (1…K−1).
struct HiddenUnit: Hashable, Sendable, Comparable {
  let layer: Int
  let unit: Int

  static func < (a: HiddenUnit, b: HiddenUnit) -> Bool {
    (a.layer, a.unit) < (b.layer, b.unit)
  }
}
