import ODE

/// Locating events in implicit pieces (`--stepper bsimp`; docs/stiff.md, "Locating events in implicit pieces").
///
/// Every probe of the locator is a step of the method from the piece's start, a hundred or more evaluations
/// for bsimp, so the number of probes is what an event costs. The explicit pieces' locator (Illinois on the
/// least flagged event function G) needed about 25 per event on the diabetes example: G is the minimum of
/// several functions, and where one that crosses late stays small and positive while another crosses early,
/// the secant on G creeps toward the early root by steps of the late one's size.
///
/// So each flagged event function g_k is followed on its own (the root finding of SUNDIALS' CVODE does the
/// same): the bracket [a, b] has every g_k(a) > 0 and some g_k(b) ≤ 0, and the next probe is the earliest of
/// the functions' root estimates in it: a Newton step from the latest probe where g_k has a rate (pairs and
/// a_j: ``eventSlope(_:theta:rate:)``), carried an ulp of t past the root so that the probe after lands
/// across, and the Illinois secant on [a, b] otherwise (shares). A probe where some g_k ≤ 0 becomes b, any
/// other a. The search ends when b − a is a few ulps of t, as for explicit pieces, or when every g_k(b) ≤ 0
/// lies within ``locatorNoise`` of 0: b is on those functions' roots to round-off, and a further probe only
/// samples the method's rounding (the values then scatter by ±3e-16 about 0).
extension EventDrivenStepper {
  /// |g| below which a function at b counts as on its root.
  static let locatorNoise = 1e-15

  func locateImplicit(step: Double, end bracketEnd: Double) -> (tau: Double, forced: Int) {
    let p = dimension
    collectFlagged()
    if bracketEnd < step {
      guard rungeStep(bracketEnd, into: located) else { return (step, -1) }
    } else {
      located.update(from: trial, count: p)
    }
    guard eventValues(located, into: &locatorB) else { return (step, -1) }
    var newton = newtonEstimates(from: bracketEnd, at: located, values: locatorB)
    // As the explicit locator: a start past a kink by more than round-off is an event at τ = 0.
    guard eventValues(start, into: &locatorA), let startLeast = locatorA.min(), startLeast >= -Self.roundoff
    else {
      located.update(from: start, count: p)
      return (0, leastPair(locatorA))
    }
    var (a, b) = (0.0, bracketEnd)
    var side = 0
    for _ in 0..<Self.locatorIterations {
      let resolution = 4 * Double.ulpOfOne * max(abs(pieceTime) + b, b)
      guard b - a > resolution, crossesAtB, !onRootsAtB else { break }
      var c = Double.infinity
      for k in locatorCodes.indices where locatorB[k] <= 0 {
        let (ga, gb) = (locatorA[k], locatorB[k])
        var estimate = ga > 0 ? b - gb * (b - a) / (gb - ga) : 0.5 * (a + b)
        if let n = newton[k], n > a, n < b { estimate = n }
        c = min(c, estimate)
      }
      if !(c > a && c < b) { c = 0.5 * (a + b) }
      guard rungeStep(c, into: probe), eventValues(probe, into: &locatorC) else { break }
      newton = newtonEstimates(from: c, at: probe, values: locatorC)
      if locatorC.contains(where: { $0 <= 0 }) {
        b = c
        swap(&locatorB, &locatorC)
        located.update(from: probe, count: p)
        if side == -1 { for k in locatorA.indices { locatorA[k] *= 0.5 } }
        side = -1
      } else {
        a = c
        swap(&locatorA, &locatorC)
        if side == 1 { for k in locatorB.indices { locatorB[k] *= 0.5 } }
        side = 1
      }
    }
    if b == step { trial.update(from: located, count: p) }
    return (b, leastPair(locatorB))
  }

  /// Whether some function is at or below 0 at b (the bracket holds a root).
  private var crossesAtB: Bool { locatorB.contains { $0 <= 0 } }
  /// Whether every function at or below 0 at b is within ``locatorNoise`` of it.
  private var onRootsAtB: Bool { locatorB.allSatisfy { $0 > 0 || $0 >= -Self.locatorNoise } }

  /// The codes of the flagged pairs, surfaces and units (``eventValue(_:)``'s `which`).
  private func collectFlagged() {
    locatorCodes.removeAll(keepingCapacity: true)
    let m = field.width
    for pair in 0..<(field.sampleCount * m) where flagged[pair] { locatorCodes.append(pair) }
    for s in 0..<field.sliding.count where flaggedSurface[s] { locatorCodes.append(-1 - s) }
    for j in 0..<m where flaggedUnit[j] { locatorCodes.append(-1 - field.sliding.count - j) }
    for values in [\EventDrivenStepper.locatorA, \.locatorB, \.locatorC] {
      self[keyPath: values].removeAll(keepingCapacity: true)
      self[keyPath: values].append(contentsOf: repeatElement(0, count: locatorCodes.count))
    }
  }

  /// Each flagged function's value at θ (the field evaluated there, its rate in ``probeRate``); false where the
  /// field fails.
  private func eventValues(_ theta: UnsafePointer<Double>, into values: inout [Double]) -> Bool {
    guard field.evaluate(theta, into: probeRate) else { return false }
    field.weightNorms(theta, into: norms)
    let (m, surfaces) = (field.width, field.sliding.count)
    for (k, code) in locatorCodes.enumerated() {
      if code >= 0 {
        values[k] = field.violation(pair: code, theta: theta, weightNorm: norms[code % m]) - pieceOffset[code]
      } else if -1 - code < surfaces {
        let share = field.lambda[-1 - code]
        values[k] = share.isFinite ? min(share, 1 - share) : -1
      } else {
        let j = -1 - surfaces - code
        values[k] = unitSign[j] * theta[field.outputOffset + j] / (norms[j] + 1e-300)
      }
    }
    return true
  }

  /// Each function's Newton root estimate from τ = c (state θ, values there, the rate in ``probeRate``), an ulp of
  /// t past the root in the step's direction; nil for a function without a rate.
  private func newtonEstimates(from c: Double, at theta: UnsafePointer<Double>, values: [Double]) -> [Double?] {
    let overshoot = Double.ulpOfOne * max(abs(pieceTime) + c, c)
    return locatorCodes.indices.map { k -> Double? in
      guard let slope = eventSlope(locatorCodes[k], theta: theta, rate: probeRate) else { return nil }
      let move = -values[k] / slope
      let point = c + move + (move >= 0 ? overshoot : -overshoot)
      return point.isFinite ? point : nil
    }
  }

  /// The pair with the least value (the located event's pair), or −1 if the least is a surface or a unit.
  private func leastPair(_ values: [Double]) -> Int {
    guard let k = values.indices.min(by: { values[$0] < values[$1] }) else { return -1 }
    return locatorCodes[k] >= 0 ? locatorCodes[k] : -1
  }
}
