import Foundation
import ODE
import Testing

@testable import GradientFlow

/// `implicit_return` `cost` on the run where `verdicts` stalls: the conformance zoo's wine_raw_w16 (13 raw wine
/// features, 16 ReLU units) under `sliding_exit` `bound` with 64 saves. msbdf is handed back as costlier at
/// t = 4.7356 (7.4e5 evaluations per unit t against 5.9e5 measured before t = 0.94); the explicit steps then sit at
/// h ≈ 1.1e-6, and the checks' estimates alternate (h·ρ(J) = 19.8 and 0.026), so under `verdicts` 50 stiff
/// verdicts in a row never come and the run reaches the 10⁶-step limit at t ≈ 5.99 (release build: 8.4M
/// evaluations, 52 s; docs/stiff.md, "Returning to msbdf by cost").
@Suite struct ImplicitReturnTests {
  @Test func costReturnsToTheImplicitMethodAndFinishesAtTheZoosReference() throws {
    var config = RunConfig()
    config.data = repositoryPath("benchmarks/zoo/data/wine_raw.csv")
    config.initialWeights = repositoryPath("benchmarks/zoo/init/wine_raw_w16.json")
    config.widths = [16]
    config.tEnd = 100
    config.saves = 64
    config.slidingExit = .bound
    // Under `stiffness_verdict` `pair` (the default) the alternating estimates switch to msbdf at t = 0.92, and it
    // steps to the end without a hand-back; `single` keeps the run on the path with the stale hand-back.
    config.stiffnessVerdict = .single
    // 12 times the steps the run takes; `verdicts` stops here at t = 4.948.
    config.maxSteps = 200_000
    #expect(config.implicitReturn == .cost)
    let result = try runWithTemporaryOutputs(config)
    #expect(result.termination.isSuccess, "\(result.terminationMessage)")
    // The return 1,000 explicit steps after the hand-back (measured at t = 4.7385, 2.8e6 evaluations per unit t
    // against msbdf's 7.4e5); msbdf then stalls at once, and the last of its tries escalates to the exact engine
    // (`stiff_kinks` `escalate`), which steps to the end.
    let switches = result.statistics.stepperSwitches
    let returned = try #require(switches.first { $0.reason.hasPrefix("returned") }, "\(switches.map(\.reason))")
    #expect(returned.from == "corrected" && returned.to == "msbdf" && returned.time > 4.7)
    #expect(switches.last?.to == "exact-bsimp", "\(switches.map { ($0.time, $0.to) })")
    // The zoo's event-driven reference (benchmarks/zoo/references.json: SciPy's Radau between located events at
    // rtol 1e-12, self-checked to 1.6e-11): log L = −7.780942438702741, γ̄ = 0.6893845701212182. The zoo's
    // criteria are 1e-6 in log L and 1e-7 in γ̄.
    let logLoss = try #require(result.final["log_loss"])
    let margin = try #require(result.final["margin"])
    #expect(abs(logLoss - -7.780942438702741) < 1e-6, "\(logLoss)")
    #expect(abs(margin - 0.6893845701212182) < 1e-7, "\(margin)")
  }
}
