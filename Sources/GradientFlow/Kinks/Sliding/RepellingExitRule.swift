import Foundation
import ODE

/// The exit side of a first-layer pair whose sliding surface turns repelling (``RepellingExit`` `rule`,
/// docs/kinks.md "Repelling sliding surfaces").
///
/// Unit j of f(x) = Σ_j a_j σ(w_j·x), pair (n, j) in its kink band. With c_m = y_m (−ℓ'(q_m)) and s_m the
/// slopes of unit j's other samples (their pattern), ż_nj = a_j (B + A s) with
///
///   A = c_n ‖x_n‖²,   B = Σ_{m≠n} c_m s_m ⟨x_m, x_n⟩,   s* = −B/A (the equivalent control).
///
/// The surface repels when a_j c_n > 0; if s* lies inside the slope range (α, 1) no trajectory reaches it, so
/// the pair was sliding until a_j crossed 0. The smooth-ReLU limit leaves to the side of −ṡ*, with
///
///   ṡ* = (B Ȧ − Ḃ A)/A²,   Ȧ = ċ_n ‖x_n‖²,   Ḃ = Σ_{m≠n} ċ_m s_m ⟨x_m, x_n⟩
///
/// (the other slopes are constant on the piece). ċ_m = y_m (−ℓ''(q_m)) q̇_m, q̇_m = ⟨∇q_m, θ̇⟩ one forward-mode
/// pass along the flow's direction: q̇_m = y_m Σ_i [ȧ_i σ(z_mi) + a_i σ'(z_mi) ⟨x_m, ẇ_i⟩]. s* is homogeneous
/// of degree 0 in c, so a factor common to every c_m (the force scale, the clock's e^{logScale}) drops out of
/// ṡ*, and only its sign is used: ċ_m ∝ −c_m q̇_m (exponential), −c_m σ(q_m) q̇_m (logistic), −2 y_m q̇_m
/// (square).
///
/// The pair then gets slope α (below) if ṡ* > 0 and 1 (above) if ṡ* < 0: with slope α, ż = g(α − s*) < 0,
/// with slope 1, ż = g(1 − s*) > 0 (g = a_j A > 0), so every later evaluation in the band sees the same side
/// and the repelling field carries the pair out of it there. θ̇ is the direction with the pair at its ReLU
/// slope; the pair's own share of it is a_j c_n s x_n, O(a_j), which vanishes at the exit a_j = 0.
///
/// Units with two or more repelling pairs in their band keep their ReLU slopes (no rule: the smooth limit's
/// side depends on the mollifier there) and are counted. Samples on a shared surface (``CoincidentKinks``)
/// keep theirs too. Nothing allocates after `init`.
final class RepellingExitRule {
  private let arena = ScratchArena()
  private let inputs: UnsafePointer<Double>
  private let inputNorms: UnsafePointer<Double>
  private let sampleCount: Int
  private let dimension: Int
  private let width: Int
  private let outputOffset: Int
  private let lowerSlope: Double
  private let loss: Loss
  /// Per unit: its repelling pairs in the band this evaluation, and the first one's sample.
  let counts: UnsafeMutablePointer<Int>
  let samples: UnsafeMutablePointer<Int>
  /// ⟨x_m, x_n⟩ for the pair's sample n, and ċ_m (up to a common positive factor) where it is needed.
  private let gramRow: UnsafeMutablePointer<Double>
  /// Pairs given an exit slope in the last evaluation.
  private(set) var exits = 0
  /// Whether the last evaluation had a unit with two or more repelling pairs in its band.
  private(set) var unresolved = false
  /// Whether an exit slope is written into the network's frozen pattern too, in frozen-pattern evaluations
  /// (``ExitPattern`` `exit-side`).
  var holdsExitSide = false

  init(
    inputs: UnsafePointer<Double>, inputNorms: UnsafePointer<Double>, samples n: Int, dimension d: Int,
    width: Int, outputOffset: Int, lowerSlope: Double, loss: Loss
  ) {
    self.inputs = inputs
    self.inputNorms = inputNorms
    sampleCount = n
    dimension = d
    self.width = width
    self.outputOffset = outputOffset
    self.lowerSlope = lowerSlope
    self.loss = loss
    counts = arena.buffer(count: max(width, 1))
    samples = arena.buffer(count: max(width, 1))
    gramRow = arena.buffer(count: max(n, 1))
  }

  func reset() {
    counts.update(repeating: 0, count: width)
    exits = 0
    unresolved = false
  }

  /// Records repelling pair (m, j), found in its band.
  @inline(__always)
  func record(sample m: Int, unit j: Int) {
    if counts[j] == 0 { samples[j] = m }
    counts[j] += 1
  }

