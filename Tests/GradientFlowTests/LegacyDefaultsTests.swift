import Foundation
import Testing

@testable import GradientFlow

/// Every config key a run.json may lack (``RunConfig/legacyDefaults``): an old run.json without it decodes to
/// the value that run used, so it replays bit for bit; a new config gets the current default, which differs
/// (else the key would need no legacy value); a recorded value wins; an unknown value is refused.
@Suite struct LegacyDefaultsTests {
  /// A config as its JSON object (what run.json records).
  static func encoded(_ config: RunConfig) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as? [String: Any])
  }

  static func decode(_ object: [String: Any], source: String) throws -> [String: Any] {
    try encoded(RunConfig.decode(JSONSerialization.data(withJSONObject: object), source: source))
  }

  @Test(arguments: RunConfig.legacyDefaults.keys.sorted())
  func oldRunsReplayWithTheirValueAndNewRunsGetTheDefault(key: String) throws {
    // The legacy values through JSON, so that they compare like decoded ones (Bool as NSNumber).
    let legacy = try #require(
      try JSONSerialization.jsonObject(with: JSONSerialization.data(withJSONObject: RunConfig.legacyDefaults))
        as? [String: Any])
    let legacyValue = try #require(legacy[key] as? NSObject)
    let old = try Self.decode(["config": ["t_end": 5]], source: "run.json")
    #expect(old[key] as? NSObject == legacyValue, "\(key): \(String(describing: old[key]))")
    let fresh = try Self.decode([:], source: "test")
    let freshValue = try #require(fresh[key] as? NSObject)
    #expect(freshValue != legacyValue, "\(key): the default is the legacy value")
    let recorded = try Self.decode(["config": [key: freshValue]], source: "run.json")
    #expect(recorded[key] as? NSObject == freshValue)
    let error = #expect(throws: (any Error).self) {
      try RunConfig.decode(JSONSerialization.data(withJSONObject: [key: "no-such-value"]), source: "test")
    }
    // The message names the key and what it may hold (``ConfigError/expectation(forKey:)``).
    let message = String(describing: try #require(error))
    #expect(message.contains(key) && (message.contains("one of") || message.contains("true or false")), "\(message)")
  }
}
