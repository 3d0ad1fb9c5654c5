import Foundation
import ODE

// The step engine of ``CrossingCorrectedStepper``: one accepted step, its trial attempts, their error
// control, and the fields and Hermite path they use.
//
// A trial step of size h from θ_0 integrates the frozen field F_0 (the pattern P_0 at θ_0) with rkf45,
// giving θ̃_1, the stepper's error estimate e and F_0(θ̃_1); θ̃(s) is the cubic Hermite path through
// (θ_0, h F_0(θ_0)) and (θ̃_1, h F_0(θ̃_1)). The screen and the follower find the crossings along θ̃(s),
// and the correction adds δ = ∫ ΔF dt + J ∫ (t_1 − t) ΔF dt; the step ends at θ̃_1 + δ.
//
// Error control: with r_RK the stepper's error ratio and r_C that of ``correctionWeight`` × the second
// correction term (``Tolerances/errorRatio``, RMS or max norm), the step is accepted when both are ≤ 1
// (a NaN ratio rejects). The next step is h · min(0.9 r_RK^{−1/5}, 0.9 r_C^{−1/3}) clamped to
// [0.2 h, 5 h]; a rejected step retries with max(0.2, that factor) · h, and a trial whose field is not
// finite retries with h/2 (60 such failures in a row fail the system). A step that reaches the target
// keeps the larger of the proposed and the current h. After an accepted step with crossings the true F
// is evaluated at the corrected θ_1 (its pattern is the next P_0); without crossings the frozen field's
// end rate and pre-activations are the next start's.
extension CrossingCorrectedStepper {
  /// F_0(θ) into `rate`: the frozen pattern's field (a counted evaluation). Returns whether it is finite.
  func frozenField(_ theta: UnsafePointer<Double>, into rate: UnsafeMutablePointer<Double>) -> Bool {
    ownEvaluations += 1
    network.usesFrozenPattern = true
    let field: any FlowDynamics = holdsSlidingPairs ? dynamics : plainDynamics ?? dynamics
    let velocity = field.velocity(state: theta, direction: rate)
    network.usesFrozenPattern = false
    return scale(rate, by: velocity)
  }

  /// rate ← exp(logScale + σ) · direction (−∇L in the t clock, times the time unit e^σ: ``logTimeUnit``);
  /// returns whether every component is finite.
  func scale(_ rate: UnsafeMutablePointer<Double>, by velocity: FlowVelocity) -> Bool {
    let factor = exp(velocity.logScale + logTimeUnit)
    for i in 0..<dimension { rate[i] *= factor }
    for i in 0..<dimension where !rate[i].isFinite { return false }
    return true
  }

  /// The true F at θ into `rate`, then P_0 ← its pattern and `startZ` ← its pre-activations.
  func restart(at theta: UnsafePointer<Double>, rate: UnsafeMutablePointer<Double>) -> Bool {
    ownEvaluations += 1
    startRatesFresh = false
    let velocity = dynamics.velocity(state: theta, direction: rate)
    // A pair given an exit slope from a repelling surface is held too: inside its band the field sets its slope.
    let counting = dynamics as? any FilippovCounting
    holdsSlidingPairs = (counting?.slidingPairCount ?? 1) > 0 || (counting?.exitPairCount ?? 0) > 0
    network.freezePattern()
    if slidingPattern == .nearerBound { freezeSlidingPairsAtTheirNearerBound() }
    copyPreActivations(into: startZ)
    return scale(rate, by: velocity)
  }

  /// ``SlidingPattern/nearerBound``: each pair the Filippov flow's last evaluation (at the start) holds sliding, on
  /// its kink to round-off (``FilippovFlow/isOnKinkToRoundoff(sample:unit:)``), gets P_0's slope of the bound its
  /// share is nearer to. Its rate u lies in [lower, 0] with u = lower at slope 1 and u = 0 at α (``FilippovFlow``'s
  /// slope solve), so u/lower = (λ − α)/(1 − α).
  func freezeSlidingPairsAtTheirNearerBound() {
    guard let flow = slidingFlow else { return }
    let width = layerWidths[0]
    let slopes = network.frozenSlopes(ofLayer: 1)
    for i in 0..<flow.recordedSlidingCount {
      let (n, j) = flow.slidingPair(i)
      // Only a pair whose side is round-off's: one held in a wider band may sit clearly on one side.
      guard flow.isOnKinkToRoundoff(sample: n, unit: j) else { continue }
      let (u, lower) = flow.slidingRate(i)
      slopes[n * width + j] = u / lower > 0.5 ? positiveSlope : lowerSlope
    }
  }

