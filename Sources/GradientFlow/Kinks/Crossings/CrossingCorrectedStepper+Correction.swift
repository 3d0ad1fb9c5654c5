import ODE

// The correction of ``CrossingCorrectedStepper``: what the crossings inside a step add to θ̃_1.
//
// With ΔF(s) = Σ_n [g_n(θ̃(s); P_n(s)) − g_n(θ̃(s); P_{0,n})] (g_n = a_n∇q_n, nonzero only for the
// samples that crossed), the true end point is θ_1 = θ̃_1 + δ with δ' = ΔF + J δ, δ(t_0) = 0,
// J = ∂F_0/∂θ. To second order
//
//   δ ≈ ∫ ΔF dt + J ∫ (t_1 − t) ΔF dt,
//
// each integral by 3-point Gauss–Legendre (exact for degree 5) on every piece between a sample's
// crossings, where ΔF is smooth, and J·v by one forward difference of F_0 along v = ∫ (t_1 − t) ΔF dt.
// The second term is also the first-order correction's error estimate (``secondOrderCorrection``).
extension CrossingCorrectedStepper {
  /// 3-point Gauss–Legendre nodes and weights on [−1, 1] (exact for degree 5).
  static let gaussNodes: [Double] = [-(0.6).squareRoot(), 0, (0.6).squareRoot()]
  static let gaussWeights: [Double] = [5.0 / 9, 8.0 / 9, 5.0 / 9]

  /// Adds sample n's share of the correction over s ∈ [a, b] (its slopes there: `slopes`):
  /// ∫ Δg dt to `correction` and ∫ (t_1 − t) Δg dt to `lever`, with Δg = g_n(slopes) − g_n(P_0).
  func addCorrection(sample n: Int, from a: Double, to b: Double, h: Double) {
    guard b > a else { return }
    if let shallow {
      shallow.addPiece(
        sample: n, slopes: slopes, startSlopes: startSlopes, from: a, to: b, correction: correction, lever: lever)
      return
    }
    for node in 0..<3 {
      // (Three points, not two: a 2-point rule measurably moved a three-layer run; docs/relu-kinks.md.)
      let (x, w) = (Self.gaussNodes[node], Self.gaussWeights[node])
      let s = a + (b - a) * (x + 1) / 2
      let weight = w * (b - a) / 2 * h
      pathState(s, h: h, into: path)
      difference.update(repeating: 0, count: dimension)
      field.addForce(path, sample: n, slopes: slopes, scale: 1, into: difference, scratch: rootZ)
      field.addForce(path, sample: n, slopes: startSlopes, scale: -1, into: difference, scratch: rootZ)
      normalization?.apply(theta: path, to: difference)
      let leverWeight = weight * (1 - s) * h
      for i in 0..<dimension {
        correction[i] += weight * difference[i]
        lever[i] += leverWeight * difference[i]
      }
    }
  }

  /// Adds the second correction term J ∫ (t_1 − t) ΔF dt = J·v to `correction`, J = ∂F_0/∂θ at θ̃_1, by a
  /// forward difference of F_0 along the lever v (`lever`): J·v ≈ (F_0(θ̃_1 + εv) − F_0(θ̃_1))/ε with
  /// ε = 1.5e-8 · max(‖θ̃_1‖, 1)/‖v‖ (a relative step near √ε_machine), one evaluation of F_0. Returns the
  /// error ratio of ``correctionWeight`` × that term (0 when v = 0), or nil when F_0 is not finite there.
  func secondOrderCorrection(h: Double) -> Double? {
    var leverNorm = 0.0
    var stateNorm = 0.0
    for i in 0..<dimension {
      leverNorm += lever[i] * lever[i]
      stateNorm += end[i] * end[i]
    }
    leverNorm = leverNorm.squareRoot()
    var correctionRatio = 0.0
    if leverNorm > 0 {
      let epsilon = 1.5e-8 * max(stateNorm.squareRoot(), 1) / leverNorm
      for i in 0..<dimension { path[i] = end[i] + epsilon * lever[i] }
      guard frozenField(path, into: probeRate) else { return nil }
      for i in 0..<dimension {
        let second = (probeRate[i] - endRate[i]) / epsilon
        difference[i] = correctionWeight * second
        correction[i] += second
      }
      correctionRatio = tolerances.errorRatio(difference, state: end, rate: endRate, step: h, dimension: dimension)
    }
    return correctionRatio
  }
}