  /// Gives each unit's lone repelling pair with s* inside (α, 1) the slope of the side of −ṡ* in `direction`
  /// (θ's direction, its first-layer rows ẇ_j and output rates ȧ_j). `c` = y_m (−ℓ'(q_m)) up to a common factor.
  func apply(
    theta: UnsafePointer<Double>, direction g: UnsafeMutablePointer<Double>, network: NetworkEvaluator,
    outputWeights c: UnsafePointer<Double>, coincident: CoincidentKinks
  ) {
    let d = dimension
    for j in 0..<width where counts[j] > 0 {
      if counts[j] > 1 {
        unresolved = true
        continue
      }
      let n = samples[j]
      if !coincident.isEmpty, coincident.classOf[n] >= 0 { continue }
      guard let slope = exitSlope(sample: n, unit: j, theta: theta, direction: g, network: network, c: c) else {
        continue
      }
      let current = network.isActive(layer: 1, at: n * width + j) ? 1 : lowerSlope
      let u = theta[outputOffset + j] * c[n] * (slope - current)
      exits += 1
      if holdsExitSide, network.usesFrozenPattern { network.frozenSlopes(ofLayer: 1)[n * width + j] = slope }
      guard u != 0 else { continue }
      let x = inputs + n * d
      let row = g + j * d
      for i in 0..<d { row[i] += u * x[i] }
    }
  }

  /// The slope of the side of −ṡ* for pair (n, j), or nil when s* lies outside (α, 1) or ṡ* = 0.
  private func exitSlope(
    sample n: Int, unit j: Int, theta: UnsafePointer<Double>, direction g: UnsafePointer<Double>,
    network: NetworkEvaluator, c: UnsafePointer<Double>
  ) -> Double? {
    let d = dimension
    let xn = inputs + n * d
    let normSquared = inputNorms[n] * inputNorms[n]
    let a = c[n] * normSquared
    var b = 0.0
    for m in 0..<sampleCount where m != n {
      let s = slope(sample: m, unit: j, network: network)
      guard s != 0, c[m] != 0 else {
        gramRow[m] = 0
        continue
      }
      let xm = inputs + m * d
      var dot = 0.0
      for i in 0..<d { dot += xm[i] * xn[i] }
      gramRow[m] = s * dot
      b += c[m] * gramRow[m]
    }
    guard a != 0 else { return nil }
    let control = -b / a
    guard control > lowerSlope, control < 1 else { return nil }
    let aRate = rate(sample: n, theta: theta, direction: g, network: network, c: c) * normSquared
    var bRate = 0.0
    for m in 0..<sampleCount where m != n && gramRow[m] != 0 {
      bRate += rate(sample: m, theta: theta, direction: g, network: network, c: c) * gramRow[m]
    }
    let numerator = b * aRate - bRate * a  // A² ṡ*
    guard numerator != 0, numerator.isFinite else { return nil }
    return numerator > 0 ? lowerSlope : 1
  }

  /// σ'(z_mj) of the pattern (frozen or not): 1 above the kink, α below.
  @inline(__always)
  private func slope(sample m: Int, unit j: Int, network: NetworkEvaluator) -> Double {
    network.isActive(layer: 1, at: m * width + j) ? 1 : lowerSlope
  }

  /// ċ_m up to the common positive factor: y_m (−ℓ''(q_m)) q̇_m, q̇_m = y_m Σ_i [ȧ_i σ(z_mi) + a_i σ'(z_mi) ⟨x_m, ẇ_i⟩].
  private func rate(
    sample m: Int, theta: UnsafePointer<Double>, direction g: UnsafePointer<Double>, network: NetworkEvaluator,
    c: UnsafePointer<Double>
  ) -> Double {
    let d = dimension
    let x = inputs + m * d
    let z = network.preActivations(ofLayer: 1) + m * width
    var outputRate = 0.0
    for i in 0..<width {
      let s = slope(sample: m, unit: i, network: network)
      guard s != 0 else { continue }
      let row = g + i * d
      var dot = 0.0
      for e in 0..<d { dot += x[e] * row[e] }
      outputRate += g[outputOffset + i] * s * z[i] + theta[outputOffset + i] * s * dot
    }
    let y = network.label(m)
    let marginRate = y * outputRate
    switch loss {
    case .exponential: return -c[m] * marginRate
    case .logistic:
      let q = network.margins[m]
      return -c[m] * marginRate / (1 + exp(-q))
    case .square: return -2 * y * marginRate
    }
  }
}
