import Foundation
import ODE
import Testing

/// `Interruption` is one process-wide flag that every running solve polls after each step, so while a
/// test holds it set, any other solve in the process (parallel suites, other test targets) stops too —
/// in the first version of these tests, a solve of `ParallelTests` was interrupted. The interruption
/// tests therefore run in a child process of the test binary, alone, and this suite only checks that
/// the child ran them and they passed.
@Suite("Interruption")
struct InterruptionTests {
  static let childVariable = "ODETESTS_INTERRUPTION_CHILD"

  @Test("interruption tests pass in a child process", .timeLimit(.minutes(1)))
  func inChildProcess() throws {
    let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = [
      "--testing-library", "swift-testing", "--filter", "InterruptionChildTests",
    ]
    process.environment = ProcessInfo.processInfo.environment.merging([Self.childVariable: "1"]) {
      $1
    }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let log = String(decoding: data, as: UTF8.self)

    #expect(process.terminationStatus == 0, "child output:\n\(log)")
    // The filter matched and the tests really ran (a run of zero tests also exits with 0).
    let passed = log.split(separator: "\n").filter {
      $0.contains("Test \"") && $0.contains("passed")
    }
    #expect(passed.count == InterruptionChildTests.testCount, "child output:\n\(log)")
  }
}

/// The interruption tests proper; they run only in the child process started by ``InterruptionTests``.
@Suite(
  "Interruption (child process)", .serialized,
  .enabled(if: ProcessInfo.processInfo.environment[InterruptionTests.childVariable] == "1"))
struct InterruptionChildTests {
  static let testCount = 3

  @Test("a request during the run ends it with interrupted after the current step")
  func duringRun() throws {
    defer { Interruption.reset() }
    var steps = 0
    let solution = try ODESolver(system: Problems.decay(), options: makeOptions())
      .solve(
        from: 0, to: 10, initialState: [1],
        onStep: { _, _ in
          steps += 1
          if steps == 3 { Interruption.request() }
        })
    Interruption.reset()

    guard case .interrupted(let t) = solution.termination else {
      Issue.record("expected interrupted, got \(solution.termination)")
      return
    }
    #expect(steps == 3)
    #expect(solution.statistics.stepsAccepted == 3)
    #expect(t > 0 && t < 10)
    #expect(solution.finalTime == t)
    #expect(solution.times == [0, t])  // the final state is still saved
    #expect(!solution.termination.isSuccess)
    #expect(solution.termination.description.contains("interrupted"))
  }

  @Test("a request made before solve ends the run at t0 without a step")
  func beforeSolve() throws {
    defer { Interruption.reset() }
    Interruption.request()
    var steps = 0
    let solution = try ODESolver(system: Problems.decay(), options: makeOptions())
      .solve(from: 2, to: 10, initialState: [1], onStep: { _, _ in steps += 1 })
    Interruption.reset()

    #expect(solution.termination == .interrupted(t: 2))
    #expect(steps == 0)
    #expect(solution.finalState == [1])
    #expect(solution.times == [2])
  }

  @Test("request, isRequested and reset")
  func flag() {
    defer { Interruption.reset() }
    #expect(!Interruption.isRequested)
    Interruption.request()
    #expect(Interruption.isRequested)
    Interruption.reset()
    #expect(!Interruption.isRequested)
  }
}
