import Foundation

/// KKT multipliers λ ≥ 0 of the max-margin problem at the rescaled point W̃ and the numbers of
/// THEORY §5.5 step 5 that say how far W̃ is from a KKT point.
///
/// The problem is (P1) min ½Σ_k‖W_k‖² s.t. q_n(W) ≥ 1, whose KKT conditions at W̃ are
/// W̃ = Σ_n λ_n h_n, λ ≥ 0, λ_n(q_n(W̃) − 1) = 0, with h_n ∈ ∂°q_n(W̃) (THEORY §5.3). Given λ:
///
/// - ε_rel = ‖θ̃ − Σ_n λ_n h_n‖ / ‖θ̃‖, the scale-free stationarity residual, and the same ratio per
///   layer (``layerResiduals``);
/// - δ = max_n λ_n (q_n(W̃) − 1) (Lyu–Li's complementary-slackness form, THEORY §5.4) and
///   δ_rel = δ / Σ_n λ_n;
/// - the Λ-ratio γ^{2/K} Σ_n λ_n, which is 1 at a KKT point because ‖W̃_k‖² = Σ_n λ_n = γ^{−2/K}
///   for every layer (THEORY §5.3, consequence 1);
/// - the support {n : λ_n > 0}.
///
/// ``score`` = max(ε_rel, δ_rel, |Λ-ratio − 1|) is what the verdict compares with the tolerance.
public struct MultiplierFit: Sendable {
  /// Which generalized gradients h_n were allowed.
  public enum Method: String, Sendable {
    /// The backprop gradient with the activation's σ'(0) convention.
    case plain
    /// Clarke-aware: a free slope in [σ'(0⁻), σ'(0⁺)] at every near-zero pre-activation (exact for K = 2).
    case clarke
    /// K ≥ 3: every near-zero pre-activation given the lower one-sided slope.
    case conventionLow = "convention-low"
    /// K ≥ 3: every near-zero pre-activation given the upper one-sided slope.
    case conventionHigh = "convention-high"
    /// K ≥ 3: the exact Clarke-aware fit over the slope vertices' columns (``DeepClarkeCheck``).
    case clarkeVertices = "clarke-vertices"
    /// THEORY §5.5 item 7: λ = c·α with α the flow's own normalized force weights (``FlowMultipliers``).
    case flow
  }

  /// The effective slope a Clarke-aware fit chose at a kink of a support sample.
  public struct KinkSlope: Sendable, Equatable {
    public let sample: Int
    /// Hidden layer (1…K−1) and unit (0-based).
    public let layer: Int
    public let unit: Int
    public let slope: Double
  }

  public let method: Method
  /// Candidate threshold η: only samples with q_n(W̃) ≤ 1 + η could carry a multiplier (∞: all).
  public let eta: Double
  /// λ_n for every sample (0 outside the candidates).
  public let lambda: [Double]
  public let epsRel: Double
  /// ‖W̃_k − (Σ_n λ_n h_n)_k‖ / ‖W̃_k‖ for k = 1…K.
  public let layerResiduals: [Double]
  public let delta: Double
  public let deltaRel: Double
  public let lambdaRatio: Double
  /// Samples with λ_n > 1e-10 · Σ_m λ_m, ascending.
  public let support: [Int]
  /// Effective kink slopes on the support (Clarke-aware fits only).
  public let kinkSlopes: [KinkSlope]
  /// The multiplier solve certified its optimum (see ``NNLS/Solution/converged``).
  public let solverConverged: Bool
  /// Dual infeasibility of the multiplier solve, relative (0 at its optimum).
  public let dualViolation: Double
  /// Relative duality gap of the multiplier solve.
  public let dualityGap: Double

  /// max(ε_rel, δ_rel, |Λ-ratio − 1|).
  public var score: Double { max(epsRel, deltaRel, abs(lambdaRatio - 1)) }

  /// Builds the numbers from λ and the residual r = θ̃ − Σ λ_n h_n.
  init(
    method: Method, eta: Double, lambda: [Double], residual r: [Double], target: [Double],
    architecture: Architecture, normalizedMargins: [Double], gamma: Double, kinkSlopes: [KinkSlope] = [],
    solverConverged: Bool, dualViolation: Double, dualityGap: Double
  ) {
    self.method = method
    self.eta = eta
    self.lambda = lambda
    epsRel = CheckerMath.norm(r) / CheckerMath.norm(target)
    layerResiduals = (1...architecture.depth).map { k in
      let range = architecture.offset(ofLayer: k)..<(architecture.offset(ofLayer: k) + architecture.size(ofLayer: k))
      return CheckerMath.norm(r[range]) / CheckerMath.norm(target[range])
    }
    let total = lambda.reduce(0, +)
    var delta = 0.0
    for (n, value) in lambda.enumerated() where value > 0 {
      delta = max(delta, value * (normalizedMargins[n] - 1))
    }
    self.delta = delta
    deltaRel = total > 0 ? delta / total : 0
    lambdaRatio = Foundation.pow(gamma, 2 / Double(architecture.depth)) * total
    support = lambda.indices.filter { lambda[$0] > 1e-10 * total }
    self.kinkSlopes = kinkSlopes.filter { slope in lambda[slope.sample] > 1e-10 * total }
    self.solverConverged = solverConverged
    self.dualViolation = dualViolation
    self.dualityGap = dualityGap
  }
}
