/// Why a run ended. Every case's ``description`` says where it happened and what to change.
public enum Termination: Sendable, Equatable, CustomStringConvertible {
  /// The end time was reached.
  case reachedEnd(t: Double)
  /// A stop condition of kind ``StopCondition/Kind/stationary`` held: the state reached an equilibrium
  /// of the flow (for a gradient flow, a minimizer whose gradient is at round-off).
  case reachedMinimizer(t: Double)
  /// A ``StopCondition`` became true; `t` is the located crossing time.
  case stopCondition(name: String, t: Double)
  /// The accepted-step limit was hit.
  case maxSteps(limit: Int, t: Double, stepSize: Double)
  /// The wall-clock limit was hit.
  case wallClock(limitSeconds: Double, t: Double)
  /// The step size fell below the minimum step, or the tolerance could not be met at any step size.
  case stepTooSmall(t: Double, stepSize: Double, minimum: Double)
  /// The state or the right-hand side stopped being finite.
  case nonFinite(t: Double)
  /// The right-hand side (or Jacobian, or a stop condition) threw, or GSL reported an error.
  case rhsFailed(t: Double, message: String)
  /// A save observer threw (for example a write error); the run stopped to keep its output valid.
  case saveFailed(t: Double, message: String)
  /// SIGINT, SIGTERM or SIGHUP (or ``Interruption/request(signal:)``).
  case interrupted(t: Double)

  /// The time at which the run ended.
  public var t: Double {
    switch self {
    case .reachedEnd(let t), .reachedMinimizer(let t), .stopCondition(_, let t), .maxSteps(_, let t, _),
      .wallClock(_, let t),
      .stepTooSmall(let t, _, _), .nonFinite(let t), .rhsFailed(let t, _), .saveFailed(let t, _),
      .interrupted(let t):
      t
    }
  }

  /// Which case this is, without its values; its raw value (`reachedEnd`, `stopCondition`, …) is how run
  /// files name the end of a solve.
  public enum Kind: String, Sendable, Codable, CaseIterable {
    case reachedEnd, reachedMinimizer, stopCondition, maxSteps, wallClock, stepTooSmall, nonFinite, rhsFailed,
      saveFailed, interrupted
  }

  /// The case without its values.
  public var kind: Kind {
    switch self {
    case .reachedEnd: .reachedEnd
    case .reachedMinimizer: .reachedMinimizer
    case .stopCondition: .stopCondition
    case .maxSteps: .maxSteps
    case .wallClock: .wallClock
    case .stepTooSmall: .stepTooSmall
    case .nonFinite: .nonFinite
    case .rhsFailed: .rhsFailed
    case .saveFailed: .saveFailed
    case .interrupted: .interrupted
    }
  }

  /// Whether the run ended as asked (end time or a stop condition) rather than by a limit or failure.
  public var isSuccess: Bool {
    switch self {
    case .reachedEnd, .reachedMinimizer, .stopCondition: true
    default: false
    }
  }

  public var description: String { description(timeName: "t") }

  /// The description with the independent variable named `timeName` ("log t", "ρ", …) for solves
  /// whose time variable is not t: ``event(timeName:)`` and, when something can be changed, the
  /// ``remedies`` in ODE terms. A front end maps the remedies to its own options.
  public func description(timeName v: String) -> String {
    let what = event(timeName: v)
    return remedies.isEmpty ? what : what + ": " + remedies.map(\.description).joined(separator: ", or ")
  }

  /// Where and how the solve ended, without advice.
  public func event(timeName v: String) -> String {
    switch self {
    case .reachedEnd(let t):
      "reached the end \(v == "t" ? "time t" : v)=\(fmt(t))"
    case .reachedMinimizer(let t):
      "reached a minimizer at \(v)=\(fmt(t)): the gradient is at round-off relative to the loss, which no longer decreases"
    case .stopCondition(let name, let t):
      "stop condition '\(name)' met at \(v)=\(fmt(t))"
    case .maxSteps(let limit, let t, let h):
      "max steps \(limit) reached at \(v)=\(fmt(t)), h=\(fmt(h))"
    case .wallClock(let limit, let t):
      "wall-clock limit of \(fmt(limit)) s reached at \(v)=\(fmt(t))"
    case .stepTooSmall(let t, let h, let hmin):
      "step size fell to h=\(fmt(h)) at \(v)=\(fmt(t))"
        + (hmin > 0 ? " (below the minimum step \(fmt(hmin)))" : " without meeting the tolerance")
    case .nonFinite(let t):
      "the state or its derivative became non-finite (NaN or Inf) at \(v)=\(fmt(t))"
    case .rhsFailed(let t, let message):
      "the right-hand side failed at \(v)=\(fmt(t)): \(message)"
    case .saveFailed(let t, let message):
      "saving the state failed at \(v)=\(fmt(t)): \(message); the rows written before it are valid"
    case .interrupted(let t):
      "interrupted\(Interruption.signalName.map { " by \($0)" } ?? "") at \(v)=\(fmt(t)); everything saved up to then is on disk"
    }
  }

  /// What a user of the solver can change, in ODE terms (empty when nothing needs changing).
  public var remedies: [Remedy] {
    switch self {
    case .maxSteps: [.raiseStepLimit, .loosenTolerance]
    case .wallClock: [.raiseWallClockLimit, .shortenInterval]
    case .stepTooSmall(_, _, let hmin):
      hmin > 0 ? [.loosenTolerance, .lowerMinimumStep, .otherStepper] : [.loosenTolerance, .otherStepper]
    case .nonFinite: [.smallerInitialState]
    default: []
    }
  }

  /// One thing to change after a failed solve, named in the solver's own terms.
  public enum Remedy: Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case raiseStepLimit
    case loosenTolerance
    case raiseWallClockLimit
    case shortenInterval
    case lowerMinimumStep
    case otherStepper
    case smallerInitialState

    public var description: String {
      switch self {
      case .raiseStepLimit: "raise the accepted-step limit"
      case .loosenTolerance: "loosen the relative and absolute tolerances"
      case .raiseWallClockLimit: "raise the wall-clock limit"
      case .shortenInterval: "shorten the integration interval"
      case .lowerMinimumStep: "lower the minimum step size"
      case .otherStepper: "try another stepper"
      case .smallerInitialState: "check the initial state for huge values, or scale it down"
      }
    }
  }
}

/// Formats a number compactly with up to 9 significant digits.
func fmt(_ x: Double) -> String {
  if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
  var s = String(x)
  if s.count > 12, let value = Double(s) {
    s = String(format: "%.9g", value)
  }
  return s
}
