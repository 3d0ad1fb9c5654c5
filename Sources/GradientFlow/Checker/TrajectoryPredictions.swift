import Foundation

/// One testable prediction of THEORY §6 evaluated on a run's `trajectory.csv`.
public struct PredictionTest: Sendable {
  /// The outcome: the prediction held, failed, or could not be tested on these columns and rows.
  public enum Status: String, Sendable {
    case pass
    case fail
    case notApplicable = "n/a"
  }

  /// "P1", "P3", "P4a", "P4b", "P5".
  public let id: String
  public let name: String
  public let status: Status
  /// Whether a failure blocks the `kkt` verdict (P1 and P5 are theorems of the exact flow, so a failure
  /// means the trajectory is not a faithful gradient flow); the slow asymptotic laws P3 and P4 are reported only.
  public let decisive: Bool
  /// The headline number (see ``detail``).
  public let value: Double?
  public let detail: String
}

/// The trend tests of THEORY §6 on the columns of `trajectory.csv`, from the first saved time with
/// L < 1 on (L < log 2 for the logistic loss; the square loss has no such regime):
///
/// - **P1** the smoothed margin ℓ⁻¹(L)/ρ is non-decreasing: no step down by more than
///   max(1e-6, 1e3·rtol) relative (decisive);
/// - **P3** the misalignment 1 − β, β = cos∠(θ, −∇L), is smaller at the end than at the start of the
///   regime (β → 1; the decrease is not monotone, so only the endpoints are compared);
/// - **P4a** ρ·γ̄/log t → 1 (ρ ≈ log t/γ) and **P4b** t (log t)^{2−2/K} L · K γ̄^{2/K} → 1 (with γ̄ the
///   current product margin, for t > e): |ratio − 1| smaller at the end than at the first eligible row,
///   or ≤ 1e-6 (at the limit to rounding). Corrections are O(log log t/log t), so these move slowly;
/// - **P5** balance: every `balance_drift_k` stays below 1e-4 of max_k ρ_k² (decisive; the exact flow
///   conserves ρ_k² − ρ_1², so drift is integration error).
public enum TrajectoryPredictions {
  /// Evaluates P1, P3, P4a, P4b and P5. `rtol` is the run's relative integration tolerance.
  public static func evaluate(table: TrajectoryTable, loss: Loss, depth: Int, rtol: Double) -> [PredictionTest] {
    let logLoss = table.column("log_loss")
    let threshold: Double? =
      switch loss {
      case .exponential: 0
      case .logistic: Foundation.log(Foundation.log(2.0))
      case .square: nil
      }
    var start: Int?
    if let logLoss, let threshold { start = logLoss.firstIndex { $0 < threshold } }
    let regime = start.map { Array($0..<table.rows.count) } ?? []
    let lossName = loss == .logistic ? "L < log 2" : "L < 1"
    return [
      smoothedMargin(table: table, regime: regime, lossName: lossName, rtol: rtol, hasRegime: threshold != nil),
      alignment(table: table, regime: regime, lossName: lossName),
    ] + growth(table: table, regime: regime, depth: depth, loss: loss) + [balance(table: table)]
  }

  private static func smoothedMargin(
    table: TrajectoryTable, regime: [Int], lossName: String, rtol: Double, hasRegime: Bool
  ) -> PredictionTest {
    let name = "smoothed margin non-decreasing after \(lossName)"
    guard hasRegime, let smoothed = table.column("smoothed_margin"), regime.count >= 2 else {
      return PredictionTest(
        id: "P1", name: name, status: .notApplicable, decisive: true, value: nil,
        detail: hasRegime ? "fewer than two saved times with \(lossName)" : "no such regime for the square loss")
    }
    let relative = max(1e-6, 1e3 * rtol)
    var violations = 0
    var worst = 0.0
    for (a, b) in zip(regime, regime.dropFirst()) {
      let drop = smoothed[a] - smoothed[b]
      if drop > relative * abs(smoothed[a]) + 1e-300 {
        violations += 1
        worst = max(worst, drop / max(abs(smoothed[a]), 1e-300))
      }
    }
    return PredictionTest(
      id: "P1", name: name, status: violations == 0 ? .pass : .fail, decisive: true, value: Double(violations),
      detail: violations == 0
        ? "no decrease beyond \(shortNumber(relative)) relative over \(regime.count) saved times"
        : "\(violations) decreases, the largest \(shortNumber(worst)) relative (allowed \(shortNumber(relative))): integration error?"
    )
  }

