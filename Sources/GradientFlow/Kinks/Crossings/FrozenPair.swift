import ODE

/// The embedded Runge–Kutta pair with which ``CrossingCorrectedStepper`` integrates the frozen field F_0
/// (config key `frozen_pair`).
///
/// Both pairs have six stages, an order-5 error estimate (the step-size exponent −1/5 is the same) and the
/// same cost per attempt; they differ in the error constants of the propagated solution:
///
/// - `rkck` (the default): Cash–Karp 4(5). On the conformance zoo's problems without sliding it reached
///   5–40× smaller final-loss errors than Fehlberg's pair at about the same evaluations (docs/kinks.md,
///   "The frozen field's pair").
/// - `rkf45`: Runge–Kutta–Fehlberg 4(5), what runs recorded before the key existed used, so a run.json
///   without it replays bit for bit.
public enum FrozenPair: String, CaseIterable, Sendable, Codable {
  case rkck
  case rkf45

  /// The GSL stepper of the pair.
  var stepper: Stepper {
    switch self {
    case .rkck: .rkck
    case .rkf45: .rkf45
    }
  }
}
