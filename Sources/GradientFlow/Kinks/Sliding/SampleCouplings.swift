import ODE

/// The couplings between ``DeepFilippovFlow``'s candidate pairs of one sample in different layers, for the
/// joint slope solve (`deep_sliding` `joint`).
///
/// Let sample n have candidates in several layers. Cut every candidate node z_p out of backprop (its slope
/// set to 0): the ReLU gradient splits exactly as
///
///   θ̇ = base⁰ + Σ_p u_p J⁰_p,   u_p = c_n s_p g_p(s),
///
/// where J⁰_p = ∇_θ z_p through paths that meet no lower candidate, g_p(s) = ∂f_n/∂h_p with the upper
/// candidates at their slopes s, and base⁰ is the gradient through paths that meet no candidate. Every path
/// from h_q up to f either meets no candidate (the cut signal g⁰_q) or meets a first candidate p above q,
/// so with D_{pq} = ∂z_p/∂h_q through paths that avoid the other candidates,
///
///   c_n g_q(s) = c_n g⁰_q + Σ_{p above q} D_{pq} u_p :
///
/// the box of u_q, [c_n g_q(s), 0] for an attracting pair, is affine in the upper pairs' u. The velocity
/// and ż⁰_p = J⁰_p·θ̇ = (G u + q)_p stay affine in u (G_pq = J⁰_p·J⁰_q); on a sliding lower pair (ż_q = 0)
/// ż_p = ż⁰_p exactly, since z_p depends on the slope of q only through s_q ż_q. So the Filippov slopes solve
/// the box QP of ``FilippovSlopeSolver`` with bounds that move with u, which ``DeepFilippovFlow`` iterates to a
/// fixed point (the bounds do not move when the upper pairs' u do not). In the slopes the system is the
/// multi-affine one (degree ≤ 2 in each slope) of the event-driven Python reference; in u it is linear.
///
/// The list holds (upper p, lower q, D_pq) for every pair of candidates of one sample in different layers,
/// written by ``DeepFilippovFlow``'s lower-Jacobian pass; capacity² entries (allocated once).
final class SampleCouplings {
  private let arena = ScratchArena()
  private let capacity: Int
  private let upper: UnsafeMutablePointer<Int>
  private let lower: UnsafeMutablePointer<Int>
  private let value: UnsafeMutablePointer<Double>
  /// Entries recorded since the last ``reset()``.
  private(set) var count = 0

  init(capacity: Int) {
    self.capacity = max(capacity * capacity, 1)
    upper = arena.buffer(count: self.capacity)
    lower = arena.buffer(count: self.capacity)
    value = arena.buffer(count: self.capacity)
  }

  func reset() { count = 0 }

  /// Records D_pq = ∂z_p/∂h_q (p above q, one sample; paths that avoid the other candidates).
  @inline(__always)
  func add(upper p: Int, lower q: Int, value d: Double) {
    guard count < capacity else { return }
    upper[count] = p
    lower[count] = q
    value[count] = d
    count += 1
  }

  /// bounds_q = cut_q + Σ_{(p, q)} D_pq u_p for q < `size`, where `cut` holds c_n g⁰_q. Returns
  /// max_q |bounds_q − previous_q| (the change against the values `bounds` held on entry).
  func bounds(
    cut: UnsafePointer<Double>, solution u: UnsafePointer<Double>, into bounds: UnsafeMutablePointer<Double>,
    scratch: UnsafeMutablePointer<Double>, size: Int
  ) -> Double {
    scratch.update(from: cut, count: size)
    for e in 0..<count { scratch[lower[e]] += value[e] * u[upper[e]] }
    var change = 0.0
    for q in 0..<size {
      change = max(change, abs(scratch[q] - bounds[q]))
      bounds[q] = scratch[q]
    }
    return change
  }
}