  /// X Ẇ_1ᵀ for a rate Ẇ (its W_1 block) into `out` (N × d_1): the first layer's ż.
  func firstLayerRates(_ rate: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
    let (d, width) = (layerSizes[0], layerSizes[1])
    NetworkKernels.transpose(rate, rows: width, columns: d, into: rateTransposed)
    var first = 0
    while first < sampleCount {
      let rows = min(rateBlockRows, sampleCount - first)
      NetworkKernels.forward(
        blas: network.usesBLAS, rows: rows, din: d, dout: width, a: field.input(first), w: rate,
        wT: rateTransposed, z: out + first * width)
      first += rows
    }
  }

  /// The network's last hidden pre-activations into `z` (layer k's N × d_k block at N·offset_k).
  func copyPreActivations(into z: UnsafeMutablePointer<Double>) {
    for k in 0..<layerWidths.count {
      let layer = (offset: layerOffsets[k], width: layerWidths[k])
      (z + sampleCount * layer.offset).update(
        from: network.preActivations(ofLayer: k + 1), count: sampleCount * layer.width)
    }
  }

  /// θ̃'(s) = dθ̃/ds of the Hermite path into `out`.
  func pathRate(_ s: Double, h: Double, into out: UnsafeMutablePointer<Double>) {
    let s2 = s * s
    let a = 6 * s2 - 6 * s
    let b = (3 * s2 - 4 * s + 1) * h
    let c = -a
    let d = (3 * s2 - 2 * s) * h
    for i in 0..<dimension { out[i] = a * start[i] + b * startRate[i] + c * end[i] + d * endRate[i] }
  }

  /// θ̃(s) = h00 θ_0 + h10 h F_0(θ_0) + h01 θ̃_1 + h11 h F_0(θ̃_1) into `out` (cubic Hermite).
  func pathState(_ s: Double, h: Double, into out: UnsafeMutablePointer<Double>) {
    let s2 = s * s
    let s3 = s2 * s
    let a = 2 * s3 - 3 * s2 + 1
    let b = (s3 - 2 * s2 + s) * h
    let c = -2 * s3 + 3 * s2
    let d = (s3 - s2) * h
    for i in 0..<dimension { out[i] = a * start[i] + b * startRate[i] + c * end[i] + d * endRate[i] }
  }

