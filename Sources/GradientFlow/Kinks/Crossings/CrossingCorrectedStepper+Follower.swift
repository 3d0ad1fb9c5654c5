// The crossing follower of ``CrossingCorrectedStepper``: the crossings of one marked sample along the
// Hermite path θ̃(s), s ∈ [0, 1], in time order, each closing a piece of the sample's correction.
//
// First-layer crossings are the roots of their exact cubics (``firstLayerEvents``), with a flip at s = 0
// for a slope already stale there; a pair inside the Filippov band at the start crosses only when it
// leaves the band on the other side. Deeper pairs are checked at the ends of ``cells`` equal cells with a
// pass of the sample under its current slopes, and a sign change is located by the Illinois method
// (regula falsi that halves the retained end's value when one end is kept twice) to |Δs| ≤ 1e-10. Each
// crossing flips the unit's slope; the pieces where the sample's pattern differs from P_0 get their
// correction (``addCorrection``). A follow with more than 4·(hidden units) + 16 flips fails the trial.
extension CrossingCorrectedStepper {
  /// ``follow(sample:h:)`` for a net with one hidden layer: every pair's z is its exact cubic along the path,
  /// independent of the slopes, so the sample's crossings are the cubics' roots, taken in time order.
  func followFirstLayer(sample n: Int, h: Double) -> Bool {
    let width = layerWidths[0]
    let row = n * width
    let m = network.frozenSlopes(ofLayer: 1) + row
    startSlopes.update(from: m, count: width)
    slopes.update(from: m, count: width)
    let events = hasShiftedEvents ? shiftedEvents(sample: n) : firstLayerEvents(sample: n, h: h)
    if events > 0 { shallow?.beginSample(n) }
    var differing = 0
    var pieceStart = 0.0
    if continuesAfterEntry { entered.update(repeating: false, count: width) }
    for e in 0..<events {
      let (s, u) = (eventTimes[e], eventUnits[e])
      if continuesAfterEntry, entered[u] { continue }
      let slope = firstLayerSlope(sample: n, unit: u, at: s, h: h)
      guard cross(sample: n, unit: u, at: s, slope: slope, h: h, differing: &differing, pieceStart: &pieceStart)
      else {
        // A sliding entry: with ``continuesAfterEntry`` the sample's other units are followed on (in a net
        // with one hidden layer a unit's ż does not depend on the others' slopes).
        guard continuesAfterEntry else { return true }
        entered[u] = true
        continue
      }
    }
    if differing > 0 { addCorrection(sample: n, from: pieceStart, to: 1, h: h) }
    return true
  }

  /// Sample n's first-layer crossings in (0, 1], in time order, into `eventTimes`/`eventUnits` (their count):
  /// the roots of each pair's exact cubic along the path, with a flip at s = 0 for a slope already stale there.
  func firstLayerEvents(sample n: Int, h: Double) -> Int {
    let width = layerWidths[0]
    let row = n * width
    let m = network.frozenSlopes(ofLayer: 1) + row
    var events = 0
    for j in 0..<width {
      let (z0, z1) = (startZ[row + j], endZ[row + j])
      let (r0, r1) = (h * startRateZ[row + j], h * endRateZ[row + j])
      // Signed by the frozen slope: positive on the side it says (z = 0 belongs to slope 0, σ'(0) = 0).
      let sign = m[j] == positiveSlope ? 1.0 : -1.0
      let (a, c) = (sign * z0, sign * z1)
      if min(a, c) > (4.0 / 27) * (abs(r0) + abs(r1)) { continue }
      var count = Self.cubicRoots(z0, z1, r0, r1, into: rootScratch)
      var first = 0
      if band != nil, holdsSlidingPairs, isInBand(start, sample: n, unit: j, z: z0) {
        // The Filippov slopes hold it on its kink: it crosses only when it leaves the band on the other side
        // of its frozen slope — at its last root, or from the start when it never changes sign (a slope
        // gone stale while the pair drifted across z = 0 inside the band).
        guard c <= 0, !isInBand(end, sample: n, unit: j, z: z1) else { continue }
        if count > 0 {
          first = count - 1
        } else {
          rootScratch[0] = 0
          count = 1
        }
      } else if a < 0 {
        // On the other side of its frozen slope already at s = 0: a flip at the start, then its roots.
        for r in stride(from: count, to: 0, by: -1) { rootScratch[r] = rootScratch[r - 1] }
        rootScratch[0] = 0
        count += 1
      }
      for r in first..<count {
        insertEvent(time: rootScratch[r], unit: j, among: events)
        events += 1
      }
    }
    return events
  }

