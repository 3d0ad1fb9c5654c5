import ODE
import Testing

@Suite("Parallel solves")
struct ParallelTests {
  /// One independent solve: every call builds its own system and solver.
  struct Job: Sendable {
    let stepper: Stepper
    let problem: Problem
    let scale: Double

    enum Problem: Sendable { case decay, oscillator, robertson }

    func run() throws -> ODESolution {
      switch problem {
      case .decay:
        let options = makeOptions(stepper, rtol: 1e-9, save: .everyStep(5))
        return try ODESolver(system: Problems.decay(), options: options)
          .solve(from: 0, to: 5, initialState: [scale])
      case .oscillator:
        var options = makeOptions(
          stepper, rtol: 1e-9, save: .logSpaced(count: 25, from: 0.01, to: 10))
        options.stopConditions = [StopCondition(name: "y1 < -0.9") { _, y in -0.9 - y[0] }]
        return try ODESolver(system: Problems.oscillator(), options: options)
          .solve(from: 0, to: 10, initialState: [scale, 0])
      case .robertson:
        let options = makeOptions(stepper, rtol: 1e-7, atol: 1e-14, save: .everyStep(7))
        return try ODESolver(
          system: Problems.robertson(analyticJacobian: scale > 1), options: options
        )
        .solve(from: 0, to: 40, initialState: [1, 0, 0])
      }
    }
  }

  static let jobs: [Job] = [
    Job(stepper: .rkf45, problem: .decay, scale: 1),
    Job(stepper: .rk8pd, problem: .decay, scale: 3),
    Job(stepper: .rkck, problem: .oscillator, scale: 1),
    Job(stepper: .msadams, problem: .oscillator, scale: 2),
    Job(stepper: .rk4imp, problem: .oscillator, scale: 0.5),
    Job(stepper: .msbdf, problem: .robertson, scale: 1),
    Job(stepper: .bsimp, problem: .robertson, scale: 2),
    Job(stepper: .rk2imp, problem: .robertson, scale: 1),
  ]

  /// Everything that must be identical between two runs of the same job (wall time excluded).
  static func assertIdentical(_ a: ODESolution, _ b: ODESolution, _ label: String) {
    #expect(a.times == b.times, "\(label)")
    #expect(a.states == b.states, "\(label)")
    #expect(a.finalTime == b.finalTime, "\(label)")
    #expect(a.finalState == b.finalState, "\(label)")
    #expect(a.termination == b.termination, "\(label)")
    #expect(a.statistics.withoutTimes == b.statistics.withoutTimes, "\(label)")
  }

  @Test("concurrent solves are bitwise identical to serial ones")
  func concurrentEqualsSerial() async throws {
    let serial = try Self.jobs.map { try $0.run() }
    #expect(serial.allSatisfy { $0.termination.isSuccess })

    // Every job three times at once, so that identical problems also race each other.
    let copies = 3
    let parallel = try await withThrowingTaskGroup(of: (Int, ODESolution).self) { group in
      for copy in 0..<copies {
        for (index, job) in Self.jobs.enumerated() {
          group.addTask { (copy * Self.jobs.count + index, try job.run()) }
        }
      }
      var results = [ODESolution?](repeating: nil, count: copies * Self.jobs.count)
      for try await (slot, solution) in group { results[slot] = solution }
      return results
    }

    for (slot, solution) in parallel.enumerated() {
      let index = slot % Self.jobs.count
      let job = Self.jobs[index]
      guard let solution else {
        Issue.record("job \(slot) returned nothing")
        continue
      }
      Self.assertIdentical(
        solution, serial[index], "\(job.stepper) \(job.problem) copy \(slot / Self.jobs.count)")
    }
  }
}
