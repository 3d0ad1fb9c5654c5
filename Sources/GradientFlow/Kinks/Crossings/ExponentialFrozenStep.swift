import Foundation
import ODE

/// Exponential steps for the one stiff mode of a normalized flow's frozen field (`normalized_kinks` `exponential`,
/// docs/kinks.md "Where the evaluations go: one stiff mode").
///
/// In the weights, the Lagrange and weight-normalized flows move as F(W) = M(W)·G(W) (``NormalizedWeightField``),
/// whose Jacobian has one eigenvalue λ_1 < 0 far below the others: the unconstrained flow's top mode, its rate
/// multiplied by about a_1 = ρ_1²/c_1². An explicit pair's steps stall at h|λ_1| ≈ 3.7 (Cash–Karp) while the
/// unconstrained flow's steps are an order of magnitude longer. This step splits F(W) = L W + N(W) with the rank-one
/// L = λ_1 u wᵀ (u the top right eigenvector, wᵀu = 1) and takes Cox and Matthews' ETDRK4,
///
///   a = e^{hL/2} W + (h/2) φ_1(hL/2) N(W),   b = e^{hL/2} W + (h/2) φ_1(hL/2) N(a),
///   c = e^{hL/2} a + (h/2) φ_1(hL/2) (2N(b) − N(W)),
///   W⁺ = e^{hL} W + h [f_1 N(W) + 2 f_2 (N(a) + N(b)) + f_3 N(c)],
///   f_1 = φ_1 − 3φ_2 + 4φ_3, f_2 = φ_2 − 2φ_3, f_3 = −φ_2 + 4φ_3 (at hL),
///
/// where φ_k(hL) = φ_k(0) I + (φ_k(hλ_1) − φ_k(0)) u wᵀ costs two dot products. Whatever w is (wᵀu = 1), J − L has the
/// eigenvalues 0, λ_2, λ_3, … (Wielandt's deflation), so the explicit part sees only the non-stiff rest; w = M⁻¹u is
/// the left eigenvector when J = M·H with H symmetric (the frozen pattern's Hessian), which makes L the mode's
/// spectral projection. The error is estimated by step doubling, (W_{h/2,h/2} − W_h)/15 (order 5 in h, as the
/// explicit pair's, so the stepper's controller applies unchanged), and the extrapolated W_{h/2,h/2} + that estimate
/// is propagated: 10 evaluations per step (3 + 3 + 4; the start's rate is given), and one more for the end's rate.
///
/// (λ_1, u) come from a power iteration on forward-difference products J·v of the frozen field, warm-started from the
/// last u (``refresh(at:rate:)``). Allocates nothing per step.
final class ExponentialFrozenStep {
  typealias Field = (_ y: UnsafePointer<Double>, _ dydt: UnsafeMutablePointer<Double>) -> Bool
  /// Writes w ← M⁻¹u (the left vector before normalization) for the state θ.
  typealias LeftVector = (_ theta: UnsafePointer<Double>, _ u: UnsafePointer<Double>, _ w: UnsafeMutablePointer<Double>)
    -> Void

  let dimension: Int
  /// Power iterations at the first refresh (from a fixed start vector) and at later ones (from the last u).
  static let firstIterations = 30
  static let laterIterations = 3
  /// Relative step of the difference quotients: 1e-8 ‖θ‖ keeps a sliding pair's probe inside its kink band
  /// η ≥ 1e-6 relative (``KinkJacobian``'s reason), with rounding near 1e-8 relative, far below what the mode needs.
  static let probeStep = 1e-8

  private let field: Field
  private let leftVector: LeftVector
  private let arena = ScratchArena()
  /// λ_1 (0 before the first refresh), and whether u, w hold a mode.
  private(set) var lambda = 0.0
  private(set) var hasMode = false
  let u: UnsafeMutablePointer<Double>
  let w: UnsafeMutablePointer<Double>
  private let probe: UnsafeMutablePointer<Double>
  private let product: UnsafeMutablePointer<Double>
  private let nu: UnsafeMutablePointer<Double>
  private let na: UnsafeMutablePointer<Double>
  private let nb: UnsafeMutablePointer<Double>
  private let nc: UnsafeMutablePointer<Double>
  private let sa: UnsafeMutablePointer<Double>
  private let sb: UnsafeMutablePointer<Double>
  private let sc: UnsafeMutablePointer<Double>
  private let full: UnsafeMutablePointer<Double>
  private let mid: UnsafeMutablePointer<Double>
  private let midRate: UnsafeMutablePointer<Double>

  init(dimension: Int, field: @escaping Field, leftVector: @escaping LeftVector) {
    self.dimension = dimension
    self.field = field
    self.leftVector = leftVector
    let buffer = { [arena] in arena.buffer(Double.self, count: dimension) }
    u = buffer()
    w = buffer()
    probe = buffer()
    product = buffer()
    nu = buffer()
    na = buffer()
    nb = buffer()
    nc = buffer()
    sa = buffer()
    sb = buffer()
    sc = buffer()
    full = buffer()
    mid = buffer()
    midRate = buffer()
  }

