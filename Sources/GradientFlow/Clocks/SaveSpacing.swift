import Foundation
import ODE

/// How the `saves` save times are placed (run.json `save_spacing`).
///
/// - `clock` (the default): log-spaced in the clock's own variable from the first save. In the t clock
///   (and the ρ clock's t phase) that variable is t. In the log-t and auto clocks it is
///   u = t for t ≤ 1 and u = 1 + log t beyond — the log-t clock's s = log t, shifted to join t with
///   matching value and slope at t = 1 — so the saves are u_i = u_0 (u_end/u_0)^{i/(N−1)} from
///   u_0 = u(save_from) to u_end = u(t_end): a long log-t run keeps a share of its saves at every
///   decade of log t instead of a fixed step in log t. The last save is the end exactly.
/// - `log-t`: evenly spaced in log t from log(save_from) to log(t_end), the placement of runs written
///   before `save_spacing` was recorded (a run.json without the key replays with it, bit for bit).
public enum SaveSpacing: String, Codable, Sendable, CaseIterable {
  case clock
  case logT = "log-t"

  /// u(log t): log t ↦ t for t ≤ 1, 1 + log t beyond.
  static func u(logT: Double) -> Double { logT <= 0 ? Foundation.exp(logT) : 1 + logT }

  /// The inverse of ``u(logT:)``, as log t.
  static func logT(u: Double) -> Double { u <= 1 ? Foundation.log(u) : u - 1 }

  /// `count` save times as log t, log-spaced in u from log(first) to `logEnd`, the last one exactly
  /// `logEnd` (so the final state is never saved twice).
  static func clockLogTimes(count: Int, firstLogT: Double, logEnd: Double) -> [Double] {
    guard count > 0 else { return [] }
    if count == 1 { return [logEnd] }
    let a = u(logT: firstLogT)
    let b = u(logT: logEnd)
    guard a > 0, b > a else { return [logEnd] }
    return (0..<count).map { i in
      if i == 0 { return firstLogT }
      if i == count - 1 { return logEnd }
      return logT(u: a * Foundation.pow(b / a, Double(i) / Double(count - 1)))
    }
  }
}
