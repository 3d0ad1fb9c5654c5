import Foundation

/// A (sample, hidden unit) pair of a hidden layer: pre-activation z_nj = w_j·h_n of layer k.
public struct KinkPair: Hashable, Sendable, Codable, CustomStringConvertible {
  /// The hidden layer k (1 … K−1).
  public var layer: Int
  /// The sample n (0-based).
  public var sample: Int
  /// The unit j of layer k (0-based).
  public var unit: Int

  public init(layer: Int, sample: Int, unit: Int) {
    self.layer = layer
    self.sample = sample
    self.unit = unit
  }

  public var description: String { "(layer \(layer), sample \(sample), unit \(unit))" }
}

/// Finds the (sample, unit) pairs that sit on a ReLU kink, scale-free (THEORY §7.1):
///
///   pair (n, j) of layer k is *near the kink* when |z_nj| ≤ η · ‖W_k[j, :]‖ · ‖h_{k−1, n}‖,
///
/// i.e. when the angle between w_j and h_n is within about η of 90°. The test is invariant under
/// rescaling a layer or a sample, so it means the same at t = 1 and at t = 1e6. η (``band``) should sit
/// above the integration noise of z (a few times rtol): a sliding pair's |z| hovers at the tolerance
/// level, a crossing pair passes through the band in one or two steps.
///
/// For a two-layer net (f = Σ_j a_j σ(w_j·x)) a near-kink pair (n, j) is *sliding* when the flow pushes
/// z_nj onto 0 from both sides: ż_nj = a_j Σ_m c_m σ'(z_mj) ⟨x_m, x_n⟩ with c_m = a_m y_m, so with slope 1 on
/// the pair z decreases and with slope 0 it increases, which needs a_j c_n < 0. When several pairs of one
/// unit are near the kink the slopes interact; ``FilippovFlow`` solves the Filippov problem per unit
/// (``FilippovSlopeSolver``; ``DeepFilippovFlow`` for K ≥ 3).
///
/// The Filippov flows use the same test (which pairs get Filippov slopes), and ``SlidingDiagnostics`` its
/// band and norms (which pairs chatter); the checker's Clarke-aware mode flags kinks with it too, with
/// its own wider band τ = `check --kink-band` (``MarginJacobian/kinks(band:)``).
public struct SlidingPairDetector: Sendable {
  /// η: the relative half-width of the kink band.
  public var band: Double
  /// ‖x_n‖ of the network inputs.
  public let inputNorms: [Double]
  /// d_0.
  public let inputDimension: Int

  /// `inputs` row-major N × d_0, as given to ``NetworkEvaluator``.
  public init(inputs: [Double], inputDimension: Int, band: Double = 1e-6) {
    self.band = band
    self.inputDimension = inputDimension
    let n = inputDimension > 0 ? inputs.count / inputDimension : 0
    inputNorms = (0..<n).map { i in
      var s = 0.0
      for c in 0..<inputDimension { s += inputs[i * inputDimension + c] * inputs[i * inputDimension + c] }
      return s.squareRoot()
    }
  }

  /// Whether |z| ≤ η · ‖w‖ · ‖h‖.
  @inline(__always)
  public func isNearKink(_ z: Double, weightNorm: Double, inputNorm: Double) -> Bool {
    abs(z) <= band * weightNorm * inputNorm
  }

  /// |z| / (‖w‖‖h‖): the cosine of the angle between w_j and h_n (0 when either vanishes).
  @inline(__always)
  public static func relativePreActivation(_ z: Double, weightNorm: Double, inputNorm: Double) -> Double {
    let scale = weightNorm * inputNorm
    return scale > 0 ? abs(z) / scale : 0
  }

  /// Row norms ‖W_k[j, :]‖ of layer k.
  public static func rowNorms(theta: UnsafePointer<Double>, architecture: Architecture, layer k: Int) -> [Double] {
    let (rows, columns) = architecture.shape(ofLayer: k)
    let offset = architecture.offset(ofLayer: k)
    return (0..<rows).map { j in
      var s = 0.0
      for c in 0..<columns { s += theta[offset + j * columns + c] * theta[offset + j * columns + c] }
      return s.squareRoot()
    }
  }

  /// ‖σ(z)‖ of one row of pre-activations, for the kinked activations (``Activation/hasKink``):
  /// σ(z)² = z² for z > 0 and α²z² for leaky ReLU's z < 0 (0 for ReLU). Allocates nothing (the
  /// diagnostics call it after every accepted step).
  @inline(__always)
  static func activationNorm(_ z: UnsafePointer<Double>, count: Int, architecture: Architecture) -> Double {
    let negativeWeight = architecture.activation == .leakyRelu ? architecture.leakySlope * architecture.leakySlope : 0
    var s = 0.0
    for i in 0..<count { s += z[i] > 0 ? z[i] * z[i] : negativeWeight * z[i] * z[i] }
    return s.squareRoot()
  }

  /// Norms ‖h_{k−1, n}‖ of layer k's inputs from `network`'s last forward pass (‖x_n‖ for k = 1).
  public func layerInputNorms(network: NetworkEvaluator, layer k: Int) -> [Double] {
    guard k > 1 else { return inputNorms }
    let width = network.architecture.layerSizes[k - 1]
    let z = network.preActivations(ofLayer: k - 1)
    return (0..<network.sampleCount).map { n in
      Self.activationNorm(z + n * width, count: width, architecture: network.architecture)
    }
  }

  /// Every hidden-layer pair near the kink, from `network`'s last ``NetworkEvaluator/forward(_:)`` at θ.
  public func nearKinkPairs(network: NetworkEvaluator, theta: UnsafePointer<Double>) -> [KinkPair] {
    let architecture = network.architecture
    guard architecture.activation.hasKink else { return [] }
    var pairs: [KinkPair] = []
    for k in 1..<architecture.depth {
      let width = architecture.layerSizes[k]
      let weightNorms = Self.rowNorms(theta: theta, architecture: architecture, layer: k)
      let hNorms = layerInputNorms(network: network, layer: k)
      let z = network.preActivations(ofLayer: k)
      for n in 0..<network.sampleCount {
        for j in 0..<width where isNearKink(z[n * width + j], weightNorm: weightNorms[j], inputNorm: hNorms[n]) {
          pairs.append(KinkPair(layer: k, sample: n, unit: j))
        }
      }
    }
    return pairs
  }
}
