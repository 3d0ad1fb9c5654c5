import GradientFlow
import Testing

/// ``BLASCore/preferred(current:cpuFlags:userChoice:)``: which kernel set to ask OpenBLAS for (the process
/// side, the fresh start and run.json's `blas_core`, is `BLASCoreCommandTests`).
@Suite struct BLASCoreTests {
  @Test func theChoiceRule() {
    let avx512: Set<String> = ["sse4_2", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
    #expect(BLASCore.preferred(current: "Prescott", cpuFlags: avx512, userChoice: nil) == "SkylakeX")
    #expect(
      BLASCore.preferred(current: "Prescott", cpuFlags: ["avx2", "fma", "avx512f"], userChoice: nil) == "Haswell")
    #expect(BLASCore.preferred(current: "Prescott", cpuFlags: ["sse3", "avx"], userChoice: nil) == nil)
    // A CPU OpenBLAS knows, or a user's choice, is left alone.
    #expect(BLASCore.preferred(current: "Zen", cpuFlags: avx512, userChoice: nil) == nil)
    #expect(BLASCore.preferred(current: "Prescott", cpuFlags: avx512, userChoice: "Prescott") == nil)
    #expect(BLASCore.preferred(current: "Prescott", cpuFlags: avx512, userChoice: "") == nil)
  }
}
