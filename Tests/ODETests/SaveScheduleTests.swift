import Foundation
import Numerics
import ODE
import Testing

@Suite("Save schedule")
struct SaveScheduleTests {
  /// Save times that are not "nice" binary fractions, unsorted, with a duplicate.
  static let requested = [0.7, 0.1, 1.0 / 3.0, 0.2, 0.3, 0.1, 2.0 / 3.0 + 1e-9]

  @Test("saved times are exactly the requested times, plus t0 and t1", arguments: Stepper.allCases)
  func exactTimes(stepper: Stepper) throws {
    let options = makeOptions(stepper, rtol: 1e-8, atol: 1e-10, save: .at(Self.requested))
    var stepTimes: [Double] = []
    let solution = try ODESolver(system: Problems.decay(), options: options)
      .solve(from: 0, to: 1, initialState: [1], onStep: { t, _ in stepTimes.append(t) })

    let expected = [0] + Array(Set(Self.requested)).sorted() + [1]
    // Bitwise equality: the solver lands on each save time, it does not interpolate.
    #expect(solution.times == expected)
    #expect(solution.states.count == expected.count)
    // Every save time is the end of an accepted step.
    #expect(Set(expected.dropFirst()).isSubset(of: Set(stepTimes)))
    for (t, y) in zip(solution.times, solution.states) {
      // Damped problem: relative error ≤ 2·N·rtol (as in SteppersTests; atol/y ≤ 3e-10 adds ~3 %).
      let budget = 2 * Double(solution.statistics.stepsAccepted) * (1e-8 + 3e-10)
      #expect(relativeError(y[0], exp(-t)) <= budget)
    }
    #expect(solution.states.first == [1])
    #expect(solution.states.last == solution.finalState)
  }

  @Test("SaveSchedule sorts its times")
  func sorted() {
    let schedule = SaveSchedule.at(Self.requested)
    #expect(schedule.times == Self.requested.sorted())
    #expect(schedule.includeInitial && schedule.includeFinal && schedule.everyKthStep == nil)
  }

  @Test(
    "includeInitial and includeFinal",
    arguments: [false, true], [false, true])
  func endpoints(includeInitial: Bool, includeFinal: Bool) throws {
    let schedule = SaveSchedule(
      times: [0.25, 0.5], includeInitial: includeInitial, includeFinal: includeFinal)
    let options = makeOptions(save: schedule)
    var observed: [Double] = []
    let solution = try ODESolver(system: Problems.decay(), options: options)
      .solve(from: 0, to: 1, initialState: [1], onSave: { t, _ in observed.append(t) })

    var expected: [Double] = []
    if includeInitial { expected.append(0) }
    expected += [0.25, 0.5]
    if includeFinal { expected.append(1) }
    #expect(solution.times == expected)
    #expect(observed == expected)
    #expect(solution.finalTime == 1)
  }

  @Test("a save time equal to t1 is saved once")
  func saveTimeAtEnd() throws {
    let options = makeOptions(save: .at([0.5, 1]))
    let solution = try ODESolver(system: Problems.decay(), options: options)
      .solve(from: 0, to: 1, initialState: [1])
    #expect(solution.times == [0, 0.5, 1])
  }

  @Test("times outside (t0, t1] are ignored")
  func outsideInterval() throws {
    let options = makeOptions(save: .at([-1, 2, 2.5, 3.25, 4, 5, 1e9]))
    let solution = try ODESolver(system: Problems.decay(), options: options)
      .solve(from: 2, to: 4, initialState: [1])
    // -1 and 2 (= t0) are not in (t0, t1]; 5 and 1e9 are past t1; 4 = t1 is saved once.
    #expect(solution.times == [2, 2.5, 3.25, 4])
    #expect(solution.termination == .reachedEnd(t: 4))
  }

  @Test("everyStep(k) saves every k-th accepted step", arguments: [1, 2, 3, 7])
  func everyKthStep(k: Int) throws {
    let schedule = SaveSchedule(everyKthStep: k, includeInitial: false, includeFinal: false)
    var stepTimes: [Double] = []
    let solution = try ODESolver(
      system: Problems.oscillator(), options: makeOptions(save: schedule)
    )
    .solve(from: 0, to: 10, initialState: [1, 0], onStep: { t, _ in stepTimes.append(t) })

    let steps = solution.statistics.stepsAccepted
    #expect(stepTimes.count == steps)
    #expect(solution.times.count == steps / k)
    let expected = stride(from: k - 1, to: steps, by: k).map { stepTimes[$0] }
    #expect(solution.times == expected)
  }

  @Test("everyStep(k) with the endpoints saves t0, every k-th step and t1 without duplicates")
  func everyKthStepWithEndpoints() throws {
    let k = 4
    var stepTimes: [Double] = []
    let solution = try ODESolver(
      system: Problems.oscillator(), options: makeOptions(save: .everyStep(k))
    )
    .solve(from: 0, to: 10, initialState: [1, 0], onStep: { t, _ in stepTimes.append(t) })

    let steps = solution.statistics.stepsAccepted
    var expected = [0] + stride(from: k - 1, to: steps, by: k).map { stepTimes[$0] }
    if expected.last != 10 { expected.append(10) }
    #expect(solution.times == expected)
    #expect(Set(solution.times).count == solution.times.count)
  }

