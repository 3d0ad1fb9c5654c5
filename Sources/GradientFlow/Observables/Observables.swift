import CGSL
import Foundation
import ODE

/// The quantities the theory talks about, computed from the layer weights at a saved time
/// (the columns of `trajectory.csv`, THEORY §1–§6):
///
/// | column | definition |
/// |---|---|
/// | `t`, `log_t` | time and its natural log (`-inf` at t = 0); t is `inf` past log t ≈ 709.78 |
/// | `loss`, `log_loss` | L = Σ_n ℓ(q_n) and log L (log-sum-exp; L itself may underflow to 0) |
/// | `rho` | ρ = ∏_k ρ_k, ρ_k = ‖W_k‖_F |
/// | `margin` | γ̄ = min_n q_n(V) = min_n q_n(W)/ρ, the product normalization of THEORY §1.3 |
/// | `smoothed_margin` | ℓ^{-1}(L)/ρ, = log(1/L)/ρ for the exponential loss (THEORY P1) |
/// | `rho_1` … `rho_K` | the layer norms |
/// | `margin_lyu_li` | min_n q_n(W)/‖θ‖^K, the Lyu–Li normalization (THEORY §1.3) |
/// | `accuracy` | the fraction of samples with q_n > 0 |
/// | `grad_norm` | ‖∇L‖, of the velocity the flow follows (below) |
/// | `alignment` | β = cos∠(θ, −∇L) (THEORY P3), −∇L the velocity the flow follows (below) |
/// | `balance_drift_k` (k ≥ 2) | (ρ_k² − ρ_1²) − (ρ_k²(0) − ρ_1²(0)), zero for the exact flow (THEORY P5) |
/// | `pattern_changes` | activation switches since the previous save (``ActivationPatternTracker``) |
///
/// With a ``velocityField`` (the Filippov flows), −∇L at a state where that field holds pairs sliding is its
/// velocity, with the Filippov slopes on those pairs, not the one-sided backprop gradient (σ'(0) = 0). Elsewhere,
/// and without a field, it is the backprop gradient.
///
/// All buffers are allocated once; ``compute(t:theta:patternChanges:)`` allocates nothing.
public final class Observables {
  public let architecture: Architecture
  public let loss: Loss
  /// The column names, in order.
  public let columnNames: [String]
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  /// The values of the last ``compute(t:theta:patternChanges:)``, one per column.
  public let values: UnsafeMutablePointer<Double>
  /// The network evaluator used for the observables (also used for pattern tracking).
  public let network: NetworkEvaluator
  private let initialBalance: [Double]
  private let forceWeights: UnsafeMutablePointer<Double>
  private let outputWeights: UnsafeMutablePointer<Double>
  private let gradient: UnsafeMutablePointer<Double>
  /// The unconstrained Filippov flow in θ whose velocity −∇L is at sliding states (nil: backprop only). It
  /// needs its own ``NetworkEvaluator``.
  private let fieldDirection: UnsafeMutablePointer<Double>
  public var velocityField: (any FlowDynamics & FilippovCounting)?

  public init(network: NetworkEvaluator, loss: Loss, initialWeights theta0: [Double]) {
    self.network = network
    architecture = network.architecture
    self.loss = loss
    let depth = architecture.depth
    var names = ["t", "log_t", "loss", "log_loss", "rho", "margin", "smoothed_margin"]
    names += (1...depth).map { "rho_\($0)" }
    names += ["margin_lyu_li", "accuracy", "grad_norm", "alignment"]
    names += (1...depth).dropFirst().map { "balance_drift_\($0)" }
    names.append("pattern_changes")
    columnNames = names
    values = arena.buffer(count: names.count)
    let squares = theta0.withUnsafeBufferPointer { [architecture = network.architecture] in
      Self.layerSquaredNorms($0.baseAddress!, architecture)
    }
    initialBalance = squares.map { $0 - squares[0] }
    forceWeights = arena.buffer(count: network.sampleCount)
    outputWeights = arena.buffer(count: network.sampleCount)
    gradient = arena.buffer(count: architecture.parameterCount)
    fieldDirection = arena.buffer(count: architecture.parameterCount)
  }

  /// The value of a column of the last computation.
  public func value(_ column: String) -> Double? {
    columnNames.firstIndex(of: column).map { values[$0] }
  }

  /// Fills ``values`` for weights θ at time t. `logT` is log t, passed where t itself overflows
  /// (the log-t and ρ clocks); `nil` computes it from t.
  public func compute(t: Double, logT: Double? = nil, theta: UnsafePointer<Double>, patternChanges: Int) {
    let depth = architecture.depth
    let n = network.sampleCount
    let p = architecture.parameterCount
    network.forward(theta)
    let lossValue = loss.evaluate(margins: network.margins, count: n, weights: forceWeights)
    for i in 0..<n { outputWeights[i] = network.label(i) * forceWeights[i] }
    network.backward(theta, outputWeights: outputWeights, gradient: gradient)
    if let field = velocityField {
      // Same normalization as the backprop direction: Σ_n w_n ∇q_n with dθ/dt = exp(logScale) · direction.
      let velocity = field.velocity(state: theta, direction: fieldDirection)
      if field.slidingPairCount > 0, velocity.logScale == lossValue.logForceScale {
        gradient.update(from: fieldDirection, count: p)
      }
    }

    var rho = 1.0
    var thetaSquared = 0.0
    var column = 7
    var firstSquared = 0.0
    for k in 1...depth {
      let offset = architecture.offset(ofLayer: k)
      let squared = cblas_ddot(Int32(architecture.size(ofLayer: k)), theta + offset, 1, theta + offset, 1)
      if k == 1 { firstSquared = squared }
      values[column] = squared.squareRoot()
      rho *= values[column]
      thetaSquared += squared
      if k >= 2 { values[column + depth + 4 - 1] = squared - firstSquared - initialBalance[k - 1] }
      column += 1
    }
    var qMin = Double.infinity
    var correct = 0
    for i in 0..<n {
      qMin = min(qMin, network.margins[i])
      if network.margins[i] > 0 { correct += 1 }
    }
    let gradientNorm = cblas_dnrm2(Int32(p), gradient, 1)
    let thetaNorm = thetaSquared.squareRoot()

    values[0] = t
    values[1] = logT ?? log(t)
    values[2] = exp(lossValue.logLoss)
    values[3] = lossValue.logLoss
    values[4] = rho
    values[5] = qMin / rho
    values[6] = loss.inverse(logLoss: lossValue.logLoss) / rho
    values[7 + depth] = qMin / pow(thetaNorm, Double(depth))
    values[8 + depth] = Double(correct) / Double(n)
    values[9 + depth] = exp(lossValue.logForceScale) * gradientNorm
    values[10 + depth] = cblas_ddot(Int32(p), theta, 1, gradient, 1) / (thetaNorm * gradientNorm)
    values[columnNames.count - 1] = Double(patternChanges)
  }

  /// ‖W_k‖² for k = 1…K.
  static func layerSquaredNorms(_ theta: UnsafePointer<Double>, _ architecture: Architecture) -> [Double] {
    (1...architecture.depth).map { k in
      let offset = architecture.offset(ofLayer: k)
      return cblas_ddot(Int32(architecture.size(ofLayer: k)), theta + offset, 1, theta + offset, 1)
    }
  }
}
