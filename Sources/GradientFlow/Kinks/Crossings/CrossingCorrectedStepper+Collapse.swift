// Collapsed units for ``CrossingCorrectedStepper`` (``UnitCollapse``): a first-layer ReLU unit whose step passed
// through w_j = 0 and whose field points back to 0 is held there.
extension CrossingCorrectedStepper {
  /// Keeps the first-layer rows of the step's start (θ_0) before an accepted step overwrites it.
  func recordFirstLayerRows() {
    guard let collapseRows else { return }
    collapseRows.update(from: start, count: layerSizes[0] * layerSizes[1])
  }

  /// Sets w_j ← 0 for every first-layer unit that passed through 0 in the accepted step (rows of θ_0 in
  /// ``collapseRows``, θ_1 in `start`) and whose true field at θ_1 (`startRate`) points back to 0. Returns the
  /// number of units set to 0.
  func holdCollapsedUnits() -> Int {
    guard let collapseRows else { return 0 }
    crossingSteps += 1
    let (d, width) = (layerSizes[0], layerSizes[1])
    let kappa = UnitCollapse.chordDistance
    var held = 0
    for j in 0..<width {
      let (w0, w1, v1) = (collapseRows + j * d, start + j * d, startRate + j * d)
      var (w00, w01, w11, vw) = (0.0, 0.0, 0.0, 0.0)
      for i in 0..<d {
        w00 += w0[i] * w0[i]
        w01 += w0[i] * w1[i]
        w11 += w1[i] * w1[i]
        vw += v1[i] * w1[i]
      }
      // Reversed, and the field at the end points back to 0.
      guard w01 < 0, vw < 0 else { continue }
      // The squared distance of the origin from the chord's line: ‖w_0‖² − (w_0·Δ)²/‖Δ‖², Δ = w_1 − w_0 (the
      // closest point lies inside the chord, as w_0·w_1 < 0).
      let chord = w00 - 2 * w01 + w11
      let along = w01 - w00
      let distance = max(w00 - along * along / chord, 0)
      guard distance <= kappa * kappa * chord else { continue }
      // A first pass may be a crossing the far side's field carries on (along an escape ray of the unit); a
      // second within the window means that side pushed it back through 0 as well.
      guard crossingSteps - lastPasses[j] <= UnitCollapse.passWindow else {
        lastPasses[j] = crossingSteps
        continue
      }
      lastPasses[j] = Int.min / 2
      w1.update(repeating: 0, count: d)
      held += 1
    }
    return held
  }
}
