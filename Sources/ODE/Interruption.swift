import Foundation
import Synchronization

/// A process-wide "please stop" flag, set by SIGINT/SIGTERM once ``installSignalHandlers()`` ran.
///
/// Solvers poll it after every accepted step and end with ``Termination/interrupted(t:)``, so a
/// run that is interrupted still returns (and its caller still writes) everything computed so far.
public enum Interruption {
  private static let flag = Atomic<Bool>(false)

  /// Whether an interrupt was requested.
  public static var isRequested: Bool { flag.load(ordering: .relaxed) }

  /// Requests an interrupt (what the signal handler does).
  public static func request() { flag.store(true, ordering: .relaxed) }

  /// Clears a previous request.
  public static func reset() { flag.store(false, ordering: .relaxed) }

  /// Routes SIGINT and SIGTERM to the flag instead of killing the process, and unblocks them: a
  /// process inherits its parent's signal mask, and some parents (test runners, job managers) spawn
  /// children with these signals blocked, which would leave the handlers unreachable.
  public static func installSignalHandlers() {
    reset()  // initializes the flag before any handler can touch it
    signal(SIGINT) { _ in Interruption.request() }
    signal(SIGTERM) { _ in Interruption.request() }
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
  }
}