  private static func alignment(table: TrajectoryTable, regime: [Int], lossName: String) -> PredictionTest {
    let name = "alignment beta = cos(theta, -grad L) -> 1"
    guard let beta = table.column("alignment"), let first = regime.first, let last = regime.last, first != last
    else {
      return PredictionTest(
        id: "P3", name: name, status: .notApplicable, decisive: false, value: nil,
        detail: "needs the alignment column and two saved times with \(lossName)")
    }
    let start = 1 - beta[first]
    let end = 1 - beta[last]
    return PredictionTest(
      id: "P3", name: name, status: end < start || end <= 1e-12 ? .pass : .fail, decisive: false, value: end,
      detail: "1 - beta went from \(shortNumber(start)) to \(shortNumber(end))")
  }

  private static func growth(table: TrajectoryTable, regime: [Int], depth: Int, loss: Loss) -> [PredictionTest] {
    let k = Double(depth)
    let names = ("rho * margin / log t -> 1", "t (log t)^(2-2/K) L * K gamma^(2/K) -> 1")
    guard loss != .square, let logT = table.column("log_t"), let rho = table.column("rho"),
      let margin = table.column("margin"), let logLoss = table.column("log_loss")
    else {
      return [
        PredictionTest(
          id: "P4a", name: names.0, status: .notApplicable, decisive: false, value: nil,
          detail: "needs log_t, rho, margin, log_loss and an exp-type loss"),
        PredictionTest(
          id: "P4b", name: names.1, status: .notApplicable, decisive: false, value: nil,
          detail: "needs log_t, rho, margin, log_loss and an exp-type loss"),
      ]
    }
    let rows = regime.filter { logT[$0] > 1 && margin[$0] > 0 }
    func ratioA(_ i: Int) -> Double { rho[i] * margin[i] / logT[i] }
    func ratioB(_ i: Int) -> Double {
      Foundation.exp(
        logT[i] + (2 - 2 / k) * Foundation.log(logT[i]) + logLoss[i] + Foundation.log(k)
          + (2 / k) * Foundation.log(margin[i]))
    }
    return [(names.0, "P4a", ratioA), (names.1, "P4b", ratioB)].map { name, id, ratio in
      guard let first = rows.first, let last = rows.last, first != last else {
        return PredictionTest(
          id: id, name: name, status: .notApplicable, decisive: false, value: nil,
          detail: "needs two saved times with t > e, L < 1 and a positive margin")
      }
      let start = ratio(first)
      let end = ratio(last)
      return PredictionTest(
        id: id, name: name, status: abs(end - 1) < abs(start - 1) || abs(end - 1) <= 1e-6 ? .pass : .fail,
        decisive: false, value: end,
        detail:
          "ratio went from \(String(format: "%.4g", start)) to \(String(format: "%.4g", end)) (corrections are O(log log t / log t))"
      )
    }
  }

  private static func balance(table: TrajectoryTable) -> PredictionTest {
    let name = "balance rho_k^2 - rho_1^2 conserved"
    let drifts = table.columns.filter { $0.hasPrefix("balance_drift_") }.compactMap { table.column($0) }
    let norms = table.columns.filter { $0.hasPrefix("rho_") && Int($0.dropFirst(4)) != nil }.compactMap {
      table.column($0)
    }
    guard !drifts.isEmpty, !norms.isEmpty, !table.rows.isEmpty else {
      return PredictionTest(
        id: "P5", name: name, status: .notApplicable, decisive: true, value: nil,
        detail: "no balance_drift columns (K = 1 or another dynamics)")
    }
    var worst = 0.0
    for row in 0..<table.rows.count {
      let scale = norms.map { $0[row] * $0[row] }.max() ?? 1
      for drift in drifts where drift[row].isFinite && scale > 0 {
        worst = max(worst, abs(drift[row]) / scale)
      }
    }
    return PredictionTest(
      id: "P5", name: name, status: worst <= 1e-4 ? .pass : .fail, decisive: true, value: worst,
      detail: "largest drift relative to max_k rho_k^2: \(shortNumber(worst)) (allowed 1e-4)")
  }
}
