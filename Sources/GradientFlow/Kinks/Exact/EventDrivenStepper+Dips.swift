import ODE

/// The dip search of `--sliding exact` under `dip_search` `interior` (``DipSearch``): pairs that cross their kink
/// and come back inside one accepted step, and sliding shares that leave (0, 1) and come back.
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
/// step's end.
///
/// **Implicit pieces** (`--stepper bsimp`). A step of the method costs a hundred or more evaluations and a
/// stiff piece's steps are long, so minimising g by steps of the method took most of a run (18,384 of its
/// steps against 2,846 for locating 122 events on the diabetes example, docs/stiff.md). There the state at the
/// step's midpoint (one step of the method, once per step) refines each candidate's interpolant to two cubic
/// Hermite halves, and a candidate is tested by one step of the method to the refined minimum only where that
/// minimum comes within the coarse interpolant's error at the midpoint |u(½) − H(½)| of 0 (about 16 times the
/// refined one's error; ``refinedProbe(_:ends:step:)``): a value below −``roundoff`` closes the bracket as
/// above, any other is no event. A dip whose true minimum lies below round-off while g at the probe does not
/// is missed, as at a step's end under `step-ends`. Shares are sampled at the start, midpoint and end and
/// probed at the vertex of the parabola through the three (``shareProbe(start:midpoint:end:)``): bsimp's own
/// evaluations (its extrapolation's sub-steps, its Jacobian's differences) are no samples along the step.
///
/// A sliding surface's share λ has no rate at hand, but the field computes it at every Runge–Kutta stage: a
/// surface is a candidate when min(λ, 1 − λ) over the stages falls to half its lower end value or below
/// (``shareDipCandidate(start:end:stages:)``), and its event function min(λ, 1 − λ) at Φ_τ(θ_0) is then minimised
/// the same way; a value at or below 0 is its exit. (The stages sample the step at c_i h, 13 points for rk8pd, with their own lower-order
/// error: a share's excursion narrower than their spacing can still go unseen.) a_j is checked at the ends only.
extension EventDrivenStepper {
  /// Evaluations of g per minimisation (Brent's method reaches its tolerance in 10–40).
  static let dipIterations = 60
  /// τ resolution of the first minimisation, relative to the step. Brent's bracket ends within 4× of it around
  /// the minimiser, so for a parabola g'' ≤ 8 D/h² (D: g's largest end value above its minimum) the value found is
  /// within 8 g'' (1e-4 h)² ≤ 6.4e-7 D of the minimum; one found within ``dipRefineBelow`` D of 0 is refined.
  static let dipCoarseTolerance = 1e-4
  static let dipRefineBelow = 1e-5
  /// τ resolution of the refinement: the value found is then within 6.4e-15 D of the minimum.
  static let dipTolerance = 1e-8

