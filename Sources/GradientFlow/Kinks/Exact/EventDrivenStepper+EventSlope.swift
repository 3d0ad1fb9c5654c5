import ODE

/// The τ-derivative of an event function at a probe of the locator, for its Newton steps in implicit pieces
/// (``locate(step:end:)``): a step of bsimp costs a hundred or more evaluations, and the Illinois method needed
/// about 25 of them per event on the diabetes example (docs/stiff.md, "Locating events in implicit pieces").
extension EventDrivenStepper {
  /// dg/dτ at θ with rate θ̇ for the event function `which` (a pair ≥ 0, −1 − s for surface s, −1 − S − j for
  /// unit j's a_j), nil where there is none at hand (a surface's share: λ's rate is not computed).
  ///
  /// A pair's g = side·⟨w_j, x⟩/(‖x‖‖w_j‖) has g' = side/‖x‖ · (⟨ẇ_j, x⟩/‖w_j‖ − ⟨w_j, x⟩⟨w_j, ẇ_j⟩/‖w_j‖³);
  /// a unit's g = sign·a_j/‖w_j‖ has g' = sign · (ȧ_j/‖w_j‖ − a_j⟨w_j, ẇ_j⟩/‖w_j‖³).
  func eventSlope(_ which: Int, theta: UnsafePointer<Double>, rate: UnsafePointer<Double>) -> Double? {
    let (d, m) = (field.inputDimension, field.width)
    let surfaces = field.sliding.count
    let j: Int
    if which >= 0 {
      j = which % m
    } else if -1 - which >= surfaces {
      j = -1 - surfaces - which
    } else {
      return nil
    }
    var (ww, wv) = (0.0, 0.0)
    for i in 0..<d {
      ww += theta[j * d + i] * theta[j * d + i]
      wv += theta[j * d + i] * rate[j * d + i]
    }
    let norm = ww.squareRoot()
    guard norm > 0 else { return nil }
    let slope: Double
    if which >= 0 {
      let n = which / m
      let x = field.inputs + n * d
      var (u, v) = (0.0, 0.0)
      for i in 0..<d {
        u += theta[j * d + i] * x[i]
        v += rate[j * d + i] * x[i]
      }
      let side: Double = field.slope[which] > field.lowerSlope ? 1 : -1
      slope = side / field.inputNorms[n] * (v / norm - u * wv / (norm * ww))
    } else {
      let (a, aDot) = (theta[field.outputOffset + j], rate[field.outputOffset + j])
      slope = unitSign[j] * (aDot / norm - a * wv / (norm * ww))
    }
    return slope.isFinite && slope != 0 ? slope : nil
  }
}
