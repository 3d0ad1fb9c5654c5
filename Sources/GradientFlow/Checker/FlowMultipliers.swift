import Foundation

/// KKT multipliers taken from the flow itself (THEORY §5.5 item 7): cheap, needs no solve, and along a
/// trajectory it measures Lyu–Li's alignment rather than the best possible certificate.
///
/// The exponential loss pushes each sample with force a_n = e^{−q_n(W)}; normalized, these are
///
///   α = softmax(−q(W)) = softmax(−ρ q(V)),
///
/// evaluated at the weights **as given** (their scale ρ is what concentrates α on the minimum-margin
/// samples; THEORY §5.2). With the margin gradients h_n at the rescaled point θ̃ and g = Σ_n α_n h_n,
/// the multipliers are λ = c α with c the least-squares scale c = ⟨θ̃, g⟩/‖g‖², so that
///
///   ε = ‖θ̃ − c g‖ = ‖θ̃‖ sin∠(θ̃, g),
///
/// the alignment-based bound of Lyu–Li (ε_rel = sin of the angle between the weights and the flow's
/// direction −∇L ∝ g at θ̃). The logistic loss has the same α asymptotically (a_n ~ e^{−q_n}). The h_n
/// are the backprop gradients (σ'(0) convention); a flow that slides along kinks uses Filippov slopes
/// there instead, so at kinks this fit can only be worse than the Clarke-aware one.
enum FlowMultipliers {
  /// The flow-multiplier fit. `rawMargins` are q_n(W) of the weights as given; `columns` the h_n at θ̃.
  static func fit(
    columns: [[Double]], rawMargins: [Double], target: [Double], architecture: Architecture,
    normalizedMargins: [Double], gamma: Double
  ) -> MultiplierFit {
    let smallest = rawMargins.min() ?? 0
    var alpha = rawMargins.map { Foundation.exp(-($0 - smallest)) }
    let total = alpha.reduce(0, +)
    alpha = alpha.map { $0 / total }
    var g = [Double](repeating: 0, count: target.count)
    for (n, weight) in alpha.enumerated() where weight > 0 {
      for i in 0..<g.count { g[i] += weight * columns[n][i] }
    }
    let gg = CheckerMath.dot(g, g)
    let c = gg > 0 ? max(0, CheckerMath.dot(target, g) / gg) : 0
    let residual = zip(target, g).map { $0 - c * $1 }
    return MultiplierFit(
      method: .flow, eta: .infinity, lambda: alpha.map { c * $0 }, residual: residual, target: target,
      architecture: architecture, normalizedMargins: normalizedMargins, gamma: gamma, solverConverged: true,
      dualViolation: 0, dualityGap: 0)
  }
}
