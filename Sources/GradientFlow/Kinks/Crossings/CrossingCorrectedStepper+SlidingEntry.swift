// Sliding entry for ``CrossingCorrectedStepper``: a crossing that turns into sliding on its kink.
//
// At a crossing of unit u of sample n (z_u = 0, dz_u/ds = slope), flipping u's slope changes g_n by
// ∓c_n g_u J_u (c_n = y_n a_n, g_u = ∂f_n/∂h_u, J_u = ∇_θ z_u), so ż_u jumps by ∓c_n g_u ‖J_u‖². When the
// jump turns ż_u around, both sides push the pair onto z_u = 0 (the Filippov sliding condition for one
// pair): it starts to slide (``entersSurface``). For the rest of the step the sample gets the Filippov
// share λ = clamp(−rate/jump, 0, 1) of the flip, which keeps ż_u = 0 (``slidingTerms``,
// ``addSlidingCorrection``), so the pair stays on its surface for the next step's Filippov slopes.
extension CrossingCorrectedStepper {
  /// Whether sample n's unit u, crossing at s with dz_u/ds = `slope`, starts to slide there: flipping its
  /// slope turns ż_u around (both sides push it onto z_u = 0, the Filippov flows' sliding condition for one
  /// pair). At z_u = 0 the flip changes g_n by ∓c_n g_u J_u (c_n = y_n a_n, g_u = ∂f_n/∂h_u, J_u = ∇_θ z_u),
  /// so ż_u jumps by ∓c_n g_u‖J_u‖²: a pass of the sample and a backprop of one unit, no θ-sized work.
  /// (A step where the sample crossed before is judged on the path's rate alone.)
  func entersSurface(sample n: Int, unit u: Int, at s: Double, slope: Double, h: Double) -> Bool {
    guard slope != 0 else { return false }
    if let shallow { return shallow.entersSurface(sample: n, unit: u, at: s, slope: slope, slopes: slopes) }
    pathState(s, h: h, into: path)
    let f = field.preActivations(path, sample: n, slopes: slopes, into: rootZ)
    let y = field.label(n)
    let attraction =
      y * field.loss.force(margin: y * f, logTimeUnit: logTimeUnit) * field.outputSignal(path, slopes: slopes, unit: u)
    guard attraction < 0 else { return false }
    let squared = field.jacobianSquaredNorm(path, slopes: slopes, unit: u)
    // The flip changes u's slope by 1 − α (α = 0 for ReLU); a normalized flow moves z_u by a_1 = ρ_1²/c_1²
    // times the flip's jump (``NormalizedWeightField``).
    let factor = normalization?.tangentFactor(layer: 0, theta: path) ?? 1
    var jump = (slopes[u] == positiveSlope ? -1 : 1) * attraction * squared * factor
    if lowerSlope != 0 { jump *= 1 - lowerSlope }
    let rate = slope / h
    return (rate > 0) != (rate + jump > 0)
  }

  /// ż_u along the corrected path and the jump of ż_u when u's slope flips, at s, for sample n with its
  /// current `slopes`: with J_u = ∇_θ z_u (exact, ``SampleField``),
  ///
  ///   rate = J_u·(θ̃'(s)/h + Δg_piece),   jump = J_u·(g_n(u flipped) − g_n(slopes)),
  ///
  /// Δg_piece = g_n(slopes) − g_n(P_0) when the sample already differs from P_0 (else 0). Leaves θ̃(s) in
  /// `path`, Δg_piece in `pieceDifference` and the flip's difference in `flipDifference`.
  func slidingTerms(sample n: Int, unit u: Int, at s: Double, includesPiece: Bool, h: Double)
    -> (rate: Double, jump: Double)
  {
    pathState(s, h: h, into: path)
    pathRate(s, h: h, into: pathDerivative)
    zGradient.update(repeating: 0, count: dimension)
    field.addPreActivationGradient(path, sample: n, slopes: slopes, unit: u, scale: 1, into: zGradient, scratch: rootZ)
    flipDifference.update(repeating: 0, count: dimension)
    pieceDifference.update(repeating: 0, count: dimension)
    let old = slopes[u]
    slopes[u] = old == positiveSlope ? lowerSlope : positiveSlope
    field.addForce(path, sample: n, slopes: slopes, scale: 1, into: flipDifference, scratch: rootZ)
    slopes[u] = old
    field.addForce(path, sample: n, slopes: slopes, scale: -1, into: flipDifference, scratch: rootZ)
    if includesPiece {
      field.addForce(path, sample: n, slopes: slopes, scale: 1, into: pieceDifference, scratch: rootZ)
      field.addForce(path, sample: n, slopes: startSlopes, scale: -1, into: pieceDifference, scratch: rootZ)
    }
    if let normalization {
      normalization.apply(theta: path, to: flipDifference)
      normalization.apply(theta: path, to: pieceDifference)
    }
    var rate = 0.0
    var jump = 0.0
    for i in 0..<dimension where zGradient[i] != 0 {
      rate += zGradient[i] * (pathDerivative[i] / h + pieceDifference[i])
      jump += zGradient[i] * flipDifference[i]
    }
    return (rate, jump)
  }

