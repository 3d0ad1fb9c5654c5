import ODE

/// The dip search of `--sliding exact` under `dip_search` `interior` (``DipSearch``): pairs that cross their kink
/// and come back inside one accepted step.
///
/// For each pair off the sliding surfaces and not flagged at the step's end, u(τ) = side·z is known at both
/// ends with its rate u̇ = side·⟨x_n, ẇ_j⟩ (the field at the step's start and end), which fixes the cubic
/// Hermite interpolant H of u on the step. A pair is a candidate when H has a local minimum inside the step at
/// or below half of max(u(0), u(h)): the interpolant's error, which grows with the change of u across the step,
/// would have to be half that change for a dip to reach 0 unseen. The test is generous: for u̇(0) < 0 < u̇(h) the
/// tangents at the two ends bound a convex u from below, and in 200,000 random such ends none whose tangents
/// meet at or below 0 failed it (``DipSearchTests``).
///
/// A candidate's event function g(τ) (side·z/(‖x‖‖w‖) at Φ_τ(θ_0), less the piece's offset, as in the
/// locator) is minimised by ``BoundedMinimum`` over the step, stopping at the first value below −``roundoff``:
/// that τ closes the locator's bracket, which then finds the pair's first zero before it. Neither test involves
/// the tolerances, so the decision does not depend on them as long as a step holds one minimum of u (the error
/// control keeps z's variation over a step smooth); a dip of depth below round-off is no event, as at a
/// step's end. Sliding shares and a_j are checked at the ends only.
extension EventDrivenStepper {
  /// Evaluations of g per minimisation (Brent's method reaches ``dipTolerance`` in 20–40).
  static let dipIterations = 60
  /// τ resolution of the minimisation, relative to the step: g's error there is ~ (1e-8)² of the dip's depth.
  static let dipTolerance = 1e-8

  /// The earliest τ in (0, step) found with a candidate's g below −``roundoff`` (that pair flagged), or nil.
  /// Leaves the field's last evaluation at ``trial`` (rate in ``trialRate``).
  func searchDips(step: Double) -> Double? {
    let (d, m) = (field.inputDimension, field.width)
    var bound = step
    var found = false
    var probed = false
    for pair in 0..<(field.sampleCount * m) where !flagged[pair] && !field.isSliding[pair] {
      let (n, j) = (pair / m, pair % m)
      guard field.inputNorms[n] > 0 else { continue }
      let side: Double = field.slope[pair] > field.lowerSlope ? 1 : -1
      let x = field.inputs + n * d
      var (u0, v0, u1, v1) = (0.0, 0.0, 0.0, 0.0)
      for i in 0..<d {
        u0 += start[j * d + i] * x[i]
        v0 += startRate[j * d + i] * x[i]
        u1 += trial[j * d + i] * x[i]
        v1 += trialRate[j * d + i] * x[i]
      }
      guard
        let s = Self.dipCandidate(
          u0: side * u0, d0: side * v0 * step, u1: side * u1, d1: side * v1 * step)
      else { continue }
      probed = true
      let limit = bound
      let least = BoundedMinimum.minimize(
        lower: 0, upper: limit, start: s * step < limit ? s * step : 0.5 * limit, tolerance: Self.dipTolerance * step,
        stopBelow: (-Self.roundoff).nextDown, iterations: Self.dipIterations
      ) { tau in
        guard tau > 0, rungeStep(tau, into: probe) else { return .infinity }
        field.prepare(probe)
        field.weightNorms(probe, into: norms)
        return field.violation(pair: pair, theta: probe, weightNorm: norms[j]) - pieceOffset[pair]
      }
      if least.value < -Self.roundoff, least.x > 0 {
        flagged[pair] = true
        bound = least.x
        found = true
        dipsFound += 1
      }
    }
    if probed { _ = field.evaluate(trial, into: trialRate) }
    return found ? bound : nil
  }

  /// Where in [0, 1] the cubic Hermite interpolant of u with values u0, u1 and scaled slopes d0 = h u̇(0),
  /// d1 = h u̇(h) has its least interior local minimum, if that minimum is a candidate for a dip (type doc).
  static func dipCandidate(u0: Double, d0: Double, u1: Double, d1: Double) -> Double? {
    guard u0.isFinite, u1.isFinite, d0.isFinite, d1.isFinite else { return nil }
    // H(s) = u0 + d0 s + c2 s² + c3 s³, H'(s) = d0 + 2 c2 s + 3 c3 s².
    let c2 = 3 * (u1 - u0) - 2 * d0 - d1
    let c3 = 2 * (u0 - u1) + d0 + d1
    var best: (s: Double, value: Double)?
    func consider(_ s: Double) {
      guard s > 0, s < 1, 2 * c2 + 6 * c3 * s > 0 else { return }
      let value = u0 + s * (d0 + s * (c2 + s * c3))
      if best == nil || value < best!.value { best = (s, value) }
    }
    let (qa, qb, qc) = (3 * c3, 2 * c2, d0)
    if abs(qa) <= 1e-12 * (abs(qb) + abs(qc)) {
      if qb != 0 { consider(-qc / qb) }
    } else {
      let disc = qb * qb - 4 * qa * qc
      if disc >= 0 {
        // The root of larger magnitude first, the other from the product of the roots (no cancellation).
        let q = -0.5 * (qb + (qb >= 0 ? 1 : -1) * disc.squareRoot())
        consider(q / qa)
        if q != 0 { consider(qc / q) }
      }
    }
    guard let minimum = best, minimum.value <= 0.5 * max(u0, u1) else { return nil }
    return minimum.s
  }
}