  /// Inserts (time, unit) into the first `count` entries of `eventTimes`/`eventUnits`, kept in time order (a later
  /// event at an equal time goes after the earlier ones).
  func insertEvent(time s: Double, unit j: Int, among count: Int) {
    var i = count
    while i > 0, eventTimes[i - 1] > s {
      eventTimes[i] = eventTimes[i - 1]
      eventUnits[i] = eventUnits[i - 1]
      i -= 1
    }
    eventTimes[i] = s
    eventUnits[i] = j
  }

  /// Whether first-layer pair (n, j) with pre-activation `z` at `state` is in the Filippov band there,
  /// |z| ≤ η‖W_1[j, :]‖‖x_n‖ (η widened for a pair held after chatter, ``ChatterMonitor``).
  func isInBand(_ state: UnsafePointer<Double>, sample n: Int, unit j: Int, z: Double) -> Bool {
    guard var band else { return false }
    let d = layerSizes[0]
    if let heldBands {
      // A held pair's wider band holds it only while it is attracted to its kink: y_n ∂f_n/∂h_j < 0 (a_j y_n
      // with one hidden layer; deeper, the signal through the sample's slopes at the step's start).
      let wide = heldBands.band(sample: n, unit: j)
      if wide > band, attractsToKink(state, sample: n, unit: j) { band = wide }
    }
    let w = state + j * d
    let x = field.input(n)
    var (weights, inputs) = (0.0, 0.0)
    for i in 0..<d {
      weights += w[i] * w[i]
      inputs += x[i] * x[i]
    }
    return abs(z) <= band * (weights * inputs).squareRoot()
  }

  /// Whether first-layer pair (n, j) is attracted to its kink at `state`: y_n ∂f_n/∂h_j < 0, the output
  /// weight a_j with one hidden layer, else backprop's signal through `startSlopes` (the sample's pattern at
  /// the step's start, set by the follower before it asks).
  func attractsToKink(_ state: UnsafePointer<Double>, sample n: Int, unit j: Int) -> Bool {
    let signal =
      layerWidths.count == 1 ? state[parameterOffsets[2] + j] : field.outputSignal(state, slopes: startSlopes, unit: j)
    return signal * field.label(n) < 0
  }

