import ODE

/// The memory a run will allocate, estimated from its sizes before anything is allocated, so that an
/// oversized run is refused up front (``check(limit:)``) instead of exhausting the machine or trapping.
///
/// With N samples of d features (including a bias feature), layer sizes d_0 = d, d_1 … d_{K−1}, d_K = 1,
/// P = Σ_k d_k d_{k−1} parameters and S saves, in 8-byte doubles:
///
///   data         3 N (d + 1)                          the dataset and the copy each of the two network
///                                                     evaluators (flow and observables) keeps
///   activations  4.25 N (Σ_{k≥1} d_k + Σ_{0<k<K} d_k + 2 max_k d_k + 1)
///                                                     Z_k, H_k, two backprop buffers and the margins,
///                                                     per evaluator, and the crossing-corrected
///                                                     stepper's per-sample values
///   per sample   6 N + N Σ_{0<k<K} d_k / 8            loss weights and scratch; the activation pattern
///                                                     (one byte per sample and hidden unit)
///   parameters   136 P                                stepper stages (rk8pd has 13, msadams keeps up to
///                                                     13 orders), the event locator's copy, θ buffers,
///                                                     the weights' JSON text
///   Jacobian     6 P²   (implicit steppers only)      GSL's dfdy and iteration matrices (rk4imp's is
///                                                     (2P)²) plus the finite-difference Jacobian
///   saves        2 S                                  the save schedule
///   process      30 MiB                               the runtime, Foundation and OpenBLAS loaded
///
/// The factors 4.25 and 136 and the process term are fitted to the peak resident set size measured
/// (getrusage) on one-hidden-layer runs with the default steppers (docs/robustness.md has the commands),
/// so that the estimate is within 20 % of it for widths 10³ to 10⁵; runs recorded in run.json carry both
/// (`memory.estimate_bytes`, `memory.peak_rss_bytes`). It is computed in
/// floating point: absurd sizes (10¹² samples, widths of 10¹¹) give a huge estimate, never an
/// integer overflow. Not included: the CSV loader's transient copy of the file (bounded by
/// ``ResourceLimits/maximumFileBytes``).
public struct MemoryEstimate: Sendable, Equatable {
  public let samples: Int
  public let features: Int
  public let hiddenWidths: [Int]
  /// P, as a Double (it can exceed Int for absurd widths).
  public let parameters: Double
  /// The bytes in the data, activation and per-sample terms.
  public let sampleBytes: Double
  /// The bytes in the parameter and Jacobian terms.
  public let parameterBytes: Double
  /// The bytes of the save schedule.
  public let saveBytes: Double

  /// The process itself: the Swift runtime, Foundation and OpenBLAS once loaded.
  public static let processBytes = 30.0 * 1024 * 1024

  /// The total estimate in bytes.
  public var bytes: Double { sampleBytes + parameterBytes + saveBytes + Self.processBytes }

  public init(samples: Int, features: Int, hiddenWidths: [Int], stepper: Stepper, saves: Int) {
    self.samples = samples
    self.features = features
    self.hiddenWidths = hiddenWidths
    let n = Double(max(samples, 0))
    let sizes = ([features] + hiddenWidths + [1]).map { Double(max($0, 0)) }
    let hidden = sizes.dropFirst().dropLast().reduce(0, +)
    let outputs = sizes.dropFirst().reduce(0, +)
    let widest = sizes.max() ?? 1
    var p = 0.0
    for k in 1..<sizes.count { p += sizes[k] * sizes[k - 1] }
    parameters = p
    let d = Double(max(features, 0))
    sampleBytes =
      8 * (3 * n * (d + 1) + 4.25 * n * (outputs + hidden + 2 * widest + 1) + 6 * n + n * hidden / 8)
    // auto allocates its implicit method's P × P matrices only up to its size limit.
    let implicit =
      stepper.needsJacobian && (stepper != .auto || p <= Double(Stepper.autoMaximumImplicitDimension))
    parameterBytes = 8 * (136 * p + (implicit ? 6 * p * p : 0))
    saveBytes = 8 * 2 * Double(max(saves, 0))
  }

  /// BLAS takes 32-bit sizes, so no dimension may exceed 2³¹ − 1.
  static let largestDimension = Int(Int32.max)

  /// Throws a usage error when a size exceeds what BLAS can index or the estimate exceeds `limit`; the
  /// message gives the estimate, the limit, what dominates and how to change it.
  public func check(limit: UInt64) throws(RunError) {
    if bytes > Double(limit) { throw .usage(overLimitMessage(limit: limit)) }
    if samples > Self.largestDimension || features > Self.largestDimension
      || hiddenWidths.contains(where: { $0 > Self.largestDimension })
    {
      throw .usage(
        "\(samples) samples, \(features) features and widths \(hiddenWidths) exceed the 2147483647 "
          + "(2^31 - 1) that BLAS can index; use fewer samples or narrower layers")
    }
  }

  private func overLimitMessage(limit: UInt64) -> String {
    let advice: String
    if saveBytes >= max(sampleBytes, parameterBytes) {
      advice = "lower --saves"
    } else if sampleBytes >= parameterBytes {
      advice = "use fewer samples (subsample the data) or narrower layers"
    } else {
      advice =
        parameterBytes > 8 * 136 * parameters
        ? "use an explicit stepper such as rkf45 (implicit steppers store P × P Jacobians) or a smaller network"
        : "use a smaller network"
    }
    return "the run needs an estimated \(ResourceLimits.text(bytes: bytes)) of memory "
      + "(\(samples) samples × \(features) features, \(Self.count(parameters)) parameters), more than the "
      + "limit of \(ResourceLimits.text(bytes: Double(limit))) (GRADFLOW_MAX_MEMORY, default half the "
      + "physical memory); \(advice)"
  }

  /// Refuses to generate and write a dataset of `samples` × `features` (`gradflow data`) whose
  /// memory, 68 bytes per value — the values and a bias-feature copy (2 × 8) plus the CSV text built
  /// in memory (up to 25 characters per value, doubled while the string grows) — exceeds `limit`.
  public static func checkDataset(samples: Int, features: Int, limit: UInt64)
    throws(RunError)
  {
    let bytes = 68 * Double(max(samples, 0)) * (Double(max(features, 0)) + 1)
    guard bytes > Double(limit) else { return }
    throw .usage(
      "\(samples) samples × \(features) features need an estimated \(ResourceLimits.text(bytes: bytes)) of "
        + "memory, more than the limit of \(ResourceLimits.text(bytes: Double(limit))) (GRADFLOW_MAX_MEMORY, "
        + "default half the physical memory); lower --n or --dimension")
  }

  /// An integer-valued Double as digits when it fits, else in scientific notation.
  private static func count(_ value: Double) -> String {
    value < 1e15 ? String(Int64(value)) : "\(value)"
  }
}
