import Foundation
import Testing

@testable import ODE

/// ``ImplicitReturn`` acts only after a hand-back by cost: a solve whose implicit method is never handed back runs
/// under `cost` exactly as under `verdicts` (the conformance-zoo run it changes is in GradientFlowTests'
/// ImplicitReturnTests).
@Suite struct ImplicitReturnODETests {
  @Test func withoutAHandBackCostIsVerdictsBitForBit() throws {
    func solve(_ implicitReturn: ImplicitReturn) throws -> ODESolution {
      var options = KinkedSwitchingTests.kinkedOptions()
      options.switching.implicitReturn = implicitReturn
      options.saveSchedule = .at([1, 5, 10])
      return try ODESolver(system: KinkedSwitchingTests.system(Counter()), options: options)
        .solve(from: 0, to: 10, initialState: [2])
    }
    let cost = try solve(.cost)
    let verdicts = try solve(.verdicts)
    // One switch to msbdf and none back (KinkedSwitchingTests), so no hand-back to undo.
    #expect(cost.statistics.stepperSwitches.map(\.to) == ["msbdf"])
    #expect(cost.states == verdicts.states)
    #expect(cost.statistics.rhsEvaluations == verdicts.statistics.rhsEvaluations)
    #expect(cost.statistics.stepsAccepted == verdicts.statistics.stepsAccepted)
  }
}