  /// (λ_1, u, w) at θ, whose rate F(θ) is `rate`. Returns false when a field evaluation failed or the
  /// iteration degenerated (the mode is then unchanged).
  func refresh(at theta: UnsafePointer<Double>, rate: UnsafePointer<Double>) -> Bool {
    let n = dimension
    if !hasMode {
      // A fixed start with a component along every coordinate.
      for i in 0..<n { u[i] = sin(1.2345 * Double(i) + 0.5) }
      normalize(u)
    }
    var norm = 0.0
    for i in 0..<n { norm += theta[i] * theta[i] }
    let epsilon = Self.probeStep * max(norm.squareRoot(), 1)
    var estimate = 0.0
    for _ in 0..<(hasMode ? Self.laterIterations : Self.firstIterations) {
      for i in 0..<n { probe[i] = theta[i] + epsilon * u[i] }
      guard field(probe, product) else { return false }
      for i in 0..<n { product[i] = (product[i] - rate[i]) / epsilon }
      estimate = dot(u, product)
      guard normalize(product) else { return false }
      u.update(from: product, count: n)
    }
    leftVector(theta, u, w)
    let overlap = dot(w, u)
    guard estimate.isFinite, overlap.isFinite, overlap != 0 else { return false }
    for i in 0..<n { w[i] /= overlap }
    lambda = estimate
    hasMode = true
    return true
  }

  /// One step of size h from y (its rate `rateIn`): y ← the extrapolated end, `error` ← the step-doubling
  /// estimate, `rateOut` ← F(y) (the last evaluation). Returns false when a field evaluation failed.
  func apply(
    h: Double, y: UnsafeMutablePointer<Double>, error: UnsafeMutablePointer<Double>, rateIn: UnsafePointer<Double>,
    rateOut: UnsafeMutablePointer<Double>
  ) -> Bool {
    let n = dimension
    guard etdrk4(from: y, rate: rateIn, h: h, into: full),
      etdrk4(from: y, rate: rateIn, h: h / 2, into: mid),
      field(mid, midRate),
      etdrk4(from: mid, rate: midRate, h: h / 2, into: y)
    else { return false }
    for i in 0..<n {
      error[i] = (y[i] - full[i]) / 15
      y[i] += error[i]
    }
    return field(y, rateOut)
  }

  /// Cox–Matthews ETDRK4 from y (rate F(y)) over h into `out` (3 evaluations).
  private func etdrk4(
    from y: UnsafePointer<Double>, rate: UnsafePointer<Double>, h: Double, into out: UnsafeMutablePointer<Double>
  ) -> Bool {
    let n = dimension
    let z = lambda * h
    // e^{sL} v = v + (e^{sλ} − 1) u (wᵀv); φ_1(hL/2) v = v + (φ_1(z/2) − 1) u (wᵀv).
    let decayHalf = exp(z / 2) - 1
    let phiHalf = Self.phi(1, z / 2) - 1
    let wy = dot(w, y)
    // N(y) = F(y) − λ u (wᵀy).
    for i in 0..<n { nu[i] = rate[i] - lambda * u[i] * wy }
    let wnu = dot(w, nu)
    for i in 0..<n { sa[i] = y[i] + decayHalf * wy * u[i] + h / 2 * (nu[i] + phiHalf * wnu * u[i]) }
    guard nonlinear(sa, into: na) else { return false }
    let wna = dot(w, na)
    for i in 0..<n { sb[i] = y[i] + decayHalf * wy * u[i] + h / 2 * (na[i] + phiHalf * wna * u[i]) }
    guard nonlinear(sb, into: nb) else { return false }
    let wsa = dot(w, sa)
    let wnb = dot(w, nb)
    for i in 0..<n {
      let forcing = 2 * nb[i] - nu[i]
      sc[i] = sa[i] + decayHalf * wsa * u[i] + h / 2 * (forcing + phiHalf * (2 * wnb - wnu) * u[i])
    }
    guard nonlinear(sc, into: nc) else { return false }
    let wnc = dot(w, nc)
    // f_j(0) = 1/6 for j = 1, 2, 3 (the classical RK4 weights 1/6, 2/6, 1/6).
    let (p1, p2, p3) = (Self.phi(1, z), Self.phi(2, z), Self.phi(3, z))
    let f1 = p1 - 3 * p2 + 4 * p3 - 1.0 / 6
    let f2 = p2 - 2 * p3 - 1.0 / 6
    let f3 = -p2 + 4 * p3 - 1.0 / 6
    let along = (exp(z) - 1) * wy + h * (f1 * wnu + 2 * f2 * (wna + wnb) + f3 * wnc)
    for i in 0..<n {
      out[i] = y[i] + h / 6 * (nu[i] + 2 * (na[i] + nb[i]) + nc[i]) + along * u[i]
    }
    return true
  }

  /// N(v) = F(v) − λ u (wᵀv) into `out`.
  private func nonlinear(_ v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) -> Bool {
    guard field(v, out) else { return false }
    let wv = dot(w, v)
    for i in 0..<dimension { out[i] -= lambda * wv * u[i] }
    return true
  }

  /// φ_k(z) = Σ_j z^j/(j + k)! (φ_0 = e^z, φ_{k+1}(z) = (φ_k(z) − 1/k!)/z); the series for |z| < 0.1, where the
  /// recursion cancels.
  static func phi(_ k: Int, _ z: Double) -> Double {
    if abs(z) < 0.1 {
      var term = 1.0
      for j in stride(from: 1, through: k, by: 1) { term /= Double(j) }
      var sum = term
      for j in 1...12 {
        term *= z / Double(j + k)
        sum += term
      }
      return sum
    }
    var value = exp(z)
    var factorial = 1.0
    for j in 0..<k {
      if j > 0 { factorial *= Double(j) }
      value = (value - 1 / factorial) / z
    }
    return value
  }

  private func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>) -> Double {
    var sum = 0.0
    for i in 0..<dimension { sum += a[i] * b[i] }
    return sum
  }

  @discardableResult
  private func normalize(_ v: UnsafeMutablePointer<Double>) -> Bool {
    let norm = dot(v, v).squareRoot()
    guard norm > 0, norm.isFinite else { return false }
    for i in 0..<dimension { v[i] /= norm }
    return true
  }
}
