import Foundation
import Numerics
import ODE
import Testing

@testable import GradientFlow

/// Trend tests, predictions and verdicts along trajectories (THEORY §5.5 item 8, §6).
@Suite struct CheckerTrajectoryTests {
  private let linear = try! Architecture(inputDimension: 2, hiddenWidths: [])

  private func point(
    _ theta: [Double], t: Double?, architecture: Architecture? = nil, inputs: [Double] = r1Inputs,
    labels: [Double] = r1Labels
  ) throws -> TrajectoryCheck.Point {
    TrajectoryCheck.Point(
      t: t,
      certificate: try KKTCertificate(
        architecture: architecture ?? linear, inputs: inputs, labels: labels, theta: theta))
  }

  /// The exact R1 flow w(t) from (0.3, −0.2) (THEORY R1).
  private func r1(_ t: Double) -> [Double] {
    [Foundation.log(t + Foundation.exp(0.3)), 0.5 * Foundation.log(4 * t + Foundation.exp(-0.4))]
  }

  @Test func trendClassification() {
    #expect(TrajectoryCheck.trend(scores: [0.5], tolerance: 1e-2) == .notApplicable)
    #expect(TrajectoryCheck.trend(scores: [0.5, 0.3, 0.2, 0.1, 0.05, 0.04], tolerance: 1e-2) == .down)
    #expect(TrajectoryCheck.trend(scores: [0.05, 0.1, 0.2, 0.3], tolerance: 1e-2) == .notDown)
    // A plateau is not a trend.
    #expect(TrajectoryCheck.trend(scores: [0.1, 0.1, 0.1, 0.1], tolerance: 1e-2) == .notDown)
    // Non-monotone but lower at the end: down.
    #expect(TrajectoryCheck.trend(scores: [0.3, 0.1, 0.2, 0.05, 0.08, 0.03], tolerance: 1e-2) == .down)
    // Rounding-level wiggles deep inside the tolerance count as converged.
    #expect(TrajectoryCheck.trend(scores: [1e-15, 3e-16, 2e-15], tolerance: 1e-2) == .down)
  }

  @Test func handMadeKKTPointsGetKKT() throws {
    let svm = TrajectoryCheck(points: [try point([1, 0.5], t: nil)], tolerance: 1e-2)
    #expect(svm.verdict == .kkt)
    let xor = TrajectoryCheck(
      points: [try point(xorOptimum(), t: nil, architecture: xorArchitecture(), inputs: xorInputs, labels: xorLabels)],
      tolerance: 1e-2)
    #expect(xor.verdict == .kkt)
    #expect(xor.verdict.exitCode == 0)
  }

  @Test func earlyStoppedR1RunIsConvergingNotKKT() throws {
    // The exact R1 flow saved at log-spaced times up to t = 100: δ_rel and the Λ-ratio lag like 1/log t.
    let times = (0...12).map { Foundation.pow(10, Double($0) / 6) }
    let predictions = TrajectoryPredictions.evaluate(
      table: r1Table(times: times), loss: .exponential, depth: 1, rtol: 1e-10)
    let check = TrajectoryCheck(
      points: try times.map { try point(r1($0), t: $0) }, predictions: predictions, tolerance: 1e-2)
    #expect(check.certificateTrend == .down)
    #expect(check.verdict == .converging)
    // One rule for one state: the last point alone, with the same trajectory, gets the same verdict.
    let single = TrajectoryCheck(points: [check.points.last!], predictions: predictions, tolerance: 1e-2)
    #expect(single.certificateTrend == .notApplicable)
    #expect(single.verdict == .converging)
    // Without a trajectory nothing shows the converging regime.
    #expect(TrajectoryCheck(points: [check.points.last!], tolerance: 1e-2).verdict == .notConverged)
    // A rising certificate does not change the verdict of the same last state either.
    let rising = TrajectoryCheck(
      points: [try point(r1(1e9), t: 1e-3), check.points.last!], predictions: predictions, tolerance: 1e-2)
    #expect(rising.certificateTrend == .notDown)
    #expect(rising.verdict == .converging)
  }

  /// A trajectory.csv of the exact R1 flow at `times` (the columns P1–P4 read).
  private func r1Table(times: [Double]) -> TrajectoryTable {
    let z: [[Double]] = [[1, 0], [0, 2]]
    let rows = times.map { t -> [Double] in
      let w = r1(t)
      let q = z.map { CheckerMath.dot($0, w) }
      let logLoss = Foundation.log(q.map { Foundation.exp(-$0) }.reduce(0, +))
      let rho = CheckerMath.norm(w)
      let force = (0..<2).map { i in (0..<2).reduce(0.0) { $0 + Foundation.exp(-q[$1]) * z[$1][i] } }
      let beta = CheckerMath.dot(w, force) / (rho * CheckerMath.norm(force))
      return [t, Foundation.log(t), Foundation.exp(logLoss), logLoss, rho, q.min()! / rho, -logLoss / rho, rho, beta]
    }
    return TrajectoryTable(
      columns: ["t", "log_t", "loss", "log_loss", "rho", "margin", "smoothed_margin", "rho_1", "alignment"], rows: rows)
  }

  @Test func r1ReachesKKTWithinTheToleranceAtLargeT() throws {
    // δ_rel ≈ 0.29/log t along R1 (measured: 0.0146 at log t = 20), so log t ≈ 40 is inside 1e-2.
    let logTimes = stride(from: 10.0, through: 60, by: 5)
    let check = TrajectoryCheck(
      points: try logTimes.map { try point(r1(Foundation.exp($0)), t: Foundation.exp($0)) }, tolerance: 1e-2)
    #expect(check.verdict == .kkt, "\(check.reasons)")
  }

