import Foundation

/// Whether a state sits at a minimizer of the loss, the end point of the flow on data the model
/// cannot separate (the flow then converges to a finite θ* with ∇L(θ*) = 0, docs/stiff.md).
///
/// With the force weights w_n = a_n / Σ_m |a_m| (``NetworkForces``: G = Σ_n w_n ∇q_n, −∇L = Σ|a|·G),
/// the dimensionless ratio
///
///   r(θ) = ‖G‖ · max(‖θ‖, 1) / (1 + max_n |q_n(W)|)  =  ‖∇L‖ max(‖θ‖, 1) / (Σ_n |a_n| (1 + max_n |q_n|))
///
/// compares the gradient with the size of its terms (‖∇q_n‖ ≈ K |q_n| / ‖θ‖ for a K-homogeneous
/// net; the floor 1 on ‖θ‖ keeps a start at or near θ = 0, where a linear model's ∇q_n = y_n x_n does
/// not vanish, from looking stationary), so round-off in the sum puts a floor of about ε·√N under it.
/// The test is armed only once the loss has fallen below its value at the first state tested: a
/// stationary start (a saddle such as θ = 0 of a deep net, where G = 0 exactly) is not a minimizer. The test holds when
/// r ≤ ``threshold`` = 1e-12: above that floor (≈ 2e-13 at N = 10⁶), and since
/// L − L* ≈ ‖∇L‖²/(2λ_min), the loss has then stopped decreasing at double precision. On data the
/// flow separates it never holds: ⟨θ, ∇L⟩ = −K Σ_n a_n q_n makes r ≥ K min_n q_n/(1 + max|q|) > 0,
/// bounded away from 0 once q_n ≥ 0, so the margin test (one forward pass) skips the gradient there.
/// With a ``velocityField`` (``MinimizerVelocity/flow``), G at a state where that field holds pairs sliding
/// is its direction (the Filippov slopes on those pairs), the velocity the flow follows: a minimizer on a
/// kink is then recognized like any other. Under ``MinimizerVelocity/clarke`` the field gives the least-norm
/// element of the Filippov set (no crossing rule, no pull-back), used at every state.
///
/// Allocation-free after `init`.
final class MinimizerTest {
  /// The ratio r at or below which the state is a minimizer.
  static let threshold = 1e-12
  /// The same for the least-norm field (``MinimizerVelocity/clarke``). Its slopes solve a box QP whose KKT
  /// conditions hold to 1e-12 of the forces (``FilippovSlopeSolver``'s dual tolerance), and the state sits on
  /// its kinks only to round-off, so its r has a floor near 1e-12 (diabetes, 10 → 8 → 1: 1.4e-12 to 9e-12 at
  /// its minimizer, where the loss no longer changes in 13 digits); 1e-10 is a hundred times that tolerance.
  /// At r = 1e-10 the loss is within r² of its minimum in relative terms (L − L* ≈ ‖∇L‖²/(2λ_min)).
  static let leastNormThreshold = 1e-10

  /// The threshold of this test: ``leastNormThreshold`` with the least-norm field, else ``threshold``.
  let ratioThreshold: Double

  private let dynamics: any FlowDynamics
  private let forces: NetworkForces
  private let theta: UnsafeMutablePointer<Double>
  private let gradient: UnsafeMutablePointer<Double>
  private let lossWeights: UnsafeMutablePointer<Double>
  private let count: Int
  /// The unconstrained Filippov flow in θ on a network of its own, or nil (backprop only).
  private let velocityField: (any FlowDynamics & FilippovCounting)?
  private let fieldDirection: UnsafeMutablePointer<Double>
  /// Whether `velocityField` is present and the least-norm field (``MinimizerVelocity/clarke``): its direction is
  /// used at every state, also where every candidate's slope sits at a bound (no pair slides in the open interval).
  private let leastNorm: Bool

