import Foundation

/// A one-line progress display on stderr (only when stderr is a terminal): t reached and the
/// fraction of the run done in log t, which is how the cost of a gradient flow is spread.
final class ProgressDisplay: @unchecked Sendable {
  private let enabled: Bool
  private let tEnd: Double
  private let start = ContinuousClock.now
  private var shown = false

  init(enabled: Bool, tEnd: Double) {
    self.enabled = enabled
    self.tEnd = tEnd
  }

  func update(t: Double) {
    guard enabled else { return }
    let lo = log(1e-3)
    let fraction = max(0, min(1, (log(max(t, 1e-3)) - lo) / (log(tEnd) - lo)))
    let elapsed = Double((ContinuousClock.now - start).components.seconds)
    let text = String(
      format: "\r  t = %-12.6g  %5.1f%% of log t   %.0f s elapsed ", t, 100 * fraction, elapsed)
    FileHandle.standardError.write(Data(text.utf8))
    shown = true
  }

  func finish() {
    if enabled, shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
  }
}