  public func step(t: inout Double, target: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> StepResult {
    failureMessage = nil
    if !hasStart || t != startTime || memcmp(start, y, dimension * 8) != 0 {
      start.update(from: y, count: dimension)
      startTime = t
      guard restart(at: start, rate: startRate) else {
        hasStart = false
        failureMessage = "the right-hand side is not finite at t=\(t)"
        return .systemFailed
      }
      hasStart = true
    }
    if let exponentialStep,
      !exponentialStep.hasMode || stepsSinceMode >= Self.modeRefreshInterval
        || abs(t - modeTime) > Self.modeRefreshGrowth * abs(modeTime)
    {
      // A failed refresh keeps the last mode (or none: the explicit pair then takes every step).
      _ = exponentialStep.refresh(at: start, rate: startRate)
      stepsSinceMode = 0
      modeTime = t
    }
    var failures = 0
    while true {
      let remaining = target - t
      let reachesTarget = h >= remaining
      let trial = reachesTarget ? remaining : h
      // A step too small for t's precision, which the solver reports as a step-size failure.
      guard trial > abs(t) * 4 * Double.ulpOfOne, trial > 0 else { return .stepSizeUnderflow }
      guard case .ratios(let stepRatio, let correctionRatio) = attempt(t: t, h: trial) else {
        failures += 1
        rejectedSteps += 1
        // Halving 60 times; then, for a field so large at the start that even h/2⁶⁰ overflows (features in
        // the hundreds, init scale 10: log L(0) ≈ 200), by 2⁴ per try, down to h·2⁻¹⁰⁰⁰ in all.
        h = failures > 60 ? trial / 16 : trial / 2
        if failures > 60 + 235 {
          failureMessage = "the frozen-pattern field is not finite near t=\(t) (step \(trial))"
          return .systemFailed
        }
        continue
      }
      let factor = min(
        0.9 * pow(max(stepRatio, 1e-10), -1.0 / 5), 0.9 * pow(max(correctionRatio, 1e-10), -1.0 / 3))
      // (A NaN ratio — an error level of 0 with atol = 0 — rejects like one above 1.)
      guard stepRatio <= 1, correctionRatio <= 1, factor.isFinite else {
        rejectedSteps += 1
        h = trial * (factor.isFinite ? max(0.2, factor) : 0.2)
        continue
      }
      // Accept.
      stepsSinceMode += 1
      let next = trial * min(5, max(0.2, factor))
      h = reachesTarget ? max(next, h) : next
      t = reachesTarget ? target : t + trial
      if stepCrossings > 0 {
        crossings += stepCrossings
        recordFirstLayerRows()
        for i in 0..<dimension { start[i] = end[i] + correction[i] }
        chatter?.accept { n, j in hold(sample: n, unit: j) }
        chatter?.release { n, j in releaseIfDeparted(sample: n, unit: j) }
        guard restart(at: start, rate: startRate) else {
          hasStart = false
          failureMessage = "the right-hand side is not finite at t=\(t)"
          return .systemFailed
        }
      } else {
        start.update(from: end, count: dimension)
        startRate.update(from: endRate, count: dimension)
        // The end's z and ż become the start's (the buffers trade places; the next attempt overwrites `end*`).
        swap(&startRateZ, &endRateZ)
        startRatesFresh = true
        swap(&startZ, &endZ)
      }
      let collapsed = stepCrossings > 0 ? holdCollapsedUnits() : 0
      collapsedUnits += collapsed
      if projectSlidingPairs() > 0 || collapsed > 0 {
        guard restart(at: start, rate: startRate) else {
          hasStart = false
          failureMessage = "the right-hand side is not finite at t=\(t)"
          return .systemFailed
        }
      }
      startTime = t
      y.update(from: start, count: dimension)
      return .accepted
    }
  }

  /// What a trial step found.
  enum Attempt {
    /// The error ratios of the stepper and of the correction.
    case ratios(Double, Double)
    /// A field was not finite, or a sample crossed too often.
    case failed
  }

  /// One trial step of size h: fills `end`, `endRate`, `correction` and `stepCrossings`.
  func attempt(t: Double, h: Double) -> Attempt {
    // h·κ·max(a_1, 1) ≤ 1 for the pull-back of the frozen field's sliding pairs (``SlidingPullBack``).
    if limitsPullBack, let slidingFlow {
      let factor = normalization.map { max($0.tangentFactor(layer: 0, theta: start), 1) } ?? 1
      slidingFlow.pullBackLimit = 1 / (h * factor)
    }
    end.update(from: start, count: dimension)
    if let exponentialStep, exponentialStep.lambda * h < -Self.exponentialThreshold {
      guard exponentialStep.apply(h: h, y: end, error: stepError, rateIn: startRate, rateOut: endRate) else {
        return .failed
      }
    } else {
      guard frozenStep.apply(t: t, h: h, y: end, error: stepError, rateIn: startRate, rateOut: endRate) else {
        return .failed
      }
    }
    // The last evaluation was F_0(θ̃_1): its pre-activations are the frozen z at s = 1.
    copyPreActivations(into: endZ)
    if !startRatesFresh {
      firstLayerRates(startRate, into: startRateZ)
      startRatesFresh = true
    }
    firstLayerRates(endRate, into: endRateZ)
    if layerWidths.count > 1 {
      // Deeper layers are screened at s = ½ too.
      pathState(0.5, h: h, into: path)
      network.usesFrozenPattern = true
      network.forward(path)
      network.usesFrozenPattern = false
      copyPreActivations(into: midZ)
    }

    correction.update(repeating: 0, count: dimension)
    lever.update(repeating: 0, count: dimension)
    stepCrossings = 0
    entryCount = 0
    chatter?.beginAttempt()
    shallow?.beginStep(
      ShallowCorrection.Ends(
        h: h, start: start, startRate: startRate, end: end, endRate: endRate, startZ: startZ, endZ: endZ,
        startRateZ: startRateZ, endRateZ: endRateZ, frozenSlopes: network.frozenSlopes(ofLayer: 1)))
    let anyFlagged = screen(h: h)
    if anyFlagged, layerWidths.count == 1 {
      hasShiftedEvents = shiftFirstLayerCrossings(h: h)
      for n in 0..<sampleCount where flagged[n] {
        guard followFirstLayer(sample: n, h: h) else { return .failed }
      }
      shallow?.finishStep(correction: correction, lever: lever)
    } else if anyFlagged {
      for i in 1..<Self.cells { pathState(Double(i) / Double(Self.cells), h: h, into: grid + (i - 1) * dimension) }
      for n in 0..<sampleCount where flagged[n] {
        guard follow(sample: n, h: h) else { return .failed }
      }
    }
    let stepRatio = tolerances.errorRatio(stepError, state: end, rate: endRate, step: h, dimension: dimension)
    guard stepCrossings > 0 else { return .ratios(stepRatio, 0) }
    if keepsSlidingInCorrection { keepSlidingPairsInCorrection(h: h) }
    guard let correctionRatio = secondOrderCorrection(h: h) else { return .failed }
    return .ratios(stepRatio, correctionRatio)
  }
}
