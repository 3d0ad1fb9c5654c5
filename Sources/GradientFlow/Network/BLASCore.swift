import CGSL
import Foundation

/// Which of OpenBLAS's kernel sets the process computes with, and the one gradflow asks for when
/// OpenBLAS cannot name the CPU.
///
/// A `DYNAMIC_ARCH` OpenBLAS (Debian's) picks its kernels in its library constructor, from the CPU's
/// family and model. A CPU newer than the library is not in its table and gets the generic x86-64
/// kernels, `Prescott` (SSE3, two doubles per instruction), whatever the CPU's vector units: Debian 12's
/// OpenBLAS 0.3.21 on a 2026 Xeon with AVX-512 ran L's right-hand side (2,000 × 51 → 512 → 1) at
/// 8.3 GFLOP/s with them against 29.5 with its `SkylakeX` kernels (`gradflow-bench --data L_s0/data.csv
/// --init L_s0/weights.json --calls 20 --repeats 2`, with and without `OPENBLAS_CORETYPE=SkylakeX`).
///
/// The kernels are fixed before any Swift code runs, and only the environment variable
/// `OPENBLAS_CORETYPE` overrides them, so ``startProcessWithFastKernels()`` starts the process again
/// with that variable set when OpenBLAS fell back to `Prescott` on a CPU with AVX2 or AVX-512. A value
/// the user set (even `Prescott`) is never overridden. The kernel set changes the summation order inside
/// a product, not a formula: results agree to rounding across kernel sets, which run.json records
/// (`blas_core`) so that a bit-for-bit replay can ask for the same one.
public enum BLASCore {
  /// The kernel set in use (`openblas_get_corename`).
  public static var current: String {
    guard let name = openblas_get_corename() else { return "unknown" }
    return String(cString: name)
  }

  /// OpenBLAS's kernel set for a CPU it does not know.
  static let genericFallback = "prescott"

  /// The kernel set to ask for instead of `current`, `nil` to keep it: `SkylakeX` on a CPU with the
  /// AVX-512 subsets its kernels use (F, CD, BW, DQ, VL), `Haswell` on one with AVX2 and FMA — only when
  /// OpenBLAS fell back to its generic kernels and the user has not chosen (`userChoice` nil).
  public static func preferred(current: String, cpuFlags: Set<String>, userChoice: String?) -> String? {
    guard userChoice == nil, current.lowercased() == genericFallback else { return nil }
    if cpuFlags.isSuperset(of: ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
    if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
    return nil
  }

  /// The CPU's feature flags (the first `flags` line of /proc/cpuinfo; empty where it cannot be read).
  static func cpuFlags() -> Set<String> {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
      let colon = line.firstIndex(of: ":")
    else { return [] }
    return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
  }

  /// Called first thing by a command: when ``preferred(current:cpuFlags:userChoice:)`` names a kernel
  /// set, sets `OPENBLAS_CORETYPE` to it and replaces the process by a fresh start of the same executable
  /// with the same arguments (nothing has been read or written yet). Returns when there is nothing to do,
  /// or when the new start fails (the process then goes on with the generic kernels).
  public static func startProcessWithFastKernels() {
    let userChoice = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
    guard let core = preferred(current: current, cpuFlags: cpuFlags(), userChoice: userChoice) else { return }
    setenv("OPENBLAS_CORETYPE", core, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    unsetenv("OPENBLAS_CORETYPE")
  }
}
