/// Local error control, GSL's "standard" and "scaled" controls.
///
/// A step is accepted when every component's error estimate satisfies
/// |err_i| ≤ D_i = absolute · s_i + relative · (yWeight · |y_i| + dydtWeight · h · |y'_i|),
/// with s_i = 1 (standard control) or the per-component `absoluteScale[i]` (scaled control).
/// That is GSL's max norm, max_i |err_i|/D_i ≤ 1 (up to GSL's 1.1 rejection threshold); with
/// ``errorNorm`` = ``ErrorNorm/rms`` the step is judged by sqrt(mean_i (err_i/D_i)²) instead, the
/// norm of scipy and diffrax (``RMSControl``).
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
  /// How the per-component error ratios |err_i|/D_i are combined (default ``ErrorNorm/max``, GSL's).
  public var errorNorm: ErrorNorm

  /// Defaults rtol 1e-8, atol 1e-10: the benchmark protocol (shared reference answers agree to
  /// ≥ 6 digits at this setting).
  public init(
    relative: Double = 1e-8, absolute: Double = 1e-10, yWeight: Double = 1, dydtWeight: Double = 0,
    absoluteScale: [Double]? = nil, errorNorm: ErrorNorm = .max
  ) {
    self.relative = relative
    self.absolute = absolute
    self.yWeight = yWeight
    self.dydtWeight = dydtWeight
    self.absoluteScale = absoluteScale
    self.errorNorm = errorNorm
  }

  private enum CodingKeys: String, CodingKey {
    case relative, absolute, yWeight, dydtWeight, absoluteScale, errorNorm
  }

  /// Decodes the stored form; a missing `errorNorm` (records written before it existed) is ``ErrorNorm/max``.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    relative = try c.decode(Double.self, forKey: .relative)
    absolute = try c.decode(Double.self, forKey: .absolute)
    yWeight = try c.decode(Double.self, forKey: .yWeight)
    dydtWeight = try c.decode(Double.self, forKey: .dydtWeight)
    absoluteScale = try c.decodeIfPresent([Double].self, forKey: .absoluteScale)
    errorNorm = try c.decodeIfPresent(ErrorNorm.self, forKey: .errorNorm) ?? .max
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

/// The norm in which a step's error ratios e_i = |err_i|/D_i are measured against 1.
public enum ErrorNorm: String, CaseIterable, Sendable, Codable {
  /// max_i e_i: GSL's standard and scaled controls. Every component meets its tolerance.
  case max
  /// sqrt((1/n) Σ_i e_i²): scipy's `solve_ivp`, diffrax, the benchmark protocol (``RMSControl``).
  /// Never stricter than ``max`` (e_rms ≤ e_max ≤ √n e_rms); looser when the error sits in a few
  /// of many components.
  case rms
}

extension Tolerances {
  /// The error ratio of an error estimate e for a step of size h from y with rate y': the max or RMS
  /// (``errorNorm``) of |e_i|/D_i with D_i as above. A step is within tolerance when it is ≤ 1.
  public func errorRatio(
    _ e: UnsafePointer<Double>, state y: UnsafePointer<Double>, rate: UnsafePointer<Double>, step h: Double,
    dimension n: Int
  ) -> Double {
    guard let absoluteScale else {
      return Self.errorRatio(
        errorNorm, absolute: absolute, relative: relative, yWeight: yWeight, dydtWeight: dydtWeight, scale: nil,
        e, state: y, rate: rate, step: h, dimension: n)
    }
    return absoluteScale.withUnsafeBufferPointer { scale in
      Self.errorRatio(
        errorNorm, absolute: absolute, relative: relative, yWeight: yWeight, dydtWeight: dydtWeight,
        scale: scale.baseAddress, e, state: y, rate: rate, step: h, dimension: n)
    }
  }

  /// The ratio from the tolerances' parts (`scale`: the per-component s_i, or nil for 1); also the RMS
  /// control's (``RMSControl``), which keeps them in GSL's control state.
  static func errorRatio(
    _ norm: ErrorNorm, absolute: Double, relative: Double, yWeight: Double, dydtWeight: Double,
    scale: UnsafePointer<Double>?, _ e: UnsafePointer<Double>, state y: UnsafePointer<Double>,
    rate: UnsafePointer<Double>, step h: Double, dimension n: Int
  ) -> Double {
    var combined = 0.0
    for i in 0..<n {
      let s = scale.map { $0[i] } ?? 1
      let level = relative * (yWeight * abs(y[i]) + dydtWeight * abs(h * rate[i])) + absolute * s
      let r = abs(e[i]) / level
      combined = norm == .rms ? combined + r * r : max(combined, r)
    }
    return norm == .rms ? (combined / Double(max(n, 1))).squareRoot() : combined
  }
}
