import Foundation
import ODE
import Testing

/// ``StiffnessVerdict`` on a stiff problem whose power-iteration estimates alternate from check to check.
@Suite("Stiffness verdict")
struct StiffnessVerdictTests {
  /// y' = J (y − c(t)) + c'(t), c(t) = (cos t, sin t), J = [[−α, −a], [b, −α]] with a·b = ω², α ≪ b ≪ a.
  ///
  /// With K = J + α I, K² = −ω² I, so e^{Jt} = e^{−αt} (cos ωt I + sin(ωt)/ω K) and
  /// y(t) = c(t) + e^{Jt} (y(0) − c(0)). The eigenvalues −α ± iω are a damped fast pair: once its transient has
  /// decayed (e^{−αt}: 1e-4 at t = 3), an explicit pair's steps are held by stability at h·ω of order one while
  /// c(t) would allow steps of order 0.1. J is far from normal: it maps e₁ to ≈ b e₂ and e₂ to ≈ −a e₁, so the
  /// power iteration's iterates swap between the two axes, and with its odd number of iterations per check
  /// consecutive checks report ≈ b and ≈ a in turn (h·ρ ≈ 0.1 and 10 at h·ω = 1). msbdf does not pay on this problem (it is handed back as costlier each time);
  /// what is tested is that the stiffness is seen.
  static let (alpha, a, b) = (3.0, 1e4, 100.0)
  static var omega: Double { (a * b).squareRoot() }
  static let initial = [1.5, 0.01]

  static func system(counter: Counter) -> ClosureSystem {
    ClosureSystem(dimension: 2) { t, y, dydt in
      counter.value += 1
      let (u, v) = (y[0] - cos(t), y[1] - sin(t))
      dydt[0] = -alpha * u - a * v - sin(t)
      dydt[1] = b * u - alpha * v + cos(t)
    }
  }

  static func exact(t: Double) -> [Double] {
    let (u, v) = (initial[0] - 1, initial[1])
    let (c, s) = (cos(omega * t), sin(omega * t) / omega)
    let decay = exp(-alpha * t)
    return [cos(t) + decay * (c * u - s * a * v), sin(t) + decay * (s * b * u + c * v)]
  }

  /// The rule for kinked right-hand sides (2,000 warm-up steps, 50 stiff verdicts in a row, back by cost) with
  /// the given verdict.
  func solve(_ verdict: StiffnessVerdict) throws -> ODESolution {
    var options = makeOptions(.auto, rtol: 1e-8, atol: 1e-10, save: .at([10, 20, 30]))
    options.switching = .kinked
    options.switching.verdict = verdict
    return try ODESolver(system: Self.system(counter: Counter()), options: options)
      .solve(from: 0, to: 30, initialState: Self.initial)
  }

  @Test("alternating estimates: `pair` switches to msbdf, `single` never does, and both follow the closed form")
  func pairSwitches() throws {
    let pair = try solve(.pair)
    let single = try solve(.single)
    #expect(pair.termination == .reachedEnd(t: 30) && single.termination == .reachedEnd(t: 30))
    // Each estimate alone is stiff at every other check only: 50 in a row never come.
    #expect(single.statistics.stepperSwitches.isEmpty, "\(single.statistics.stepperSwitches)")
    #expect(single.statistics.explicitStiffness > 5)
    // The larger of two consecutive estimates is stiff at every check once the transient is over.
    let first = try #require(pair.statistics.stepperSwitches.first)
    #expect(first.to == "msbdf" && first.time < 5, "\(first)")
    #expect(pair.statistics.implicitSteps > 0)
    for solution in [pair, single] {
      for (t, y) in zip(solution.times, solution.states) where t > 0 {
        let exact = Self.exact(t: t)
        // |y| = 1: rtol 1e-8 per step, and J amplifies an error in v into u by up to a/ω = 10 before it decays,
        // so the global error stays within a few tens of rtol; measured 1.2e-7 (pair, at t = 10, after msbdf's
        // pieces) and 4.1e-9 (single).
        #expect(abs(y[0] - exact[0]) <= 3e-7 && abs(y[1] - exact[1]) <= 3e-7, "t=\(t) y=\(y) exact=\(exact)")
      }
    }
  }
}
