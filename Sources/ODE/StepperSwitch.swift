/// One switch of ``Stepper/auto`` between its explicit and its implicit method, as recorded in a
/// solve's ``SolverStatistics``: where (the solve's own time variable), from what to what, and why.
public struct StepperSwitch: Sendable, Equatable, Codable {
  /// The solve's time at the switch (t, log t or ρ: whatever the system integrates in).
  public var time: Double
  /// The method before the switch ("rkf45", "msbdf", or the name of a custom step engine).
  public var from: String
  /// The method after the switch.
  public var to: String
  /// Why, in words, with the measured h·ρ(J) (the step size times the estimated spectral radius).
  public var reason: String
  /// h·ρ(J) at the decision.
  public var stiffness: Double

  public init(time: Double, from: String, to: String, reason: String, stiffness: Double) {
    self.time = time
    self.from = from
    self.to = to
    self.reason = reason
    self.stiffness = stiffness
  }
}
