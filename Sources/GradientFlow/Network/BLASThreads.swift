import CGSL
import Foundation

/// How many threads OpenBLAS splits a dense product among: one setting for the whole process, owned here
/// (nothing else calls `openblas_set_num_threads`).
///
/// OpenBLAS's pthreads build starts its thread pool in its library constructor, before any Swift code
/// runs: `OPENBLAS_NUM_THREADS` threads, or one per CPU when that variable is unset, whose workers spin for
/// a while and then sleep. No code in the process can size that pool before it starts, so a command calls
/// ``startProcess(threads:)`` first thing: with one thread it joins the workers (`blas_thread_shutdown_`),
/// so none remains to spin, whatever the environment says; with more, OpenBLAS starts the pool again at the
/// first product it splits. ``use(_:)`` then sets the count of each run.
///
/// The thread count changes no formula, only the summation order inside a product: OpenBLAS splits a
/// product among threads by blocks of the result, and each thread's blocking differs from one thread's,
/// so results agree to rounding (a few ulps of Σ|a_ik||b_kj| per entry), not bit for bit. Products below
/// OpenBLAS's thresholds (gemm with M·N·K ≤ 262,144, gemv with M·N < 9,216 in OpenBLAS 0.3) are never
/// split, and their results are identical for every count.
public enum BLASThreads {
  /// The largest count accepted (OpenBLAS clamps to its build's own maximum).
  public static let maximum = 256

  /// The number of threads OpenBLAS uses now.
  public static var current: Int { Int(openblas_get_num_threads()) }

  /// Sets the count at the start of a process (before any product): `threads` threads, and with one
  /// thread no OpenBLAS worker left running.
  public static func startProcess(threads: Int) {
    let count = clamped(threads)
    openblas_set_num_threads(Int32(count))
    if count == 1 { blas_thread_shutdown_() }
  }

  /// Sets the count a run asks for (a no-op when it is already in effect).
  public static func use(_ threads: Int) {
    let count = clamped(threads)
    if count != current { openblas_set_num_threads(Int32(count)) }
  }

  /// A message for an invalid count, `nil` when it is valid.
  public static func problem(with threads: Int) -> String? {
    (1...maximum).contains(threads)
      ? nil : "--threads must be between 1 and \(maximum) (got \(threads)); 1 is single-threaded BLAS"
  }

  private static func clamped(_ threads: Int) -> Int { min(max(threads, 1), maximum) }
}
