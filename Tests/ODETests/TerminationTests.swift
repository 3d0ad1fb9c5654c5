import CGSL
import ODE
import Testing

@Suite("Termination and runtime")
struct TerminationTests {
  static let all: [Termination] = [
    .reachedEnd(t: 1), .stopCondition(name: "separated", t: 2),
    .maxSteps(limit: 10, t: 3, stepSize: 0.5),
    .wallClock(limitSeconds: 60, t: 4), .stepTooSmall(t: 5, stepSize: 1e-20, minimum: 0),
    .nonFinite(t: 6), .rhsFailed(t: 7, message: "boom"), .saveFailed(t: 8, message: "disk full"),
    .interrupted(t: 9),
  ]

  @Test("t, reason and isSuccess of every case")
  func properties() {
    #expect(Self.all.map(\.t) == [1, 2, 3, 4, 5, 6, 7, 8, 9])
    #expect(
      Self.all.map(\.kind.rawValue) == [
        "reachedEnd", "stopCondition", "maxSteps", "wallClock", "stepTooSmall", "nonFinite",
        "rhsFailed",
        "saveFailed", "interrupted",
      ])
    #expect(
      Self.all.map(\.isSuccess) == [true, true, false, false, false, false, false, false, false])
  }

  @Test("descriptions say where the run ended and what to change")
  func descriptions() {
    #expect(Termination.reachedEnd(t: 10).description == "reached the end time t=10")
    #expect(
      Termination.stopCondition(name: "halved", t: 0.6931471805599453).description
        == "stop condition 'halved' met at t=0.693147181")
    #expect(
      Termination.maxSteps(limit: 10, t: 3, stepSize: 0.5).description
        == "max steps 10 reached at t=3, h=0.5: raise the accepted-step limit, or loosen the relative and absolute tolerances"
    )
    #expect(
      Termination.wallClock(limitSeconds: 60, t: 4).description.contains("raise the wall-clock limit"))
    let belowMinimum = Termination.stepTooSmall(t: 5, stepSize: 1e-9, minimum: 1e-6).description
    #expect(belowMinimum.contains("minimum step 1e-06"))
    let noMinimum = Termination.stepTooSmall(t: 5, stepSize: 1e-20, minimum: 0).description
    #expect(noMinimum.contains("without meeting the tolerance"))
    #expect(Termination.rhsFailed(t: 7, message: "boom").description.hasSuffix(": boom"))
    #expect(Termination.saveFailed(t: 8, message: "disk full").description.contains("disk full"))
    #expect(Termination.interrupted(t: 9).description.contains("interrupted at t=9"))
  }

  @Test("the ODE layer's messages name ODE concepts, never a command-line flag")
  func noFlagsInMessages() {
    let cases = Self.all + [Termination.stepTooSmall(t: 5, stepSize: 1e-9, minimum: 1e-6)]
    for termination in cases {
      #expect(!termination.description.contains("--"), "\(termination.description)")
    }
    for remedy in Termination.Remedy.allCases { #expect(!remedy.description.contains("--")) }
  }

  @Test("GSL runtime: version and error messages")
  func runtime() {
    GSLRuntime.disableAbortOnError()
    #expect(GSLRuntime.version.hasPrefix("2."), "GSL \(GSLRuntime.version)")
    #expect(!GSLRuntime.message(for: Int32(GSL_EBADFUNC)).isEmpty)
    #expect(ODEError.gsl(status: 5, message: "x").description == "GSL error 5: x")
    #expect(ODEError.invalidOptions("bad").description == "bad")
  }
}