  /// The earliest τ in (0, step) found with a candidate past its event (that pair or surface flagged), or nil.
  /// Leaves the field's last evaluation at ``trial`` (rate in ``trialRate``).
  func searchDips(step: Double) -> Double? {
    var bound = step
    var found = false
    var probed = false
    // The shares at the end and over the stages, before a probe moves them.
    let surfaces = field.sliding.count
    for s in 0..<surfaces {
      endShare[s] = field.lambda[s]
      stageShare[s] = min(field.shareLow[s], 1 - field.shareHigh[s])
    }
    let implicit = !stepper.isExplicit
    var midpointTaken = false
    if implicit, surfaces > 0 {
      // An implicit piece's evaluations (its extrapolation's sub-steps, its Jacobian's differences) are no
      // samples of the shares along the step: the midpoint is.
      midpointTaken = true
      probed = true
      guard takeMidpoint(step) else { return nil }
      for s in 0..<surfaces { stageShare[s] = min(field.lambda[s], 1 - field.lambda[s]) }
    }
    for s in 0..<surfaces where !flaggedSurface[s] {
      let (m0, m1) = (min(startShare[s], 1 - startShare[s]), min(endShare[s], 1 - endShare[s]))
      let least: (x: Double, value: Double)
      if implicit {
        guard let probe = Self.shareProbe(start: m0, midpoint: stageShare[s], end: m1), probe * step < bound
        else { continue }
        dipSearches += 1
        least = (probe * step, probe == 0.5 ? stageShare[s] : shareValue(surface: s, at: probe * step))
      } else {
        guard Self.shareDipCandidate(start: m0, end: m1, stages: stageShare[s]) else { continue }
        probed = true
        dipSearches += 1
        least = dipMinimum(limit: bound, start: 0.5 * bound, step: step, ends: max(m0, m1), threshold: 0) {
          shareValue(surface: s, at: $0)
        }
      }
      if least.value <= 0, least.x > 0 {
        flaggedSurface[s] = true
        bound = least.x
        found = true
        dipsFound += 1
      }
    }
    let m = field.width
    for pair in 0..<(field.sampleCount * m) where !flagged[pair] && !field.isSliding[pair] {
      guard let ends = pairEnds(pair, start: start, startRate: startRate, end: trial, endRate: trialRate),
        let s = Self.dipCandidate(
          u0: ends.u0, d0: ends.v0 * step, u1: ends.u1, d1: ends.v1 * step)
      else { continue }
      let least: (x: Double, value: Double)
      if stepper.isExplicit {
        probed = true
        dipSearches += 1
        least = dipMinimum(
          limit: bound, start: s * step < bound ? s * step : 0.5 * bound, step: step,
          ends: max(ends.u0, ends.u1) - pieceOffset[pair], threshold: (-Self.roundoff).nextDown
        ) { dipValue(pair: pair, at: $0) }
      } else {
        // An implicit piece: the interpolant refined at the step's midpoint, then one step of the method to its
        // minimum where that comes within the coarse interpolant's error of 0 (type doc).
        if !midpointTaken {
          midpointTaken = true
          probed = true
          guard takeMidpoint(step) else { return nil }
        }
        guard let probe = refinedProbe(pair, ends: ends, step: step), probe * step < bound else { continue }
        dipSearches += 1
        least = (probe * step, probe == 0.5 ? midpointValue : dipValue(pair: pair, at: probe * step))
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

  /// The state at the step's midpoint (the half-step check's when it took it, ``takeHalves(_:)``) and the field there.
  private func takeMidpoint(_ step: Double) -> Bool {
    if !midpointReady {
      guard rungeStep(0.5 * step, into: midpoint) else { return false }
    }
    return field.evaluate(midpoint, into: midpointRate)
  }

  /// Where in [0, 1] an implicit piece's step is probed for the pair's dip (nil: nowhere), given u at the step's
  /// ends and the state at its midpoint (``midpoint``): the least interior minimum of the piecewise Hermite
  /// interpolant on the two halves, if it is at most the coarse interpolant's error at the midpoint
  /// |u(½) − H(½)| (about 16 times the refined one's); ½ itself if u(½) is past the kink.
  private func refinedProbe(
    _ pair: Int, ends: (u0: Double, v0: Double, u1: Double, v1: Double, scale: Double), step: Double
  ) -> Double? {
    guard let mid = pairEnds(pair, start: start, startRate: startRate, end: midpoint, endRate: midpointRate)
    else { return nil }
    // u at the midpoint in the whole step's scale (the pair's scale uses the norms of its interval's ends).
    let (um, vm) = (mid.u1 * ends.scale / mid.scale, mid.v1 * ends.scale / mid.scale)
    midpointValue = um - pieceOffset[pair]
    if midpointValue < -Self.roundoff { return 0.5 }
    let error = abs(um - (0.5 * (ends.u0 + ends.u1) + 0.125 * (ends.v0 - ends.v1) * step))
    let halves = [
      Self.dipCandidate(u0: ends.u0, d0: ends.v0 * 0.5 * step, u1: um, d1: vm * 0.5 * step).map { 0.5 * $0 },
      Self.dipCandidate(u0: um, d0: vm * 0.5 * step, u1: ends.u1, d1: ends.v1 * 0.5 * step).map { 0.5 + 0.5 * $0 },
    ]
    return halves.compactMap { $0 }.first { s in
      Self.hermite(ends: ends, midpoint: (um, vm), step: step, at: s) <= error
    }
  }

  /// A pair's u = side·z and its rate u̇ at the two ends of an interval, in units of ‖x_n‖ max‖w_j‖ over those ends
  /// (the scale of its event function), and that scale; nil for a sample x = 0 or a unit with w_j = 0 at both ends.
  private func pairEnds(
    _ pair: Int, start: UnsafePointer<Double>, startRate: UnsafePointer<Double>, end: UnsafePointer<Double>,
    endRate: UnsafePointer<Double>
  ) -> (u0: Double, v0: Double, u1: Double, v1: Double, scale: Double)? {
    let (d, m) = (field.inputDimension, field.width)
    let (n, j) = (pair / m, pair % m)
    guard field.inputNorms[n] > 0 else { return nil }
    let side: Double = field.slope[pair] > field.lowerSlope ? 1 : -1
    let x = field.inputs + n * d
    var (u0, v0, u1, v1, w0, w1) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    for i in 0..<d {
      u0 += start[j * d + i] * x[i]
      v0 += startRate[j * d + i] * x[i]
      u1 += end[j * d + i] * x[i]
      v1 += endRate[j * d + i] * x[i]
      w0 += start[j * d + i] * start[j * d + i]
      w1 += end[j * d + i] * end[j * d + i]
    }
    let scale = side / (field.inputNorms[n] * max(w0, w1).squareRoot())
    guard scale.isFinite else { return nil }
    return (scale * u0, scale * v0, scale * u1, scale * v1, scale)
  }

  /// The piecewise cubic Hermite interpolant of u on the step's two halves (knots 0, ½, 1; rates scaled to the
  /// step) at s ∈ [0, 1].
  private static func hermite(
    ends: (u0: Double, v0: Double, u1: Double, v1: Double, scale: Double), midpoint: (u: Double, v: Double),
    step: Double, at s: Double
  ) -> Double {
    let (a, b, da, db, r) =
      s <= 0.5
      ? (ends.u0, midpoint.u, ends.v0 * 0.5 * step, midpoint.v * 0.5 * step, 2 * s)
      : (midpoint.u, ends.u1, midpoint.v * 0.5 * step, ends.v1 * 0.5 * step, 2 * s - 1)
    let c2 = 3 * (b - a) - 2 * da - db
    let c3 = 2 * (a - b) + da + db
    return a + r * (da + r * (c2 + r * c3))
  }

  /// The least value of f on [0, limit] from `start`, to ``dipCoarseTolerance`` of the step, stopping at a value
  /// at or below `threshold`; refined to ``dipTolerance`` where it lies within ``dipRefineBelow`` of its depth
  /// (`ends`, f's larger end value, less the minimum) above 0.
  private func dipMinimum(
    limit: Double, start: Double, step: Double, ends: Double, threshold: Double, _ f: (Double) -> Double
  ) -> (x: Double, value: Double) {
    let least = BoundedMinimum.minimize(
      lower: 0, upper: limit, start: start, tolerance: Self.dipCoarseTolerance * step, stopBelow: threshold,
      iterations: Self.dipIterations, f)
    guard least.value > threshold, least.value <= Self.dipRefineBelow * (ends - least.value) else { return least }
    let reach = 8 * Self.dipCoarseTolerance * step
    return BoundedMinimum.minimize(
      lower: max(0, least.x - reach), upper: min(limit, least.x + reach), start: least.x,
      tolerance: Self.dipTolerance * step, stopBelow: threshold, iterations: Self.dipIterations, f)
  }

  /// The pair's event function at Φ_τ(θ_0) (as the locator's), +∞ where the step fails.
  private func dipValue(pair: Int, at tau: Double) -> Double {
    guard tau > 0, rungeStep(tau, into: probe) else { return .infinity }
    field.prepare(probe)
    field.weightNorms(probe, into: norms)
    return field.violation(pair: pair, theta: probe, weightNorm: norms[pair % field.width]) - pieceOffset[pair]
  }

  /// Surface s's event function min(λ, 1 − λ) at Φ_τ(θ_0) (as the locator's), +∞ where the step fails.
  private func shareValue(surface s: Int, at tau: Double) -> Double {
    guard tau > 0, rungeStep(tau, into: probe), field.evaluate(probe, into: probeRate) else { return .infinity }
    let share = field.lambda[s]
    return share.isFinite ? min(share, 1 - share) : -1
  }

  /// Whether a surface whose min(λ, 1 − λ) is `start` and `end` at the step's ends and `stages` at its least
  /// over the Runge–Kutta stages (and the end) may leave (0, 1) inside the step: the stages come at least halfway
  /// from the lower end to 0, by more than ``roundoff``. (Not merely below both ends: rk8pd's last stages sit at
  /// the step's end with their own error, so a share falling to the end all the step long undershoots it there,
  /// by 2e-10 of 0.028 on S_s0.)
  static func shareDipCandidate(start: Double, end: Double, stages: Double) -> Bool {
    let lower = min(start, end)
    return stages <= 0.5 * lower && lower - stages > roundoff
  }

  /// Where in [0, 1] an implicit piece's step is probed for a surface's exit (nil: nowhere), given min(λ, 1 − λ) at
  /// its start, midpoint and end: ½ if the midpoint is at or past the edge; else the interior minimum of the
  /// parabola through the three if it comes at least halfway from the lower end to 0, by more than ``roundoff``
  /// (the stages' test of explicit pieces, with the parabola for the stages).
  static func shareProbe(start m0: Double, midpoint mm: Double, end m1: Double) -> Double? {
    if mm <= 0 { return 0.5 }
    // q(s) = m0 + b s + c s² through (0, m0), (½, mm), (1, m1).
    let c = 2 * (m0 - 2 * mm + m1)
    let b = m1 - m0 - c
    guard c > 0 else { return nil }
    let s = -b / (2 * c)
    guard s > 0, s < 1 else { return nil }
    let least = m0 - b * b / (4 * c)
    let lower = min(m0, m1)
    return least <= 0.5 * lower && lower - least > roundoff ? s : nil
  }

  /// Where in [0, 1] the cubic Hermite interpolant of u with values u0, u1 and scaled slopes d0 = h u̇(0),
  /// d1 = h u̇(h) has its least interior local minimum, if that minimum is a candidate for a dip (type doc); u
  /// relative to ‖x‖‖w‖, so a minimum within ``roundoff`` of the larger end (u at rounding level: a pair held on
  /// its kink, or a unit with w_j = 0) is none.
  static func dipCandidate(u0: Double, d0: Double, u1: Double, d1: Double) -> Double? {
    guard u0.isFinite, u1.isFinite, d0.isFinite, d1.isFinite else { return nil }
    // H(s) = u0 + d0 s + c2 s² + c3 s³, H'(s) = d0 + 2 c2 s + 3 c3 s².
    let c2 = 3 * (u1 - u0) - 2 * d0 - d1
    let c3 = 2 * (u0 - u1) + d0 + d1
    // The roots of H' (NaN where there is none), the one of larger magnitude first and the other from the
    // product of the roots (no cancellation).
    let (qa, qb, qc) = (3 * c3, 2 * c2, d0)
    var (r0, r1) = (Double.nan, Double.nan)
    if abs(qa) <= 1e-12 * (abs(qb) + abs(qc)) {
      if qb != 0 { r0 = -qc / qb }
    } else {
      let disc = qb * qb - 4 * qa * qc
      if disc >= 0 {
        let q = -0.5 * (qb + (qb >= 0 ? 1 : -1) * disc.squareRoot())
        r0 = q / qa
        if q != 0 { r1 = qc / q }
      }
    }
    // The interior local minima (H'' > 0) and the lesser of them.
    var (best, least) = (Double.nan, Double.infinity)
    for root in 0..<2 {
      let s = root == 0 ? r0 : r1
      guard s > 0, s < 1, 2 * c2 + 6 * c3 * s > 0 else { continue }
      let value = u0 + s * (d0 + s * (c2 + s * c3))
      if value < least { (best, least) = (s, value) }
    }
    guard least <= 0.5 * max(u0, u1), max(u0, u1) - least > roundoff else { return nil }
    return best
  }
}
