import Foundation
import ODE
import Testing

@testable import GradientFlow

/// The crossing-corrected steps' correction weight (config key `correction_weight`, `--correction-weight`,
/// ``CrossingCorrectedStepper/correctionWeight``): a config without the key runs with the weight every earlier
/// run used (0.3), a recorded weight reaches the stepper, and a smaller weight takes longer steps across
/// crossings at an accuracy that stays within a small factor of the default's against an independent reference.
@Suite struct CorrectionWeightTests {
  @Test func absentKeyIsTheLegacyWeightAndARecordedOneIsKept() throws {
    let old = try RunConfig.decode(Data(#"{"config": {"t_end": 5}}"#.utf8), source: "run.json")
    #expect(old.correctionWeight == nil)
    #expect(
      KinkOptions(sliding: .corrected, band: nil, rtol: 1e-8, correctionWeight: old.correctionWeight)
        .correctionWeight == 0.3)
    // A default config records no key, so its run.json replays with the same 0.3.
    let fresh = try #require(
      try JSONSerialization.jsonObject(with: JSONEncoder().encode(RunConfig())) as? [String: Any])
    #expect(fresh["correction_weight"] == nil)
    let recorded = try RunConfig.decode(Data(#"{"config": {"correction_weight": 0.1}}"#.utf8), source: "run.json")
    #expect(recorded.correctionWeight == 0.1)
    let error = #expect(throws: (any Error).self) {
      try RunConfig.decode(Data(#"{"correction_weight": "small"}"#.utf8), source: "test")
    }
    #expect(String(describing: try #require(error)).contains("correction_weight"))
  }

  @Test func smallerWeightTakesFewerEvaluationsWithinTheDefaultsBound() throws {
    // The two-hidden-layer random net of ``CrossingCorrectionTests`` (many crossings, some sliding) against
    // the deep Filippov flow at rtol 1e-10, an independent method.
    let (architecture, inputs, labels, theta0) = try CrossingCorrectionTests.blobs(widths: [8, 8])
    let tEnd = 3.0
    let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
    var options = SolverOptions()
    options.tolerances = Tolerances(relative: 1e-10, absolute: 1e-12, errorNorm: .rms)
    options.maxSteps = 2_000_000
    let reference = try ODESolver(
      system: FlowSystem(dynamics: DeepFilippovFlow(network: network, inputs: inputs, loss: .exponential)),
      options: options
    ).solve(from: 0, to: tEnd, initialState: theta0)
    func run(_ weight: Double) throws -> (ODESolution, CrossingCorrectedStepper) {
      try CrossingCorrectionTests.solve(
        architecture: architecture, inputs: inputs, labels: labels, theta0: theta0, tEnd: tEnd, rtol: 1e-8,
        weight: weight)
    }
    let (standard, standardStepper) = try run(CrossingCorrectedStepper.defaultCorrectionWeight)
    let (light, lightStepper) = try run(0.1)
    #expect(reference.termination.isSuccess && standard.termination.isSuccess && light.termination.isSuccess)
    let scale = reference.finalState.reduce(0) { max($0, abs($1)) }
    func error(_ s: ODESolution) -> Double {
      zip(s.finalState, reference.finalState).reduce(0) { max($0, abs($1.0 - $1.1)) } / scale
    }
    // The weight reaches the stepper and changes the steps.
    #expect(lightStepper.correctionWeight == 0.1 && standardStepper.correctionWeight == 0.3)
    #expect(light.finalState != standard.finalState)
    #expect(light.statistics.rhsEvaluations < standard.statistics.rhsEvaluations)
    // 1e-5: the bound ``CrossingCorrectedStepper`` is held to on this net at rtol 1e-8 with the default weight
    // (``CrossingCorrectionTests``; measured 5.2e-6, the Filippov flow itself is 2.2e-6 off its converged
    // solution there). The smaller weight trades accuracy for steps: measured 9.3e-6 (1.8× the default's) at
    // 2,692 evaluations against 3,748, so it is held to 2.5× the default's error, not to the default's bound.
    #expect(error(standard) < 1e-5)
    #expect(error(light) < 2.5 * error(standard))
    #expect(Double(light.statistics.rhsEvaluations) < 0.8 * Double(standard.statistics.rhsEvaluations))
  }
}
