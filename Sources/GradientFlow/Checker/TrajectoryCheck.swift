import Foundation

/// The checker along a trajectory: KKT certificates at the checked times, the §6 trend tests and a
/// verdict (THEORY §5.5 item 8, §6, P1–P5).
///
/// **Certificate trend.** Over the checked times where the weights separate the data, with scores
/// s_j = max(ε_rel, δ_rel, |Λ-ratio − 1|) (``MultiplierFit/score``), the certificate trends **down** when
/// s_last < s_first and the mean of log s over the last third of those times is below the mean over the
/// first third, or when s_last ≤ tolerance/100 (deep inside the tolerance, where rounding-level
/// wiggles carry no information). One separating time only: "n/a".
///
/// **Verdict** (``CheckVerdict``): one rule, a function of the last checked state and of the run's
/// `trajectory.csv` only — never of which other times `--at` selects, so the same state gets the same
/// verdict with `--at last` and `--at all` (the certificate trend is reported, not decisive):
/// 1. γ ≤ 0 → `not-separable`;
/// 2. K ≥ 3 and the kinks leave it open → `kink-ambiguous`;
/// 3. a decisive diagnostic (P1, P5) failed → `not-converged` (the trajectory is not a faithful flow);
/// 4. ε_rel, δ_rel and |Λ-ratio − 1| ≤ tolerance → `kkt`;
/// 5. P1 passed — the flow reached L < 1 (L < log 2 for the logistic loss) and its smoothed margin never
///    decreased since, the hypotheses under which the directions of a gradient flow of a homogeneous
///    net converge to KKT points of the max-margin problem (Lyu–Li Theorem 4.4, THEORY §5.4) → `converging`;
/// 6. otherwise (no trajectory, never in that regime) `not-converged`.
public struct TrajectoryCheck: Sendable {
  /// One checked time.
  public struct Point: Sendable {
    /// The time (nil for weights that do not come from a run).
    public let t: Double?
    /// log t (kept separately because t overflows beyond log t ≈ 709.78 in the log-t clock).
    public let logT: Double?
    public let certificate: KKTCertificate

    public init(t: Double?, logT: Double? = nil, certificate: KKTCertificate) {
      self.t = t
      self.logT = logT ?? t.map { Foundation.log($0) }
      self.certificate = certificate
    }
  }

  public enum Trend: String, Sendable {
    case down
    case notDown = "not-down"
    case notApplicable = "n/a"
  }

  public let points: [Point]
  public let predictions: [PredictionTest]
  public let certificateTrend: Trend
  public let verdict: CheckVerdict
  /// Why the verdict, one short sentence each.
  public let reasons: [String]
  public let tolerance: Double

  public init(points: [Point], predictions: [PredictionTest] = [], tolerance: Double) {
    precondition(!points.isEmpty, "a trajectory check needs at least one point")
    self.points = points
    self.predictions = predictions
    self.tolerance = tolerance
    let separating = points.filter { $0.certificate.isSeparating }
    let trend = Self.trend(scores: separating.map { $0.certificate.score }, tolerance: tolerance)
    certificateTrend = trend
    let last = points.last!.certificate
    var reasons: [String] = []
    let failed = predictions.filter { $0.decisive && $0.status == .fail }
    let verdict: CheckVerdict
    if !last.isSeparating {
      verdict = .notSeparable
      reasons.append("min_n q_n(V) = \(shortNumber(last.gammaProduct)) <= 0 at the last checked time")
    } else if last.kinkAmbiguous {
      verdict = .kinkAmbiguous
      reasons.append(
        "K = \(last.architecture.depth) with \(last.kinkPairs) near-zero pre-activations: "
          + (last.ambiguityReason ?? "the kinks leave open whether this is a KKT point"))
    } else {
      let fit = last.fit!
      let within = last.isWithinTolerance
      reasons.append(
        "eps_rel \(shortNumber(fit.epsRel)), delta_rel \(shortNumber(fit.deltaRel)), |Lambda-ratio - 1| \(shortNumber(abs(fit.lambdaRatio - 1))) "
          + (within ? "all <= \(shortNumber(tolerance))" : "not all <= \(shortNumber(tolerance))")
          + (fit.solverConverged ? "" : " (multiplier solve not certified)"))
      switch trend {
      case .down: reasons.append("certificate trending down over \(separating.count) separating checked times")
      case .notDown: reasons.append("certificate not trending down over \(separating.count) separating checked times")
      case .notApplicable: reasons.append("single checked time: no trend")
      }
      if let bound = last.epsRelLowerBound, bound > tolerance {
        reasons.append(
          "not a KKT point: no multipliers lambda >= 0 and no Clarke subgradients give eps_rel below \(shortNumber(bound)) (certified lower bound > \(shortNumber(tolerance)))"
        )
      }
      for test in failed { reasons.append("\(test.id) failed: \(test.detail)") }
      let inRegime = predictions.contains { $0.id == "P1" && $0.status == .pass }
      if !failed.isEmpty {
        verdict = .notConverged
      } else if within {
        verdict = .kkt
      } else if inRegime {
        verdict = .converging
        reasons.append(
          "P1 passed: L < 1 with a non-decreasing smoothed margin, where the flow's direction converges to a KKT point (docs/theory.md)"
        )
      } else {
        verdict = .notConverged
        reasons.append(
          predictions.isEmpty
            ? "no trajectory: a single point outside the tolerance"
            : "the run never reached the L < 1 regime with two saved times (P1 n/a)")
      }
    }
    self.verdict = verdict
    self.reasons = reasons
  }

  /// The trend of the certificate scores (see the type's documentation).
  static func trend(scores: [Double], tolerance: Double) -> Trend {
    guard scores.count >= 2, let first = scores.first, let last = scores.last else { return .notApplicable }
    if last <= tolerance / 100 { return .down }
    let third = max(1, scores.count / 3)
    func meanLog(_ values: ArraySlice<Double>) -> Double {
      values.reduce(0) { $0 + Foundation.log(max($1, 1e-300)) } / Double(values.count)
    }
    let early = meanLog(scores.prefix(third))
    let late = meanLog(scores.suffix(third))
    return last < first && late < early ? .down : .notDown
  }
}

/// A number in 3 significant digits for reasons and tables.
func shortNumber(_ value: Double) -> String {
  guard value.isFinite else { return format(value) }
  return String(format: "%.3g", value)
}
