import Foundation
import ODE

/// A config file that cannot be used. Every ``invalid(path:reason:)`` names the offending key and
/// says what it must hold, e.g. `config 'c.json': key "n": expected an integer, got 1.5`.
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
  case unreadable(path: String, reason: String)
  case invalid(path: String, reason: String)

  public var description: String {
    switch self {
    case .unreadable(let path, let reason): "cannot read the config '\(path)': \(reason)"
    case .invalid(let path, let reason): "config '\(path)': \(reason)"
    }
  }

  /// A config over this size is refused before it is read: a config or run.json is a few kilobytes.
  static let maximumFileBytes: UInt64 = 64 << 20

  /// The bytes of a JSON input (a config or a sweep grid, named by `kind`) within ``maximumFileBytes``.
  static func readFile(_ path: String, kind: String) throws(ConfigError) -> [UInt8] {
    do throws(InputFile.Failure) {
      return try InputFile.read(path, limit: maximumFileBytes)
    } catch {
      switch error {
      case .unreadable(let reason): throw .unreadable(path: path, reason: reason)
      case .tooLarge(let size, let limit):
        throw .unreadable(
          path: path,
          reason: "it is \(ResourceLimits.text(bytes: Double(size))), more than the "
            + "\(ResourceLimits.text(bytes: Double(limit))) \(kind) may have; is it the right file?")
      }
    }
  }

  /// An unknown key: the closest known key when one is close (a typo), else the full list (which, at some
  /// sixty keys, would bury the one suggestion).
  static func unknownKey(_ key: String, known: Set<String>, path: String) -> ConfigError {
    let sorted = known.sorted()
    let closest =
      key.count > 40 ? nil : sorted.min { editDistance(key, $0) < editDistance(key, $1) }
    if let closest, editDistance(key, closest) <= max(2, key.count / 3) {
      return .invalid(path: path, reason: "unknown key \(jsonText(key)) (did you mean \"\(closest)\"?)")
    }
    // A long unknown key (pasted text, a mangled file) is shown by its first 32 characters, so that the
    // message stays short however long the key is.
    let shown = key.count > 32 ? String(key.prefix(32)) + "…" : key
    return .invalid(
      path: path, reason: "unknown key \(jsonText(shown)); known keys: \(sorted.joined(separator: ", "))")
  }

  /// A key whose value cannot be decoded: what the key must hold and what it holds.
  static func wrongValue(key: String, value: Any, error: any Error, path: String) -> ConfigError {
    let expected = expectation(forKey: key) ?? fallbackExpectation(error)
    return .invalid(
      path: path, reason: "key \"\(key)\": expected \(expected), got \(jsonText(value))")
  }

  /// What each key must hold, in words (nil for a string that is not a key): an exhaustive switch over
  /// ``RunConfig/CodingKeys``, so a new key cannot go without its words, and every closed set of
  /// choices lists its values.
  static func expectation(forKey key: String) -> String? {
    func oneOf<T: RawRepresentable & CaseIterable>(_: T.Type) -> String where T.RawValue == String {
      "one of " + T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
    }
    guard let key = RunConfig.CodingKeys(rawValue: key) else { return nil }
    switch key {
    case .stepper: return oneOf(Stepper.self)
    case .activation: return oneOf(Activation.self)
    case .loss: return oneOf(Loss.self)
    case .errorNorm: return oneOf(ErrorNorm.self)
    case .dynamics: return oneOf(DynamicsKind.self)
    case .generator: return oneOf(ToyDataset.self)
    case .clock: return oneOf(Clock.self)
    case .saveSpacing: return oneOf(SaveSpacing.self)
    case .sliding: return oneOf(SlidingMode.self)
    case .alignmentVelocity: return oneOf(AlignmentVelocity.self)
    case .kinkSurfaces: return oneOf(CoincidentKinks.Treatment.self)
    case .chatter, .deepChatter: return oneOf(ChatterTreatment.self)
    case .deepSliding: return oneOf(DeepSliding.self)
    case .leakySliding: return oneOf(LeakySliding.self)
    case .crossingKernel: return oneOf(CrossingKernel.self)
    case .kinkJacobian: return oneOf(KinkJacobian.self)
    case .frozenPair: return oneOf(FrozenPair.self)
    case .networkBlocks: return oneOf(NetworkBlocks.self)
    case .minimizerVelocity: return oneOf(MinimizerVelocity.self)
    case .stiffKinks: return oneOf(StiffKinks.self)
    case .slidingCorrection: return oneOf(SlidingCorrection.self)
    case .coincidentEntries: return oneOf(CoincidentEntries.self)
    case .logTimeKinks, .normalizedLogTimeKinks: return oneOf(LogTimeKinks.self)
    case .slidingPullBack: return oneOf(SlidingPullBack.self)
    case .normalizedKinks: return oneOf(NormalizedKinks.self)
    case .repellingExit: return oneOf(RepellingExit.self)
    case .dipSearch: return oneOf(DipSearch.self)
    case .rhoClockEnd: return oneOf(RhoClockEnd.self)
    case .stiffMinimizer: return oneOf(StiffMinimizer.self)
    case .unitCollapse: return oneOf(UnitCollapse.self)
    case .crossingTimes: return oneOf(CrossingTimes.self)
    case .exitRate: return oneOf(ExitRate.self)
    case .exitPattern: return oneOf(ExitPattern.self)
    case .slidingPattern: return oneOf(SlidingPattern.self)
    case .slidingExit: return oneOf(SlidingExit.self)
    case .implicitReturn: return oneOf(ImplicitReturn.self)
    case .stiffnessVerdict: return oneOf(StiffnessVerdict.self)
    case .widths: return "a list of positive integers, e.g. [16] or [32, 32] ([] for a linear model)"
    case .wnScale: return "a list of positive numbers, e.g. [1] or [1, 2]"
    case .n, .dimension, .saves, .maxSteps, .marginsEvery, .threads: return "an integer"
    case .seed, .dataSeed: return "a non-negative integer below 2^64"
    case .biasFeature, .stopWhenSeparated, .saveWeights, .saveMargins, .checkAtEnd, .stopAtMinimizer:
      return "true or false"
    case .data, .labelColumn, .initialWeights: return "a string"
    case .noise, .leakySlope, .gateWidth, .initScale, .tEnd, .logTEnd, .rhoEnd, .saveFrom, .gdStep, .rtol, .atol,
      .maxWallSeconds, .hmin, .hmax, .initialStep, .stopLoss, .stopMargin, .stopAtKkt, .kinkBand,
      .correctionWeight:
      return "a number (or \"inf\", \"-inf\", \"nan\")"
    }
  }

  private static func fallbackExpectation(_ error: any Error) -> String {
    switch error {
    case DecodingError.typeMismatch(let type, _): return "a value of type \(type)"
    case DecodingError.dataCorrupted(let context):
      return "a valid value (\(context.debugDescription))"
    default: return "a valid value (\(error))"
    }
  }

  /// A value as JSON text, shortened to 60 characters.
  static func jsonText(_ value: Any) -> String {
    let text: String
    if value is NSNull {
      text = "null"
    } else if let data = try? JSONSerialization.data(
      withJSONObject: value, options: [.fragmentsAllowed])
    {
      text = String(decoding: data, as: UTF8.self)
    } else {
      text = String(describing: value)
    }
    return text.count > 60 ? String(text.prefix(57)) + "..." : text
  }

  /// Levenshtein distance, for "did you mean" hints (keys are short).
  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
      var current = [i] + Array(repeating: 0, count: b.count)
      for j in 1...b.count {
        current[j] = min(
          previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return previous[b.count]
  }
}
