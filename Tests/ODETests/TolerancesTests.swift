import Foundation
import ODE
import Testing

@Suite("Tolerances and step-size bounds")
struct TolerancesTests {
  func oscillatorError(_ options: SolverOptions) throws -> (error: Double, steps: Int) {
    let solution = try ODESolver(system: Problems.oscillator(), options: options)
      .solve(from: 0, to: 10, initialState: [1, 0])
    let y = solution.finalState
    return (max(abs(y[0] - cos(10)), abs(y[1] + sin(10))), solution.statistics.stepsAccepted)
  }

  @Test(
    "tighter tolerances give smaller errors for more steps",
    arguments: [Stepper.rkf45, .rk8pd, .msbdf])
  func convergence(stepper: Stepper) throws {
    let runs = try [1e-5, 1e-8, 1e-11].map {
      try oscillatorError(makeOptions(stepper, rtol: $0, atol: $0 * 1e-2))
    }
    for (loose, tight) in zip(runs, runs.dropFirst()) {
      // Three orders of magnitude tighter: the error must drop by at least one.
      #expect(tight.error < loose.error / 10, "\(loose) → \(tight)")
      #expect(tight.steps > loose.steps)
    }
  }

  @Test("the scaled control with unit scales matches the standard control's accuracy")
  func scaledControl() throws {
    let standard = makeOptions(rtol: 1e-9, atol: 1e-11)
    var scaled = standard
    scaled.tolerances.absoluteScale = [1, 1]
    // Not bitwise: GSL's scaled control caps step growth at 4.9× where the standard one allows 5×.
    for options in [standard, scaled] {
      let solution = try ODESolver(system: Problems.oscillator(), options: options)
        .solve(from: 0, to: 10, initialState: [1, 0])
      let y = solution.finalState
      let error = max(abs(y[0] - cos(10)), abs(y[1] + sin(10)))
      // Rotation: each step adds at most ~(rtol + atol), budget 2·N·(rtol + atol) (see SteppersTests).
      #expect(error <= 2 * Double(solution.statistics.stepsAccepted) * (1e-9 + 1e-11))
    }
  }

  @Test("a component-wise absolute scale controls a tiny component")
  func scaledTinyComponent() throws {
    // Robertson's y2 ≈ 1e-5 with atol 1e-5: the standard control hardly controls y2; a scale of
    // 1e-6 on it (atol·s2 = 1e-11) makes its error count.
    let standard = makeOptions(.rk2imp, rtol: 1e-3, atol: 1e-5)
    var scaled = standard
    scaled.tolerances.absoluteScale = [1, 1e-6, 1]
    let plain = try ODESolver(system: Problems.robertson(analyticJacobian: true), options: standard)
      .solve(from: 0, to: 40, initialState: [1, 0, 0])
    let careful = try ODESolver(system: Problems.robertson(analyticJacobian: true), options: scaled)
      .solve(from: 0, to: 40, initialState: [1, 0, 0])
    let reference = Problems.robertsonAt40[1]
    let carefulError = relativeError(careful.finalState[1], reference)
    // Dissipative problem: once y2 is controlled, its error is a small multiple of rtol (≤ 10·rtol).
    #expect(carefulError <= 1e-2)
    #expect(carefulError < relativeError(plain.finalState[1], reference))
  }

  @Test("no step is longer than maxStep", arguments: [Stepper.rkf45, .rk8pd, .msadams, .bsimp])
  func maxStep(stepper: Stepper) throws {
    var options = makeOptions(stepper, rtol: 1e-6)
    options.maxStep = 0.01
    options.initialStep = 1  // larger than maxStep: clipped
    var times: [Double] = [0]
    let solution = try ODESolver(system: Problems.decay(), options: options)
      .solve(from: 0, to: 1, initialState: [1], onStep: { t, _ in times.append(t) })
    #expect(solution.termination == .reachedEnd(t: 1))
    let longest = zip(times, times.dropFirst()).map { $1 - $0 }.max() ?? 0
    // Rounding of t + h: one ulp of t ≤ 1.
    #expect(longest <= 0.01 + 2 * .ulpOfOne, "longest step \(longest)")
    // At rtol 1e-6 these methods would take far longer steps on y' = −y without the bound.
    #expect(times.count >= 100)
  }

  @Test("negative or non-finite tolerances are rejected")
  func invalid() {
    for tolerances in [
      Tolerances(relative: -1), Tolerances(absolute: .nan), Tolerances(relative: .infinity),
      Tolerances(dydtWeight: -1), Tolerances(absoluteScale: [.nan]),
      Tolerances(absoluteScale: [-1]),
    ] {
      var options = makeOptions()
      options.tolerances = tolerances
      #expect(throws: ODEError.self, "\(tolerances)") {
        try ODESolver(system: Problems.decay(), options: options).solve(
          from: 0, to: 1, initialState: [1])
      }
    }
  }
}
