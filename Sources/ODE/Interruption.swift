import Foundation
import Synchronization

/// A process-wide "please stop" flag, set by SIGINT, SIGTERM or SIGHUP once ``installSignalHandlers()``
/// ran, with the signal that set it.
///
/// Solvers poll it after every accepted step and end with ``Termination/interrupted(t:)``, so a
/// run that is interrupted still returns (and its caller still writes) everything computed so far.
public enum Interruption {
  private static let flag = Atomic<Bool>(false)
  private static let lastSignal = Atomic<Int32>(0)

  /// Whether an interrupt was requested.
  public static var isRequested: Bool { flag.load(ordering: .relaxed) }

  /// The signal that requested the interrupt (0 when none did, e.g. ``request()``).
  public static var signalNumber: Int32 { lastSignal.load(ordering: .relaxed) }

  /// "SIGINT", "SIGTERM", "SIGHUP", or nil when no signal requested the interrupt.
  public static var signalName: String? {
    switch signalNumber {
    case SIGINT: "SIGINT"
    case SIGTERM: "SIGTERM"
    case SIGHUP: "SIGHUP"
    case 0: nil
    default: "signal \(signalNumber)"
    }
  }

  /// Requests an interrupt (what the signal handler does, with its signal).
  public static func request(signal: Int32 = 0) {
    lastSignal.store(signal, ordering: .relaxed)
    flag.store(true, ordering: .relaxed)
  }

  /// Clears a previous request.
  public static func reset() {
    flag.store(false, ordering: .relaxed)
    lastSignal.store(0, ordering: .relaxed)
  }

  /// The signals that end a run: SIGINT, SIGTERM, and SIGHUP unless the process was started with
  /// SIGHUP ignored (`nohup`), which is respected.
  static var endingSignals: [Int32] {
    let previous = signal(SIGHUP, SIG_IGN)
    signal(SIGHUP, previous)
    let hupIgnored = unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    return hupIgnored ? [SIGINT, SIGTERM] : [SIGINT, SIGTERM, SIGHUP]
  }

  /// Routes the ending signals (``endingSignals``) to the flag instead of killing the process, and
  /// unblocks them: a process inherits its parent's signal mask and dispositions, and some parents
  /// (test runners, job managers, a shell's background jobs) start children with these signals blocked
  /// or ignored, which would leave the handlers unreachable.
  public static func installSignalHandlers() {
    reset()  // initializes the flag before any handler can touch it
    let signals = endingSignals
    for number in signals { signal(number) { Interruption.request(signal: $0) } }
    unblock(signals)
  }

  /// Gives the ending signals their default action (terminate) and unblocks them, for the phase
  /// before a run starts (reading and checking inputs): nothing is written yet, so a signal there ends
  /// the process at once — even one started with SIGINT ignored — instead of being lost.
  public static func terminateOnSignals() {
    let signals = endingSignals
    for number in signals { signal(number, SIG_DFL) }
    unblock(signals)
  }

  private static func unblock(_ numbers: [Int32]) {
    var set = sigset_t()
    sigemptyset(&set)
    for number in numbers { sigaddset(&set, number) }
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
  }
}
