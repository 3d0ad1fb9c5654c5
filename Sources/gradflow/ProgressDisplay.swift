import Foundation

/// A one-line progress display on stderr (only when stderr is a terminal): the time reached, the
/// accepted steps, and an ETA extrapolated in log t — the variable in which the cost of a gradient
/// flow is spread (from log t = −7 to the end).
final class ProgressDisplay: @unchecked Sendable {
  private let enabled: Bool
  private let logTEnd: Double
  private let start = ContinuousClock.now
  private var shown = false
  private static let logTStart = -7.0

  init(enabled: Bool, logTEnd: Double) {
    self.enabled = enabled
    self.logTEnd = logTEnd
  }

  func update(logT: Double, steps: Int) {
    guard enabled else { return }
    let span = logTEnd - Self.logTStart
    let fraction = max(0, min(1, (max(logT, Self.logTStart) - Self.logTStart) / span))
    let d = ContinuousClock.now - start
    let elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    let eta = fraction > 0.01 ? String(format: "ETA %.0f s", elapsed * (1 - fraction) / fraction) : "ETA ?"
    let time = logT < 700 ? String(format: "t = %-11.5g", exp(logT)) : String(format: "log t = %-9.5g", logT)
    let text = String(
      format: "\r  %@  %5.1f%% of log t  %d steps  %.0f s  %@   ", time, 100 * fraction, steps, elapsed, eta)
    FileHandle.standardError.write(Data(text.utf8))
    shown = true
  }

  func finish() {
    if enabled, shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
  }
}