  /// Follows sample n along θ̃(s): finds its crossings in order, and adds its correction over the pieces
  /// where its pattern differs from P_0. Returns false when it could not (too many crossings).
  func follow(sample n: Int, h: Double) -> Bool {
    for k in 0..<layerWidths.count {
      let layer = (offset: layerOffsets[k], width: layerWidths[k])
      let m = network.frozenSlopes(ofLayer: k + 1) + n * layer.width
      for j in 0..<layer.width {
        startSlopes[layer.offset + j] = m[j]
        slopes[layer.offset + j] = m[j]
      }
    }
    // First-layer crossings are the exact roots of their cubics; deeper ones are checked at the cell ends.
    let firstLayerWidth = layerWidths[0]
    let events = firstLayerEvents(sample: n, h: h)
    var nextEvent = 0
    var differing = 0
    var pieceStart = 0.0
    var current = 0.0
    var flips = 0
    for cell in 1...Self.cells {
      let cellEnd = Double(cell) / Double(Self.cells)
      let state = gridState(cell)
      while true {
        let firstLayerDue = nextEvent < events && eventTimes[nextEvent] <= cellEnd
        // While the sample is on P_0 its z at s = ½ and 1 are the screen's (frozen) values: a pass is needed
        // only if a deeper pair is on the wrong side there.
        if !firstLayerDue, flips == 0, gatherScreenValues(sample: n, cellEnd: cellEnd),
          !anyOnWrongSide(from: firstLayerWidth)
        {
          break
        }
        field.preActivations(state, sample: n, slopes: slopes, into: sampleZ)
        // The earliest crossing in (current, cellEnd] among the deeper pairs on the wrong side at cellEnd…
        var wrongSide = 0
        for u in firstLayerWidth..<hiddenCount
        where (sampleZ[u] > 0) != (slopes[u] == positiveSlope) && !isSliding(unit: u, state: state) {
          wrongUnits[wrongSide] = u
          wrongSide += 1
        }
        var earliest = Double.infinity
        var earliestUnit = -1
        var earliestSlope = 0.0
        for w in 0..<wrongSide {
          let u = wrongUnits[w]
          let root = crossingTime(sample: n, unit: u, from: current, to: cellEnd, endValue: sampleZ[u], h: h)
          if root.s < earliest {
            earliest = root.s
            earliestUnit = u
            earliestSlope = root.slope
          }
        }
        // …and the next first-layer event.
        if firstLayerDue, eventTimes[nextEvent] <= earliest {
          (earliest, earliestUnit) = (eventTimes[nextEvent], eventUnits[nextEvent])
          earliestSlope = firstLayerSlope(sample: n, unit: earliestUnit, at: earliest, h: h)
          nextEvent += 1
        }
        guard earliestUnit >= 0 else { break }
        guard
          cross(
            sample: n, unit: earliestUnit, at: earliest, slope: earliestSlope, h: h, differing: &differing,
            pieceStart: &pieceStart)
        else { return true }
        current = earliest
        flips += 1
        if flips > 4 * hiddenCount + 16 { return false }
      }
      current = cellEnd
    }
    if differing > 0 { addCorrection(sample: n, from: pieceStart, to: 1, h: h) }
    return true
  }

  /// Takes sample n's crossing of unit u at s (dz_u/ds = `slope`). A pair that starts to slide there gets the
  /// Filippov share of its flip for the rest of the step, and returns false: the sample is not followed further
  /// (its later crossings in this step are not seen), or, with ``continuesAfterEntry``, only that unit is
  /// dropped and the sample's piece goes on from s (the share then leaves the piece to ``addCorrection``). Any
  /// other crossing closes the sample's current piece (its correction, when it differs from P_0) and flips the
  /// slope.
  func cross(
    sample n: Int, unit u: Int, at s: Double, slope: Double, h: Double, differing: inout Int,
    pieceStart: inout Double
  ) -> Bool {
    stepCrossings += 1
    if let chatter, u < chatter.width { chatter.record(sample: n, unit: u) }
    if differing > 0 { addCorrection(sample: n, from: pieceStart, to: s, h: h) }
    if band != nil, s < 1 - 1e-9, entersSurface(sample: n, unit: u, at: s, slope: slope, h: h) {
      addSlidingCorrection(
        sample: n, unit: u, from: s, includesPiece: differing > 0, accumulatesPiece: !continuesAfterEntry, h: h)
      pieceStart = s
      return false
    }
    slopes[u] = slopes[u] == positiveSlope ? lowerSlope : positiveSlope
    differing += slopes[u] == startSlopes[u] ? -1 : 1
    pieceStart = s
    return true
  }

  /// Whether unit u of the sample last passed through ``SampleField`` is inside the Filippov flows' kink band
  /// at `state` (|z| ≤ η‖W_k[j, :]‖‖h_{k−1}‖): a sliding pair, which the field itself keeps on z = 0, so its
  /// sign there is no crossing.
  func isSliding(unit u: Int, state: UnsafePointer<Double>) -> Bool {
    guard let band else { return false }
    let (k, j) = field.layerAndUnit(u)
    let columns = layerSizes[k - 1]
    let row = state + parameterOffsets[k] + j * columns
    var squared = 0.0
    for i in 0..<columns { squared += row[i] * row[i] }
    return abs(sampleZ[u]) <= band * squared.squareRoot() * field.inputNorm(ofLayer: k)
  }

