// Projected sliding for ``CrossingCorrectedStepper`` (``SlidingCorrection`` `projected`): at an accepted step's
// end, the first-layer rows of the pairs that slide there go back onto their kink surfaces.
//
// Which pairs slide is what the Filippov flow found at its last evaluation at the step's end: the true field
// at the corrected θ_1 after a step with crossings (``restart(at:rate:)``), else the frozen field's end-point
// rate F_0(θ̃_1) when the step started with sliding pairs (a step without crossings that started with none
// ends with none). The projection (``SlidingProjection``) moves each such row by O(rtol)‖w_j‖ along the
// surfaces' normals, and the true field is then evaluated again at the projected start (one evaluation per
// step with sliding pairs), so the next step's rate, pattern and pre-activations are those of the state it
// starts from. (Keeping the unprojected rate and refreshing only the moved units' z cost more on the zoo's
// random labels, 5,463 evaluations against 5,003, and left γ̄ 1.1e-7 off the reference against 4.3e-8.)

extension CrossingCorrectedStepper {
  /// Projects the rows of the pairs sliding at `start` (see above) onto their surfaces. Returns the number of
  /// rows moved; the caller re-evaluates the field when any did.
  func projectSlidingPairs() -> Int {
    guard let projection, holdsSlidingPairs else { return 0 }
    guard let slidingFlow else { return projectDeepSlidingPairs(projection) }
    let count = slidingFlow.recordedSlidingCount
    guard count > 0 else { return 0 }
    let d = layerSizes[0]
    var moved = 0
    var first = 0
    while first < count {
      let unit = slidingFlow.slidingPair(first).unit
      var last = first + 1
      while last < count, slidingFlow.slidingPair(last).unit == unit { last += 1 }
      let row = start + unit * d
      let offset = first
      if projection.project(row: row, samples: { slidingFlow.slidingPair(offset + $0).sample }, count: last - first) {
        moved += 1
      }
      first = last
    }
    return moved
  }

  /// Cancels the first-layer correction of each unit along its sliding pairs' inputs (``SlidingCorrection``
  /// `kept`): δ_j ← δ_j − X_Sᵀ(X_S X_Sᵀ)⁻¹X_S δ_j, X_S the inputs of the pairs the frozen field's last evaluation
  /// (F_0 at the step's end) held on unit j's kink. Called before the J·v term, which then acts on the
  /// cancelled first-order correction's lever unchanged.
  func keepSlidingPairsInCorrection() {
    guard holdsSlidingPairs, let projection, let slidingFlow else { return }
    let count = slidingFlow.recordedSlidingCount
    let d = layerSizes[0]
    var first = 0
    while first < count {
      let unit = slidingFlow.slidingPair(first).unit
      var last = first + 1
      while last < count, slidingFlow.slidingPair(last).unit == unit { last += 1 }
      let offset = first
      projection.project(
        row: correction + unit * d, samples: { slidingFlow.slidingPair(offset + $0).sample }, count: last - first)
      first = last
    }
  }
}
