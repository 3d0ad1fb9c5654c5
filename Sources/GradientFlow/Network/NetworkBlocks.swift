/// How ``NetworkEvaluator`` cuts the samples into blocks of rows for its dense products (config key
/// `network_blocks`).
///
/// With layer widths d_0 … d_K and `widest` = max_k d_k:
///
/// - `cache`: R = max(16, 2¹⁸ / (8 · widest)) rows, so that a block's H_k or D_k fills about a quarter
///   of a 1 MiB L2 cache. What runs recorded before the key existed used, so a run.json without it
///   replays bit for bit.
/// - `small-gemm` (the default): at most that, and at most the largest multiple of 8 with
///   R · d_{k−1} · d_k ≤ 10⁶ for every layer (at least 8 rows). 10⁶ = M·N·K is the bound below which
///   OpenBLAS (0.3.x, Skylake-X and later kernels) multiplies with its small-matrix kernels: no packing
///   of the operands and no separate zeroing pass for β = 0, which for a wide layer (51 → 512, L) cost
///   more than the larger blocks saved. It changes only blocks whose product exceeds that bound
///   (R = 64 → 32 on L; S, D and M keep their blocks); the gradient is then summed over other blocks,
///   so it agrees with `cache` to rounding, not bit for bit.
public enum NetworkBlocks: String, CaseIterable, Sendable, Codable {
  case smallGemm = "small-gemm"
  case cache

  /// The largest M·N·K that OpenBLAS's small-matrix kernels take.
  static let smallProduct = 1_000_000

  /// Rows per block for layer widths `sizes` (d_0 … d_K).
  func rows(sizes: [Int]) -> Int {
    let widest = sizes.max() ?? 1
    let cacheRows = max(16, NetworkEvaluator.blockBytes / (8 * widest))
    guard self == .smallGemm, sizes.count >= 2 else { return cacheRows }
    let largest = (1..<sizes.count).map { sizes[$0 - 1] * sizes[$0] }.max() ?? 1
    let fitting = Self.smallProduct / max(largest, 1) / 8 * 8
    return min(cacheRows, max(8, fitting))
  }
}
