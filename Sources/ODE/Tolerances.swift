/// Local error control, GSL's "standard" and "scaled" controls.
///
/// A step is accepted when every component's error estimate satisfies
/// |err_i| ≤ D_i = absolute · s_i + relative · (yWeight · |y_i| + dydtWeight · h · |y'_i|),
/// with s_i = 1 (standard control) or the per-component `absoluteScale[i]` (scaled control).
/// GSL uses the max norm over components, which is slightly stricter than the RMS norm of scipy
/// and diffrax.
public struct Tolerances: Sendable, Equatable, Codable {
  /// Relative tolerance (GSL's eps_rel).
  public var relative: Double
  /// Absolute tolerance (GSL's eps_abs).
  public var absolute: Double
  /// Weight of |y| in the error level (GSL's a_y).
  public var yWeight: Double
  /// Weight of h·|dy/dt| in the error level (GSL's a_dydt).
  public var dydtWeight: Double
  /// Per-component absolute scale; `nil` selects the standard control.
  public var absoluteScale: [Double]?

  /// Defaults rtol 1e-8, atol 1e-10: the benchmark protocol (shared reference answers agree to
  /// ≥ 6 digits at this setting).
  public init(
    relative: Double = 1e-8, absolute: Double = 1e-10, yWeight: Double = 1, dydtWeight: Double = 0,
    absoluteScale: [Double]? = nil
  ) {
    self.relative = relative
    self.absolute = absolute
    self.yWeight = yWeight
    self.dydtWeight = dydtWeight
    self.absoluteScale = absoluteScale
  }

  func validate(dimension: Int) throws(ODEError) {
    guard relative.isFinite, absolute.isFinite, relative >= 0, absolute >= 0,
      relative > 0 || absolute > 0
    else {
      throw .invalidOptions(
        "tolerances must be finite and non-negative, not both zero (rtol \(relative), atol \(absolute))"
      )
    }
    guard yWeight >= 0, dydtWeight >= 0 else {
      throw .invalidOptions("error weights a_y and a_dydt must be non-negative")
    }
    if let scale = absoluteScale {
      guard scale.count == dimension else {
        throw .invalidOptions(
          "absolute scale has \(scale.count) components, the system has \(dimension)")
      }
      guard scale.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
        throw .invalidOptions("absolute scale components must be finite and non-negative")
      }
    }
  }
}