  /// Adds sample n's correction over [a, 1] where its unit u slides: the Filippov share λ ∈ [0, 1] of the
  /// flip that keeps ż_u = 0, λ = −rate/jump (``slidingTerms``), on top of the sample's piece if it differs
  /// from P_0 (3-point Gauss–Legendre, like ``addCorrection(sample:from:to:h:)``).
  func addSlidingCorrection(
    sample n: Int, unit u: Int, from a: Double, includesPiece: Bool, accumulatesPiece: Bool = true, h: Double
  ) {
    guard a < 1 else { return }
    if let shallow {
      let entry = shallow.addSliding(
        sample: n, unit: u, from: a, includesPiece: includesPiece, slopes: slopes, startSlopes: startSlopes,
        correction: correction, lever: lever)
      if slopeChange != nil, let entry, entryCount < sampleCount {
        entrySamples[entryCount] = n
        entryUnits[entryCount] = u
        entryTimes[entryCount] = (1 - a) * h
        entrySlopeTerms[entryCount] = entry.slopeTerm
        entryLowers[entryCount] = entry.lower
        entryCount += 1
      }
      return
    }
    for node in 0..<3 {
      let (x, w) = (Self.gaussNodes[node], Self.gaussWeights[node])
      let s = a + (1 - a) * (x + 1) / 2
      let weight = w * (1 - a) / 2 * h
      let (rate, jump) = slidingTerms(sample: n, unit: u, at: s, includesPiece: includesPiece, h: h)
      let share = jump != 0 ? min(max(-rate / jump, 0), 1) : 0
      let leverWeight = weight * (1 - s) * h
      for i in 0..<dimension {
        let delta = share * flipDifference[i] + (accumulatesPiece ? pieceDifference[i] : 0)
        correction[i] += weight * delta
        lever[i] += leverWeight * delta
      }
    }
  }
}

extension CrossingCorrectedStepper {
  /// Hands chattering pair (n, j) to the sliding set: widens its band to ``ChatterMonitor/widening`` × its
  /// distance from the kink at the next start, |w_j·x_n|/(‖w_j‖‖x_n‖), at least ``ChatterMonitor/floor`` η, at most
  /// ``ChatterMonitor/widestBand``.
  func hold(sample n: Int, unit j: Int) {
    guard let heldBands, let band else { return }
    let distance = kinkDistance(sample: n, unit: j)
    guard distance.isFinite else { return }
    let wide = min(max(ChatterMonitor.widening * distance, ChatterMonitor.floor * band), ChatterMonitor.widestBand)
    heldBands.widen(sample: n, unit: j, band: wide)
  }

  /// Gives held pair (n, j) its band η back when it is outside its wider band at the step's start (it left
  /// its kink); returns whether it did.
  func releaseIfDeparted(sample n: Int, unit j: Int) -> Bool {
    guard let heldBands, let band else { return true }
    guard kinkDistance(sample: n, unit: j) > heldBands.band(sample: n, unit: j) else { return false }
    heldBands.narrow(sample: n, unit: j, band: band)
    return true
  }

  /// |w_j·x_n|/(‖w_j‖‖x_n‖) at the step's start (∞ when a norm is 0).
  func kinkDistance(sample n: Int, unit j: Int) -> Double {
    let d = layerSizes[0]
    let w = start + j * d
    let x = field.input(n)
    var (z, weights, inputs) = (0.0, 0.0, 0.0)
    for i in 0..<d {
      z += w[i] * x[i]
      weights += w[i] * w[i]
      inputs += x[i] * x[i]
    }
    let norms = (weights * inputs).squareRoot()
    return norms > 0 ? abs(z) / norms : .infinity
  }
}
