// Projected sliding for a net with two or more hidden layers under the deep chatter hold (`deep_chatter`
// `hold`): at an accepted step's end, the W_1 rows of the first-layer pairs that ``DeepFilippovFlow`` found
// sliding at its last evaluation go back onto their kink surfaces w_j·x_n = 0 (``SlidingProjection``), as
// ``projectSlidingPairs()`` does with one hidden layer.
//
// Why: a held pair's band is up to ``ChatterMonitor/widestBand``; inside it the pair gets its Filippov slope
// while z_nj ≠ 0, so without the projection the flow runs off the kink by up to that band (moons_bias_w8x8:
// loss error 1.7e-3 against 2.9e-5 without the hold, docs/kinks.md). First-layer z is linear in W_1, so the
// projection is exact; deeper pairs (z nonlinear in θ) are left to the pull-back.
extension CrossingCorrectedStepper {
  /// Projects the rows of the first-layer pairs sliding at `start` (the deep flow's last evaluation) unit by
  /// unit. Returns the number of rows moved.
  func projectDeepSlidingPairs(_ projection: SlidingProjection) -> Int {
    guard let flow = dynamics as? DeepFilippovFlow else { return 0 }
    let count = flow.recordedSlidingCount
    guard count > 0 else { return 0 }
    let d = layerSizes[0]
    var moved = 0
    for j in 0..<layerWidths[0] {
      // The unit's samples (each at most once: pairs ≤ N).
      var pairs = 0
      for i in 0..<count where flow.slidingPair(i).unit == j {
        unitSamples[pairs] = flow.slidingPair(i).sample
        pairs += 1
      }
      guard pairs > 0 else { continue }
      if projection.project(row: start + j * d, samples: { unitSamples[$0] }, count: pairs) { moved += 1 }
    }
    return moved
  }
}
