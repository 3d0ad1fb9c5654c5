import Foundation

/// Limits that make an oversized input end with a message instead of exhausting the machine.
///
/// - ``maximumFileBytes``: input files (dataset CSV, initial weights, config) are read whole, so a
///   file over this size is refused before it is read. Default 2 GiB (``CSVDatasetLoader/maximumFileSize``),
///   far beyond what a full-batch simulation can use; environment variable `GRADFLOW_MAX_FILE_BYTES`.
/// - ``maximumMemoryBytes``: a run whose ``MemoryEstimate`` exceeds this is refused before its buffers
///   (or generated data) are allocated. Default half the physical memory, which leaves room for the
///   rest of the machine and for what the estimate leaves out; environment variable `GRADFLOW_MAX_MEMORY`.
///
/// The variables take a byte count with an optional binary suffix: `500M`, `8G`, `1.5GiB`, `65536`.
public struct ResourceLimits: Sendable, Equatable {
  public var maximumFileBytes: UInt64
  public var maximumMemoryBytes: UInt64

  public init(maximumFileBytes: UInt64, maximumMemoryBytes: UInt64) {
    self.maximumFileBytes = maximumFileBytes
    self.maximumMemoryBytes = maximumMemoryBytes
  }

  /// The defaults described on the type.
  public static var defaults: ResourceLimits {
    ResourceLimits(
      maximumFileBytes: CSVDatasetLoader.maximumFileSize,
      maximumMemoryBytes: ProcessInfo.processInfo.physicalMemory / 2)
  }

  /// The defaults, overridden by `GRADFLOW_MAX_FILE_BYTES` and `GRADFLOW_MAX_MEMORY` when set.
  /// A malformed value is a usage error that names the variable.
  /// An `override` is returned as is, without looking at the environment.
  public static func fromEnvironment(
    _ environment: [String: String] = ProcessInfo.processInfo.environment,
    override: ResourceLimits? = nil
  ) throws(RunError) -> ResourceLimits {
    if let override { return override }
    var limits = defaults
    if let text = environment["GRADFLOW_MAX_FILE_BYTES"] {
      limits.maximumFileBytes = try parse(text, variable: "GRADFLOW_MAX_FILE_BYTES")
    }
    if let text = environment["GRADFLOW_MAX_MEMORY"] {
      limits.maximumMemoryBytes = try parse(text, variable: "GRADFLOW_MAX_MEMORY")
    }
    return limits
  }

  /// "500M" → 524288000. Suffixes K, M, G, T (optionally followed by "iB" or "B") are powers of 1024.
  static func parse(_ text: String, variable: String) throws(RunError) -> UInt64 {
    var number = text.trimmingCharacters(in: .whitespaces).uppercased()
    for unit in ["IB", "B"] where number.hasSuffix(unit) { number.removeLast(unit.count) }
    var scale = 1.0
    if let last = number.last, let power = ["K", "M", "G", "T"].firstIndex(of: String(last)) {
      scale = pow(1024, Double(power + 1))
      number.removeLast()
    }
    guard let value = Double(number), value.isFinite, value > 0, value * scale < 0x1p63 else {
      throw .usage(
        "\(variable)='\(text)' is not a positive size; give bytes with an optional suffix, e.g. 500M or 8G"
      )
    }
    return UInt64(value * scale)
  }

  /// A byte count for messages: "512 B", "1.5 KiB", "1.21 GiB".
  public static func text(bytes: Double) -> String {
    guard bytes.isFinite, bytes >= 0 else { return "\(bytes) B" }
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var value = bytes
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    if value >= 1e4 { return String(format: "%.3g ", value) + units[unit] }  // only past 1024 EiB
    if unit == 0 { return "\(Int(value)) B" }
    let rounded = (value * 100).rounded() / 100
    return rounded == rounded.rounded()
      ? "\(Int(rounded)) \(units[unit])" : "\(rounded) \(units[unit])"
  }
}
