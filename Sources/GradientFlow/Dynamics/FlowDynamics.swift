/// A gradient-flow dynamics of a homogeneous network, in coordinates of its own: W itself
/// (unconstrained), (ρ_k, V_k) (Lagrange) or (g_k, v_k) (weight normalization).
///
/// Every dynamics of THEORY §2–§4 is linear in the forces a_n = −ℓ'(q_n), so its velocity factors
/// as d(state)/dt = exp(logScale) · direction with logScale the loss's `logForceScale` and a
/// direction of moderate size. Conformers return that factorization; ``FlowSystem`` turns it into
/// an ODE in the chosen clock. The factorization is what lets a run reach log t in the thousands
/// without under- or overflow (THEORY §7.2–7.3).
///
/// The simulator drives any conformer the same way: it integrates the state and, at every save,
/// asks for the weights to compute the observables, so every dynamics writes the same columns, plus
/// the dynamics' own invariants.
public protocol FlowDynamics: AnyObject {
  /// Which of the three dynamics this is (run.json `model.dynamics`); the Filippov flows are `unconstrained`.
  var kind: DynamicsKind { get }
  /// The network the state parametrizes.
  var architecture: Architecture { get }
  /// The number of state components.
  var dimension: Int { get }
  /// Writes `direction` and returns logScale with d(state)/dt = exp(logScale) · direction, together
  /// with ν̃ = Σ_n w_n q_n(W) (ν = exp(logScale) · ν̃, so ρ̇_k = exp(logScale) · ν̃/ρ_k in all three
  /// dynamics). Must not allocate.
  func velocity(state: UnsafePointer<Double>, direction: UnsafeMutablePointer<Double>) -> FlowVelocity
  /// The state that encodes the layer weights θ = vec(W_1 … W_K).
  func initialState(weights theta: [Double]) throws(ModelError) -> [Double]
  /// Writes θ = vec(W_1 … W_K) encoded by `state` into `theta` (P entries). Must not allocate.
  func weights(from state: UnsafePointer<Double>, into theta: UnsafeMutablePointer<Double>)
  /// Names of the dynamics-specific invariant columns (e.g. `v_norm_drift_1`).
  var invariantNames: [String] { get }
  /// Writes the invariants' current values (drift from their initial values where that applies).
  func invariants(state: UnsafePointer<Double>, into values: UnsafeMutablePointer<Double>)
}

extension FlowDynamics {
  public var invariantNames: [String] { [] }
  public func invariants(state: UnsafePointer<Double>, into values: UnsafeMutablePointer<Double>) {}
}

/// The scale factorization of a dynamics' velocity: d(state)/dt = exp(logScale) · direction.
public struct FlowVelocity: Sendable, Equatable {
  /// log of the common force scale (log L for the exponential loss).
  public var logScale: Double
  /// ν̃ = Σ_n w_n q_n(W), with ν = Σ_n a_n q_n(W) = exp(logScale) · ν̃ (THEORY §2.2).
  public var weightedMargin: Double

  public init(logScale: Double, weightedMargin: Double) {
    self.logScale = logScale
    self.weightedMargin = weightedMargin
  }
}

/// A flow whose state is θ = vec(W_1 … W_K) itself (P entries): the unconstrained flow, its Filippov flows and
/// the normalized flows written in W. θ(0) is the state, and the state is the weights.
public protocol WeightStateFlow: FlowDynamics {}

extension WeightStateFlow {
  public func initialState(weights theta: [Double]) throws(ModelError) -> [Double] {
    guard theta.count == dimension else { throw .weightCount(theta.count, architecture) }
    return theta
  }

  public func weights(from state: UnsafePointer<Double>, into theta: UnsafeMutablePointer<Double>) {
    theta.update(from: state, count: dimension)
  }
}