  @Test func lastPointNotSeparatingIsNotSeparable() throws {
    let check = TrajectoryCheck(points: [try point(r1(100), t: 100), try point([-1, 0.2], t: 200)], tolerance: 1e-2)
    #expect(check.verdict == .notSeparable)
    #expect(check.verdict.exitCode == 5)
  }

  @Test func decisiveDiagnosticFailureBlocksKKT() throws {
    let failed = PredictionTest(
      id: "P1", name: "smoothed margin", status: .fail, decisive: true, value: 1, detail: "synthetic failure")
    let check = TrajectoryCheck(points: [try point([1, 0.5], t: 1e9)], predictions: [failed], tolerance: 1e-2)
    #expect(check.verdict == .notConverged)
    let informational = PredictionTest(
      id: "P3", name: "alignment", status: .fail, decisive: false, value: 1, detail: "synthetic failure")
    #expect(
      TrajectoryCheck(points: [try point([1, 0.5], t: 1e9)], predictions: [informational], tolerance: 1e-2).verdict
        == .kkt)
  }

  // The three-layer XOR point that used to be kink-ambiguous is decided in CheckerDeepTests.

  @Test func predictionsOnTheExactR1Trajectory() throws {
    // A trajectory.csv built from the exact R1 solution: P1 holds, P3/P4 trend to their limits.
    let z: [[Double]] = [[1, 0], [0, 2]]
    var rows: [[Double]] = []
    for i in 0...40 {
      let t = Foundation.pow(10, -1 + Double(i) / 4)
      let w = r1(t)
      let q = z.map { CheckerMath.dot($0, w) }
      let logLoss = Foundation.log(q.map { Foundation.exp(-$0) }.reduce(0, +))
      let rho = CheckerMath.norm(w)
      // −∇L = Σ e^{−q_n} z_n; β = cos∠(w, −∇L).
      let force = (0..<2).map { i in (0..<2).reduce(0.0) { $0 + Foundation.exp(-q[$1]) * z[$1][i] } }
      let beta = CheckerMath.dot(w, force) / (rho * CheckerMath.norm(force))
      rows.append([
        t, Foundation.log(t), Foundation.exp(logLoss), logLoss, rho, q.min()! / rho, -logLoss / rho, rho, beta,
      ])
    }
    let table = TrajectoryTable(
      columns: ["t", "log_t", "loss", "log_loss", "rho", "margin", "smoothed_margin", "rho_1", "alignment"], rows: rows)
    let tests = TrajectoryPredictions.evaluate(table: table, loss: .exponential, depth: 1, rtol: 1e-10)
    let byID = Dictionary(uniqueKeysWithValues: tests.map { ($0.id, $0) })
    #expect(byID["P1"]?.status == .pass)
    #expect(byID["P3"]?.status == .pass)
    #expect(byID["P4a"]?.status == .pass)
    #expect(byID["P4b"]?.status == .pass)
    // K = 1: t·L·γ̄² → 1 (THEORY §5.6: tL → ‖ŵ‖² = 1.25). At t = 1e9 the current γ̄ still lags γ by
    // 0.248/log t (1.2%), which the square doubles: within 3% of 1.
    #expect(abs((byID["P4b"]?.value ?? 0) - 1) <= 3e-2)
    #expect(byID["P5"]?.status == .notApplicable)

    // A smoothed margin that drops by 1% is caught.
    var broken = rows
    broken[30][6] *= 0.99
    let failing = TrajectoryPredictions.evaluate(
      table: TrajectoryTable(columns: table.columns, rows: broken), loss: .exponential, depth: 1, rtol: 1e-10)
    #expect(failing.first { $0.id == "P1" }?.status == .fail)
  }

  @Test func balanceDriftIsCaught() {
    let columns = [
      "t", "log_t", "loss", "log_loss", "rho", "margin", "smoothed_margin", "rho_1", "rho_2", "balance_drift_2",
    ]
    let good = TrajectoryTable(columns: columns, rows: [[1, 0, 0.5, -0.69, 1, 0.1, 0.1, 1, 1, 1e-10]])
    #expect(TrajectoryPredictions.evaluate(table: good, loss: .exponential, depth: 2, rtol: 1e-8).last?.status == .pass)
    let bad = TrajectoryTable(columns: columns, rows: [[1, 0, 0.5, -0.69, 1, 0.1, 0.1, 1, 1, 0.01]])
    #expect(TrajectoryPredictions.evaluate(table: bad, loss: .exponential, depth: 2, rtol: 1e-8).last?.status == .fail)
  }

  @Test func earlyStoppedReLURunOnXORIsNotKKT() throws {
    // A 2 → 8 → 1 ReLU flow on XOR stopped at t = 10 (loose tolerance: only the verdict matters here).
    let architecture = try xorArchitecture(width: 8)
    let theta0 = InitialWeights.gaussian(architecture: architecture, scale: 0.3, seed: 0)
    let solution = try integrateFlow(
      architecture: architecture, inputs: xorInputs, labels: xorLabels, theta0: theta0, tEnd: 10, saves: 12,
      rtol: 1e-5, atol: 1e-8)
    let points = try zip(solution.times, solution.states).map { t, theta in
      try point(theta, t: t, architecture: architecture, inputs: xorInputs, labels: xorLabels)
    }
    let check = TrajectoryCheck(points: points, tolerance: 1e-2)
    #expect(check.verdict == .converging || check.verdict == .notConverged, "\(check.verdict)")
    // The Clarke-aware fit improves on backprop at the last point (THEORY T8).
    let last = try #require(points.last?.certificate)
    #expect(last.score < (last.plainFit?.score ?? 0))
  }
}
