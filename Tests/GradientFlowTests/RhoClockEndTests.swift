import Foundation
import ODE
import Testing

@testable import GradientFlow

/// `rho_clock_end` (``RhoClockEnd``): the ρ clock ends exactly at the log-t end, with every stepper. The
/// reference is the same flow in the log-t clock, whose steps land on the end by construction; the data are
/// ``StiffDefaultsTests/data(margin:)`` (a linear model, hard-margin SVM e₁ with margin γ = 1e-2), where
/// `auto` switches to msbdf before the end.
@Suite struct RhoClockEndTests {
  func run(clock: Clock, stepper: Stepper, end: RhoClockEnd = .logTime, rtol: Double = 1e-8) throws -> RunResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-rho-end-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let (inputs, labels) = StiffDefaultsTests.data(margin: 1e-2)
    var csv = "x1,x2,x3,x4,x5,y\n"
    for n in 0..<labels.count {
      csv += (0..<5).map { String(inputs[n * 5 + $0]) }.joined(separator: ",") + ",\(labels[n] > 0 ? 1 : 0)\n"
    }
    try csv.write(toFile: dir + "/data.csv", atomically: true, encoding: .utf8)
    var config = RunConfig()
    config.data = dir + "/data.csv"
    config.widths = []
    config.clock = clock
    config.logTEnd = 1e8
    config.stepper = stepper
    config.rhoClockEnd = end
    config.rtol = rtol
    return try Run(setup: try RunSetup(config: config), outputDirectory: dir + "/out").run()
  }

  @Test(arguments: [Stepper.auto, .msbdf])
  func theRhoClockEndsAtTheLogTimeEnd(stepper: Stepper) throws {
    let rho = try run(clock: .rho, stepper: stepper)
    let reference = try run(clock: .logT, stepper: stepper)
    #expect(rho.termination.isSuccess, "\(rho.terminationMessage)")
    #expect(rho.finalLogT == 1e8, "ended at log t = \(rho.finalLogT)")
    #expect(rho.phases.map(\.clock) == [PhaseClock.t, .rho, .logT])
    // The direction w/‖w‖ of both runs, and its angle to the SVM direction e₁ (about 7.2e-3/log t, the
    // theory's 1/log t: StiffDefaultsTests); the margin itself equals γ to rounding this late.
    func direction(_ w: [Double]) -> [Double] {
      let norm = w.map { $0 * $0 }.reduce(0, +).squareRoot()
      return w.map { $0 / norm }
    }
    let (u, v) = (direction(rho.finalWeights), direction(reference.finalWeights))
    let apart = zip(u, v).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    let angle = ([1.0 - u[0]] + u.dropFirst()).map { $0 * $0 }.reduce(0, +).squareRoot()
    print(
      "rho-clock-end: \(stepper): directions \(apart) apart, angle to e₁ \(angle), RHS \(rho.statistics.rhsEvaluations)"
    )
    // Measured 1e-16 apart (rounding). 1e-3 of the angle (7e-14) leaves room for the two integrations' errors,
    // and a state at another log t fails it: the angle moves with its relative change of log t (2.9 % at the
    // 1.029e8 the bisection reached).
    #expect(apart < 1e-3 * angle, "directions \(apart) apart; angle to the SVM direction \(angle)")
  }

  /// Runs recorded before the key located the end by bisection in ρ, which msbdf's re-integrations cannot
  /// finish: such a run still ends where the bracket stood (1.029e8 on these data), as it did.
  @Test func bisectionIsKeptForOldRuns() throws {
    let old = try run(clock: .rho, stepper: .msbdf, end: .bisection)
    #expect(old.termination.isSuccess)
    #expect(old.phases.map(\.clock) == [PhaseClock.t, .rho])
    #expect(old.finalLogT > 1e8)
  }

  /// The hand-over from t to ρ on unscaled real data (examples/data/wine-class0-vs-1-raw.csv, 13 features from
  /// 0.1 to 1,680; `scripts/make-stiff-data.py`): the t phase ends with L just below 1 (1 − 4.3e-7) in msbdf,
  /// and the ρ phase's first explicit trial stages overshot to L ≥ 1, where dρ/dt ≤ 0: the run ended with
  /// "the ρ clock needs dρ/dt > 0". Such a stage is now retried with a smaller step (``ODEDomainError``), and
  /// the run ends where the log-t clock's does.
  @Test func theHandOverToRhoSurvivesAnOvershootingStage() throws {
    let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../examples/data/wine-class0-vs-1-raw.csv").standardized.path
    func run(_ clock: Clock) throws -> RunResult {
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-rho-wine-\(UUID().uuidString)").path
      var config = RunConfig()
      config.data = data
      config.widths = []
      config.clock = clock
      config.logTEnd = 1e4
      return try Run(setup: try RunSetup(config: config), outputDirectory: dir).run()
    }
    let rho = try run(.rho)
    let reference = try run(.logT)
    #expect(rho.termination.isSuccess, "\(rho.terminationMessage)")
    #expect(rho.phases.map(\.clock).contains(.rho))
    func direction(_ w: [Double]) -> [Double] {
      let norm = w.map { $0 * $0 }.reduce(0, +).squareRoot()
      return w.map { $0 / norm }
    }
    let apart = zip(direction(rho.finalWeights), direction(reference.finalWeights))
      .map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    // The direction's distance to the SVM's is 2.3e-5 at log t = 1e4 (0.235/log t, measured against an exact
    // SVM); the two clocks' runs of the same flow agree far inside it: 6.4e-11 measured, 1e-9 allows 15 times
    // that for the two rtol-1e-8 integrations' own errors.
    #expect(apart < 1e-9, "directions \(apart) apart")
  }
}