  @Test("explicit times and every-k-th-step saves combine without duplicates")
  func combined() throws {
    let schedule = SaveSchedule(times: [0.5, 1.5], everyKthStep: 5)
    var stepTimes: [Double] = []
    let solution = try ODESolver(system: Problems.decay(), options: makeOptions(save: schedule))
      .solve(from: 0, to: 2, initialState: [1], onStep: { t, _ in stepTimes.append(t) })

    #expect(solution.times == solution.times.sorted())
    #expect(Set(solution.times).count == solution.times.count)
    #expect(Set([0, 0.5, 1.5, 2]).isSubset(of: Set(solution.times)))
    for i in stride(from: 4, to: stepTimes.count, by: 5) {
      #expect(solution.times.contains(stepTimes[i]))
    }
  }

  @Test("logSpacedTimes: exact endpoints, strictly increasing, geometric")
  func logSpaced() {
    let cases: [(count: Int, first: Double, last: Double)] = [
      (2, 0.1, 10), (5, 1e-3, 1e3), (50, 0.3, 7.7), (1000, 1e-9, 123.456), (7, 5, 0.5),
    ]
    for (count, first, last) in cases {
      let times = SaveSchedule.logSpacedTimes(count: count, from: first, to: last)
      #expect(times.count == count)
      #expect(times.first == first)
      #expect(times.last == last)
      let ratio = pow(last / first, 1 / Double(count - 1))
      for (a, b) in zip(times, times.dropFirst()) {
        if last > first { #expect(a < b) } else { #expect(a > b) }
        // Each value is exp of an affine function of i, a few ulps of exp/log rounding at most.
        #expect((b / a).isApproximatelyEqual(to: ratio, relativeTolerance: 1e-12))
      }
    }
    #expect(SaveSchedule.logSpacedTimes(count: 1, from: 0.1, to: 10) == [10])
    #expect(SaveSchedule.logSpacedTimes(count: 0, from: 0.1, to: 10).isEmpty)
    #expect(SaveSchedule.logSpacedTimes(count: 5, from: 0, to: 10).isEmpty)
    #expect(SaveSchedule.logSpacedTimes(count: 5, from: 1, to: -10).isEmpty)
  }

  @Test("a logSpaced schedule is saved exactly")
  func logSpacedSolve() throws {
    let times = SaveSchedule.logSpacedTimes(count: 30, from: 1e-4, to: 20)
    let options = makeOptions(save: .logSpaced(count: 30, from: 1e-4, to: 20))
    let solution = try ODESolver(system: Problems.decay(), options: options)
      .solve(from: 0, to: 20, initialState: [1])
    #expect(solution.times == [0] + times)
  }

  @Test("recordStates = false keeps nothing but still calls onSave with the same data")
  func notRecorded() throws {
    var recording = makeOptions(save: .at([0.25, 0.5, 0.75]))
    var notRecording = recording
    notRecording.recordStates = false
    recording.recordStates = true

    let reference = try ODESolver(system: Problems.decay(), options: recording)
      .solve(from: 0, to: 1, initialState: [1])
    var observedTimes: [Double] = []
    var observedStates: [[Double]] = []
    let solution = try ODESolver(system: Problems.decay(), options: notRecording)
      .solve(from: 0, to: 1, initialState: [1]) { t, y in
        observedTimes.append(t)
        observedStates.append(Array(y))
      }

    #expect(solution.times.isEmpty)
    #expect(solution.states.isEmpty)
    #expect(observedTimes == reference.times)
    #expect(observedStates == reference.states)
    #expect(solution.finalState == reference.finalState)
    #expect(solution.finalTime == 1)
  }

  @Test("a throwing save observer ends the run with saveFailed at that save")
  func saveFailure() throws {
    var calls = 0
    let solution = try ODESolver(
      system: Problems.decay(), options: makeOptions(save: .at([0.25, 0.5, 0.75]))
    ).solve(from: 0, to: 1, initialState: [1]) { t, _ in
      calls += 1
      if t == 0.5 { throw SyntheticFailure(description: "disk full") }
    }
    #expect(solution.termination == .saveFailed(t: 0.5, message: "disk full"))
    #expect(!solution.termination.isSuccess)
    #expect(solution.finalTime == 0.5)
    // The failed save is not retried as the final save.
    #expect(calls == 3)
    #expect(solution.times == [0, 0.25, 0.5])
  }

  @Test("invalid schedules are rejected before the run")
  func invalidSchedules() {
    for schedule in [
      SaveSchedule(times: [0.5, .nan]), SaveSchedule(times: [.infinity]),
      SaveSchedule(everyKthStep: 0),
    ] {
      let error = #expect(throws: ODEError.self) {
        try ODESolver(system: Problems.decay(), options: makeOptions(save: schedule))
          .solve(from: 0, to: 1, initialState: [1])
      }
      if case .invalidOptions? = error {
      } else {
        Issue.record("expected invalidOptions, got \(String(describing: error))")
      }
    }
  }
}
