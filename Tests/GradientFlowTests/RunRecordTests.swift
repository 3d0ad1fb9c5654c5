import Foundation
import ODE
import Testing

@testable import GradientFlow

/// run.json as a typed value: the stored corpus (written by the hand-built dictionaries that
/// ``RunRecord`` replaced) decodes and encodes back to the same bytes, and the readers use the type.
@Suite struct RunRecordTests {
  static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../CLITests/ReplayCorpus").standardizedFileURL

  static var runFiles: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []
    return names.map { corpus.appendingPathComponent($0 + "/run.json").path }
      .filter { FileManager.default.fileExists(atPath: $0) }.sorted()
  }

  private static func decoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }

  @Test func corpusIsNotEmpty() { #expect(Self.runFiles.count >= 13) }

  /// Every section of run.json but `config` (data, model, outputs, termination, phases, stats with the
  /// sliding report, final, memory), written by the old code, is reproduced byte for byte by the typed
  /// record. The stored configs predate some keys, which a decoded config fills with their defaults; the
  /// config's own encoding is compared with the old one in ``configEncodesAsBefore(config:)``.
  @Test(arguments: runFiles)
  func storedRunJSONEncodesToItsOwnBytes(path: String) throws {
    let stored = try Data(contentsOf: URL(fileURLWithPath: path))
    let record = try Self.decoder().decode(RunRecord.self, from: stored)
    var object = try #require(record.jsonObject as? [String: Any])
    object["config"] = try #require(try JSONSerialization.jsonObject(with: stored) as? [String: Any])["config"]
    #expect(try OutputDirectory.jsonText(object) == stored, "\(path)")
  }

  static var configs: [RunConfig] {
    var full = RunConfig()
    (full.data, full.generator, full.noise, full.dataSeed, full.labelColumn) = ("/d.csv", .xor, 0.25, 7, "label")
    (full.widths, full.gateWidth, full.wnScale, full.initialWeights) = ([8, 4], 0.01, [1, 2], "/w.json")
    (full.logTEnd, full.rhoEnd, full.saveFrom, full.gdStep, full.stepper) = (300, 1e9, 1e-3, 0.1, .msbdf)
    (full.maxWallSeconds, full.hmax, full.initialStep, full.stopLoss) = (60, 1, 1e-6, 1e-12)
    (full.stopMargin, full.stopAtKkt, full.kinkBand, full.tEnd) = (0.5, 1e-3, 1e-4, .infinity)
    return [RunConfig(), full]
  }

  /// The config's keys are stated in ``RunConfig/CodingKeys``; they and its values are written as
  /// the old `JSONEncoder(.convertToSnakeCase)` → `JSONSerialization` path wrote them.
  @Test(arguments: configs)
  func configEncodesAsBefore(config: RunConfig) throws {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let old = try JSONSerialization.jsonObject(with: encoder.encode(config))
    #expect(try OutputDirectory.jsonText(JSONObjectEncoder().encode(config)) == OutputDirectory.jsonText(old))
  }

  /// Keys sort as JSONSerialization sorts them (numerically: rho_2 before rho_10, which JSONEncoder's
  /// code-point order would reverse), and non-finite numbers are the strings run.json always used.
  @Test func keysSortNumericallyAndNonFiniteNumbersAreStrings() throws {
    var record = try Self.decoder().decode(
      RunRecord.self, from: Data(contentsOf: URL(fileURLWithPath: Self.runFiles[0])))
    record.final = ["rho_10": 1, "rho_2": 2, "t": .infinity, "log_t": -.infinity, "margin": .nan]
    let text = String(decoding: try OutputDirectory.jsonText(record.jsonObject), as: UTF8.self)
    let two = try #require(text.range(of: "\"rho_2\""))
    let ten = try #require(text.range(of: "\"rho_10\""))
    #expect(two.lowerBound < ten.lowerBound)
    #expect(text.contains("\"t\" : \"inf\"") && text.contains("\"log_t\" : \"-inf\""))
    #expect(text.contains("\"margin\" : \"nan\""))
    let back = try Self.decoder().decode(RunRecord.self, from: Data(text.utf8))
    #expect(back.final?["t"] == .infinity && back.final?["margin"]?.isNaN == true)
  }

  /// The termination reason is an enum; its run.json text is `running` or a ``Termination/Kind``.
  @Test func reasonsRoundTripAndAnUnknownOneIsAnError() throws {
    for reason in [RunRecord.Reason.running] + Termination.Kind.allCases.map(RunRecord.Reason.ended) {
      let data = try JSONEncoder().encode([reason])
      #expect(try JSONDecoder().decode([RunRecord.Reason].self, from: data) == [reason])
    }
    #expect(
      String(decoding: try JSONEncoder().encode([RunRecord.Reason.ended(.saveFailed)]), as: UTF8.self)
        == #"["saveFailed"]"#)
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode([RunRecord.Reason].self, from: Data(#"["finished"]"#.utf8))
    }
  }

  /// ``RunRecord/load(path:)`` names the file and the key at fault.
  @Test func loadNamesTheMissingSection() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("runrecord-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var object = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.runFiles[0]))) as? [String: Any]
    )
    object["termination"] = nil
    let path = directory.appendingPathComponent("run.json").path
    try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    #expect {
      _ = try RunRecord.load(path: path)
    } throws: { error in
      "\(error)".contains(path) && "\(error)".contains("\"termination\" is missing")
    }
  }
}

/// `generator` is a ``ToyDataset``: run.json keeps its raw value, and an unknown one is an error that
/// names the key and lists the choices.
@Suite struct GeneratorConfigTests {
  @Test func rawValuesReadAndAnUnknownOneIsAClearError() throws {
    let config = try RunConfig.decode(
      Data(#"{"config": {"generator": "random-labels"}}"#.utf8), source: "run.json")
    #expect(config.generator == .randomLabels)
    #expect {
      _ = try RunConfig.decode(Data(#"{"config": {"generator": "spirals"}}"#.utf8), source: "old/run.json")
    } throws: { error in
      let text = "\(error)"
      return text.contains("old/run.json") && text.contains("\"generator\"") && text.contains("\"spirals\"")
        && ToyDataset.allCases.allSatisfy { text.contains("\"\($0.rawValue)\"") }
    }
  }
}

/// A config value outside a closed set is refused with the key and its choices (``ConfigError/expectation(forKey:)``
/// switches over every key).
@Suite struct ConfigChoiceTests {
  @Test(arguments: [
    ("clock", #"one of "t", "log-t", "rho", "auto""#), ("sliding", #"one of "off", "filippov", "corrected", "auto""#),
    ("kink_surfaces", #""merged""#), ("save_spacing", #""clock""#), ("alignment_velocity", #""flow""#),
  ])
  func unknownChoiceNamesTheKeyAndTheChoices(key: String, listed: String) throws {
    #expect {
      _ = try RunConfig.decode(Data(#"{"\#(key)": "sundial"}"#.utf8), source: "c.json")
    } throws: { error in
      let text = "\(error)"
      return text.contains("key \"\(key)\": expected one of") && text.contains(listed) && text.contains("sundial")
    }
  }
}