  /// Copies sample n's z at s = ½ or 1 from the screen's passes into `sampleZ`; false at other s.
  func gatherScreenValues(sample n: Int, cellEnd: Double) -> Bool {
    let source: UnsafeMutablePointer<Double>
    switch cellEnd {
    case 0.5: source = midZ
    case 1: source = endZ
    default: return false
    }
    for k in 0..<layerWidths.count {
      let width = layerWidths[k]
      (sampleZ + layerOffsets[k]).update(from: source + sampleCount * layerOffsets[k] + n * width, count: width)
    }
    return true
  }

  /// Whether a pair of `sampleZ` from unit `first` on is on the other side of its kink than `slopes` says.
  func anyOnWrongSide(from first: Int) -> Bool {
    for u in first..<hiddenCount where (sampleZ[u] > 0) != (slopes[u] == positiveSlope) { return true }
    return false
  }

  /// dz/ds of first-layer pair (n, j) at s: the derivative of its cubic.
  func firstLayerSlope(sample n: Int, unit j: Int, at s: Double, h: Double) -> Double {
    let index = n * layerWidths[0] + j
    let (z0, z1) = (startZ[index], endZ[index])
    let (r0, r1) = (h * startRateZ[index], h * endRateZ[index])
    let s2 = s * s
    return (6 * s2 - 6 * s) * (z0 - z1) + (3 * s2 - 4 * s + 1) * r0 + (3 * s2 - 2 * s) * r1
  }

  /// θ̃ at grid point i (0 … cells).
  func gridState(_ i: Int) -> UnsafePointer<Double> {
    if i == 0 { return UnsafePointer(start) }
    if i == Self.cells { return UnsafePointer(end) }
    return UnsafePointer(grid + (i - 1) * dimension)
  }

  /// The first s in (a, b] where z_u of a deeper unit u of sample n (current slopes) reaches the side its
  /// value at b is on, to |Δs| ≤ 1e-10, with a pass of the sample per iterate (first-layer crossings are the
  /// roots of their cubics: ``firstLayerEvents(sample:h:)``).
  func crossingTime(sample n: Int, unit u: Int, from a: Double, to b: Double, endValue: Double, h: Double)
    -> (s: Double, slope: Double)
  {
    Self.illinois(from: a, to: b, endValue: endValue) { s in
      pathState(s, h: h, into: path)
      field.preActivations(path, sample: n, slopes: slopes, into: rootZ)
      return rootZ[u]
    }
  }

  /// The Illinois method for the first sign change of f on (a, b] toward the sign of f(b) = `endValue`:
  /// returns s and the slope df/ds of the last bracket (a when f(a) is already on that side, slope 0).
  static func illinois(from a: Double, to b: Double, endValue: Double, _ f: (Double) -> Double)
    -> (s: Double, slope: Double)
  {
    var (lo, hi) = (a, b)
    var (fLo, fHi) = (f(a), endValue)
    if (fLo > 0) == (fHi > 0) { return (a, 0) }
    var (valueLo, valueHi) = (fLo, fHi)
    var side = 0
    for _ in 0..<60 {
      guard hi - lo > 1e-10 else { break }
      var s = (lo * fHi - hi * fLo) / (fHi - fLo)
      if !(s > lo && s < hi) { s = 0.5 * (lo + hi) }
      let value = f(s)
      if (value > 0) == (fHi > 0) {
        hi = s
        fHi = value
        valueHi = value
        if side == 1 { fLo *= 0.5 }
        side = 1
      } else {
        lo = s
        fLo = value
        valueLo = value
        if side == -1 { fHi *= 0.5 }
        side = -1
      }
    }
    return (hi, (valueHi - valueLo) / (hi - lo))
  }
}
