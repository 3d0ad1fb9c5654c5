import Foundation

/// When the solver hands the state to the caller.
///
/// Explicit times are hit exactly: the solver shortens the step that would pass a save time
/// (GSL's `evolve_apply` with the save time as its end point), so saved states are integrated
/// values, never interpolants. Memory stays flat on long runs when the caller consumes each
/// save (the `onSave` observer) instead of recording states.
public struct SaveSchedule: Sendable, Equatable {
  /// Save times strictly inside (t0, t1]; times outside the integration interval are ignored.
  public var times: [Double]
  /// Also save every k-th accepted step (`nil`: never).
  public var everyKthStep: Int?
  /// Save the initial state at t0.
  public var includeInitial: Bool
  /// Save the state where the run ends, whatever the reason (end reached, stop condition, limit, interrupt).
  public var includeFinal: Bool

  public init(
    times: [Double] = [], everyKthStep: Int? = nil, includeInitial: Bool = true,
    includeFinal: Bool = true
  ) {
    self.times = times.sorted()
    self.everyKthStep = everyKthStep
    self.includeInitial = includeInitial
    self.includeFinal = includeFinal
  }

  /// Only the initial and final states.
  public static let endpoints = SaveSchedule()

  /// Saves at the given times (plus the initial and final states).
  public static func at(_ times: [Double]) -> SaveSchedule { SaveSchedule(times: times) }

  /// Saves at every k-th accepted step (plus the initial and final states).
  public static func everyStep(_ k: Int = 1) -> SaveSchedule { SaveSchedule(everyKthStep: k) }

  /// `count` times log-spaced from `first` to `last` inclusive (both > 0), plus the initial and final states.
  public static func logSpaced(count: Int, from first: Double, to last: Double) -> SaveSchedule {
    SaveSchedule(times: logSpacedTimes(count: count, from: first, to: last))
  }

  /// `count` values first·(last/first)^(i/(count−1)), i = 0…count−1, with the endpoints exact.
  public static func logSpacedTimes(count: Int, from first: Double, to last: Double) -> [Double] {
    guard count > 0, first > 0, last > 0 else { return [] }
    if count == 1 { return [last] }
    let a = Foundation.log(first)
    let b = Foundation.log(last)
    return (0..<count).map { i in
      if i == 0 { return first }
      if i == count - 1 { return last }
      return exp(a + (b - a) * Double(i) / Double(count - 1))
    }
  }

  func validate() throws(ODEError) {
    guard times.allSatisfy(\.isFinite) else { throw .invalidOptions("save times must be finite") }
    if let k = everyKthStep, k < 1 {
      throw .invalidOptions("save every k-th step needs k ≥ 1 (got \(k))")
    }
  }
}
