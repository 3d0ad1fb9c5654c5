import Foundation
import ODE
import Testing

/// ``ODEDomainError``: a trial stage outside the right-hand side's domain makes GSL retry the step with half
/// the size; any other thrown error ends the solve.
@Suite struct DomainErrorTests {
  struct OutsideDomain: ODEDomainError, CustomStringConvertible {
    var description: String { "y left y > 0" }
  }

  /// y' = −5y on y > 0 (exact: e^{−5t}); a state with y ≤ 0 throws `OutsideDomain`, or `SyntheticFailure`.
  final class PositiveDecay: ODESystem {
    let dimension = 1
    let domainError: Bool
    init(domainError: Bool) { self.domainError = domainError }
    func evaluate(t: Double, y: UnsafePointer<Double>, dydt: UnsafeMutablePointer<Double>) throws {
      guard y[0] > 0 else {
        if domainError { throw OutsideDomain() }
        throw SyntheticFailure(description: "y left y > 0")
      }
      dydt[0] = -5 * y[0]
    }
  }

  /// A first step of 1: rkf45's stages reach y = 1 − 5h·(…) < 0, outside the domain.
  func solve(domainError: Bool, stepper: Stepper, from y0: Double = 1, firstStep: Double = 1) throws -> ODESolution {
    var options = makeOptions(stepper)
    options.initialStep = firstStep
    return try ODESolver(system: PositiveDecay(domainError: domainError), options: options)
      .solve(from: 0, to: 2, initialState: [y0])
  }

  @Test(arguments: [Stepper.rkf45, .rk8pd, .msbdf])
  func aStageOutsideTheDomainIsRetriedWithASmallerStep(stepper: Stepper) throws {
    let solution = try solve(domainError: true, stepper: stepper)
    let inside = try solve(domainError: true, stepper: stepper, firstStep: 1e-6)
    #expect(solution.termination == .reachedEnd(t: 2), "\(solution.termination)")
    // As accurate as the same method from a first step inside the domain (measured: rkf45 6.6e-7 against
    // 6.2e-7, rk8pd 2.7e-8 against 2.7e-8, msbdf 2.01e-5 against 2.01e-5 relative at y = e^{-10}, where atol
    // dominates): twice that bounds it.
    let (retried, reference) = (
      relativeError(solution.finalState[0], exp(-10)), relativeError(inside.finalState[0], exp(-10))
    )
    #expect(retried <= 2 * reference, "\(retried) against \(reference) from a small first step")
  }

  @Test func anyOtherErrorEndsTheSolve() throws {
    let solution = try solve(domainError: false, stepper: .rkf45)
    #expect(solution.termination == .rhsFailed(t: 0, message: "y left y > 0"))
  }

  @Test func aSolveStartingOutsideTheDomainEndsWithTheErrorsMessage() throws {
    let solution = try solve(domainError: true, stepper: .rkf45, from: -1)
    guard case .rhsFailed(let t, let message) = solution.termination else {
      Issue.record("expected rhsFailed, got \(solution.termination)")
      return
    }
    #expect(t == 0 && message == "y left y > 0")
  }
}
