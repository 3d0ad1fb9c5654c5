import Foundation
import Testing

/// OpenBLAS's kernel set (`BLASCore`; the rule itself: `BLASCoreTests`): chosen from the CPU when OpenBLAS falls back to its generic
/// kernels, never against the user's `OPENBLAS_CORETYPE`, and recorded in run.json.
@Suite struct BLASCoreCommandTests {
  static func blasCore(_ directory: URL) throws -> String? {
    let data = try Data(contentsOf: directory.appendingPathComponent("run.json"))
    let record = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    return record["blas_core"] as? String
  }

  static let run = ["simulate", "--generator", "xor", "--widths", "4", "--t-end", "1", "--quiet"]

  @Test func theGenericFallbackIsReplacedOnAVX2() throws {
    let dir = try temporaryDirectory()
    let result = try gradflow(Self.run + ["--out", dir.path], unsetting: ["OPENBLAS_CORETYPE"])
    #expect(result.status == 0, "\(result.stderr)")
    let core = try #require(try Self.blasCore(dir))
    // On a CPU with AVX2 and FMA, whatever OpenBLAS detects (its own choice, or our SkylakeX/Haswell
    // where it fell back), the generic SSE3 kernels are not the ones in use.
    let flags = Set(
      ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").split(separator: "\n")
        .first { $0.hasPrefix("flags") }.map { $0.split(separator: " ").map(String.init) } ?? [])
    if flags.isSuperset(of: ["avx2", "fma"]) {
      #expect(core.lowercased() != "prescott", "OpenBLAS kept its generic kernels on an AVX2 CPU")
    }
    #expect(!core.isEmpty && core != "unknown")
  }

  @Test func theUsersChoiceIsKept() throws {
    let dir = try temporaryDirectory()
    let result = try gradflow(Self.run + ["--out", dir.path], environment: ["OPENBLAS_CORETYPE": "Prescott"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try Self.blasCore(dir) == "Prescott")
  }
}
