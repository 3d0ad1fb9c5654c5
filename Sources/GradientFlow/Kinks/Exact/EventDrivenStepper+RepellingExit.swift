import ODE

/// The a_j = 0 event of `--sliding exact` under `repelling_exit` `rule` (``EventDrivenStepper``'s
/// "Repelling exits"; docs/kinks.md "Repelling sliding surfaces").
extension EventDrivenStepper {
  /// −1, 0 or 1.
  static func sign(_ a: Double) -> Double { a > 0 ? 1 : (a < 0 ? -1 : 0) }

  /// Accepted steps between the anchors of ṡ*'s chord: the chord at an exit spans the last ``chordSteps`` to
  /// 2 ``chordSteps`` accepted steps of the piece (fewer after a recent event). Over one step the change of the
  /// share is of the order of the state's error-controlled noise when the steps are stability-limited: on
  /// illcond_w8 at the exit, one-step chords of −1.5e-6 (rtol 1e-6), +1.2e-7 (1e-9) and +5.0e-7 (1e-12), where
  /// ṡ* ≈ +0.6 and h ≈ 1e-6; 100 steps put ṡ*·Δt two decades above that noise at the default tolerances.
  static let chordSteps = 100

  /// At a piece's start (its shares in the field): both anchors there.
  func resetAnchors() {
    for j in 0..<field.width where field.sliding.unitRange(j).count == 1 {
      anchorShare[j] = field.lambda[field.sliding.unitRange(j).lowerBound]
      nextAnchorShare[j] = anchorShare[j]
    }
    anchorSteps = 0
  }

  /// After an accepted step without event (the field's last evaluation at its end): every ``chordSteps`` steps
  /// the next anchor becomes the anchor and the step's end the next anchor.
  func advanceAnchors() {
    guard repellingExit == .rule, exitRate == .chord else { return }
    anchorSteps += 1
    guard anchorSteps >= Self.chordSteps else { return }
    for j in 0..<field.width where field.sliding.unitRange(j).count == 1 {
      anchorShare[j] = nextAnchorShare[j]
      nextAnchorShare[j] = field.lambda[field.sliding.unitRange(j).lowerBound]
    }
    anchorSteps = 0
  }

  /// Whether unit j's crossing of a_j = 0 is an exit event: `rule`, exactly one sliding surface, and a
  /// nonzero a_j at the piece's start.
  func exitEventApplies(unit j: Int) -> Bool {
    repellingExit == .rule && unitSign[j] != 0 && field.sliding.unitRange(j).count == 1
  }

  /// Whether unit j's a_j crossed 0 at θ since the piece's start, for an exit event (``exitEventApplies``).
  func crossedZero(unit j: Int, at theta: UnsafePointer<Double>) -> Bool {
    exitEventApplies(unit: j) && unitSign[j] * theta[field.outputOffset + j] <= 0
  }

  /// At an accepted step's end θ (no event): counts the units with two or more sliding surfaces whose a_j
  /// crossed 0 in the step (the legacy behaviour holds them on their surfaces) and takes their new sign.
  func countUnresolved(at theta: UnsafePointer<Double>) {
    guard repellingExit == .rule else { return }
    for j in 0..<field.width where unitSign[j] != 0 && field.sliding.unitRange(j).count >= 2 {
      let a = theta[field.outputOffset + j]
      if unitSign[j] * a <= 0 {
        unresolvedRepelling += 1
        unitSign[j] = Self.sign(a)
      }
    }
  }

  /// At a located event θ: for each unit with one sliding surface whose a_j crossed 0, the side of −ṡ* (the sign
  /// of ṡ* as ``exitRate`` takes it: its derivative along θ̇, or the chord of its share from the anchor
  /// (``chordSteps``) to θ), written into the surface's pairs (their slopes α
  /// or 1, no longer sliding; marked ``repelled``). Units with two or more surfaces are counted. Returns the
  /// exits applied. Evaluates the field at θ (the shares).
  func chooseExits(at theta: UnsafePointer<Double>) -> Int {
    countUnresolved(at: theta)
    let m = field.width
    guard (0..<m).contains(where: { crossedZero(unit: $0, at: theta) }) else { return 0 }
    if exitRate == .derivative { shareDifferences(at: theta) }
    // The shares at θ (the field keeps its last evaluation's shares).
    _ = field.evaluate(theta, into: probeRate)
    var exits = 0
    for j in 0..<m where crossedZero(unit: j, at: theta) {
      let s = field.sliding.unitRange(j).lowerBound
      let rise = exitRate == .derivative ? shareAhead[j] - shareBehind[j] : field.lambda[s] - anchorShare[j]
      guard rise != 0, rise.isFinite else {
        unresolvedRepelling += 1
        continue
      }
      // s* rising (rise > 0) leaves below: share 0; falling leaves above: share 1.
      let above = rise < 0
      for member in field.sliding.members(s) {
        let p = field.sliding.memberSample[member] * m + j
        let positive = field.sliding.memberSign[member] > 0
        field.slope[p] = above == positive ? 1 : field.lowerSlope
        field.constantSlope[p] = field.slope[p]
        field.isSliding[p] = false
        repelled[p] = true
      }
      exits += 1
    }
    repellingExits += exits
    return exits
  }

  /// ``ExitRate/derivative``: each single-surface unit's share at θ ± σθ̇ into ``shareAhead`` and ``shareBehind``,
  /// σ = ``ExitRate/relativeStep``·‖θ‖/‖θ̇‖; their difference has the sign of ṡ* (both 0 where θ̇ = 0 or a
  /// probe fails: an unresolved exit). Evaluates the field three times (θ, and the two probes).
  func shareDifferences(at theta: UnsafePointer<Double>) {
    let (p, m) = (dimension, field.width)
    shareAhead.update(repeating: 0, count: max(m, 1))
    shareBehind.update(repeating: 0, count: max(m, 1))
    guard field.evaluate(theta, into: exitDirection) else { return }
    var (thetaSquared, rateSquared) = (0.0, 0.0)
    for i in 0..<p {
      thetaSquared += theta[i] * theta[i]
      rateSquared += exitDirection[i] * exitDirection[i]
    }
    let sigma = ExitRate.relativeStep * (thetaSquared / rateSquared).squareRoot()
    guard sigma > 0, sigma.isFinite else { return }
    guard probeShares(at: theta, step: sigma, into: shareAhead), probeShares(at: theta, step: -sigma, into: shareBehind)
    else {
      shareAhead.update(repeating: 0, count: max(m, 1))
      shareBehind.update(repeating: 0, count: max(m, 1))
      return
    }
  }

  /// The single-surface units' shares at θ + σ·``exitDirection`` into `shares`; false if the field fails there.
  private func probeShares(
    at theta: UnsafePointer<Double>, step sigma: Double, into shares: UnsafeMutablePointer<Double>
  )
    -> Bool
  {
    for i in 0..<dimension { probe[i] = theta[i] + sigma * exitDirection[i] }
    guard field.evaluate(probe, into: probeRate) else { return false }
    for j in 0..<field.width where field.sliding.unitRange(j).count == 1 {
      shares[j] = field.lambda[field.sliding.unitRange(j).lowerBound]
    }
    return true
  }

  /// After ``markPairsOnKinks``: the pairs just taken off a repelling surface stay out of the resolution.
  func holdExits() {
    for p in 0..<(field.sampleCount * field.width) where repelled[p] && !field.isSliding[p] { atZero[p] = false }
  }
}