  init(
    dynamics: any FlowDynamics, network: NetworkEvaluator, loss: Loss,
    velocityField: (any FlowDynamics & FilippovCounting)? = nil, leastNorm: Bool = false
  ) {
    self.dynamics = dynamics
    self.leastNorm = leastNorm && velocityField != nil
    ratioThreshold = self.leastNorm ? Self.leastNormThreshold : Self.threshold
    self.velocityField = velocityField
    forces = NetworkForces(network: network, loss: loss)
    count = network.architecture.parameterCount
    theta = .allocate(capacity: count)
    gradient = .allocate(capacity: count)
    fieldDirection = .allocate(capacity: count)
    lossWeights = .allocate(capacity: network.sampleCount)
  }

  deinit {
    theta.deallocate()
    gradient.deallocate()
    fieldDirection.deallocate()
    lossWeights.deallocate()
  }

  /// log(``ratioThreshold``) − log r(θ): ≥ 0 at a minimizer (the stop condition's event function); −∞ where the
  /// test is not armed (no sample misclassified, or the loss not below its start).
  func function(_ state: UnsafeBufferPointer<Double>) -> Double {
    let report = evaluate(state, withLoss: initialLogLoss == nil)
    if initialLogLoss == nil { initialLogLoss = report.logLoss }
    guard report.misclassified > 0, let initial = initialLogLoss, report.logLoss < initial else { return -.infinity }
    return log(ratioThreshold) - log(max(report.ratio, .leastNonzeroMagnitude))
  }

  /// log L at the first state tested (the run's start): the test holds only below it.
  private var initialLogLoss: Double?

  /// What the run reports at a minimizer.
  struct Report {
    /// r(θ).
    var ratio: Double
    /// ‖∇L(θ)‖.
    var gradientNorm: Double
    /// log L(θ).
    var logLoss: Double
    /// Samples with q_n(W) ≤ 0.
    var misclassified: Int
    /// Their indices (0-based, the data's order); empty unless asked for.
    var misclassifiedSamples: [Int]
  }

  /// The report at `state`; the gradient is computed only when some sample is misclassified or
  /// `listSamples` or `withLoss` asks for the full report.
  func evaluate(_ state: UnsafeBufferPointer<Double>, listSamples: Bool = false, withLoss: Bool = false) -> Report {
    dynamics.weights(from: state.baseAddress!, into: theta)
    let network = forces.network
    network.forward(theta)
    var wrong = 0
    var samples: [Int] = []
    var largest = 0.0
    for i in 0..<network.sampleCount {
      let q = network.margins[i]
      largest = max(largest, abs(q))
      if q <= 0 {
        wrong += 1
        if listSamples { samples.append(i) }
      }
    }
    guard wrong > 0 || listSamples || withLoss else {
      return Report(ratio: .infinity, gradientNorm: .nan, logLoss: .nan, misclassified: 0, misclassifiedSamples: [])
    }
    let velocity = forces.evaluate(theta: theta, gradient: gradient)
    if let field = velocityField {
      // Same normalization as the backprop direction (Σ_n w_n ∇q_n, dθ/dt = exp(logScale) · direction).
      let flow = field.velocity(state: theta, direction: fieldDirection)
      if field.slidingPairCount > 0 || leastNorm, flow.logScale == velocity.logScale {
        gradient.update(from: fieldDirection, count: count)
      }
    }
    var g2 = 0.0
    var t2 = 0.0
    for i in 0..<count {
      g2 += gradient[i] * gradient[i]
      t2 += theta[i] * theta[i]
    }
    let g = g2.squareRoot()
    // ‖∇L‖ = exp(logScale) · ‖G‖ (square loss: logScale = 0 and G unnormalized, hence ÷ Σ|w|).
    let weightSum = max(forces.forceSum, .leastNonzeroMagnitude)
    let logLoss = forces.loss.evaluate(margins: network.margins, count: network.sampleCount, weights: lossWeights)
      .logLoss
    return Report(
      ratio: g / weightSum * max(t2.squareRoot(), 1) / (1 + largest), gradientNorm: exp(velocity.logScale) * g,
      logLoss: logLoss, misclassified: wrong, misclassifiedSamples: samples)
  }
}
