import Foundation
import Testing

/// `--correction-weight` reaches run.json's `correction_weight` and the crossing-corrected steps; a run without
/// it records no key (so it replays with the legacy 0.3); a weight that is not positive and finite is refused.
@Suite struct CorrectionWeightCommandTests {
  @Test func optionIsRecordedChangesTheStepsAndIsValidated() throws {
    let dir = try temporaryDirectory()
    // Two hidden layers on 40 blob points from a random start: pairs cross (121 pattern changes), so the weight
    // matters (measured 3,602 evaluations at the default, 2,124 at 0.05).
    let base = [
      "simulate", "--generator", "blobs", "--n", "40", "--data-seed", "5", "--seed", "5", "--widths", "8,8",
      "--t-end", "3", "--saves", "2", "--quiet", "--sliding", "corrected",
    ]
    let plain = try gradflow(base + ["--out", dir.path + "/plain"])
    let light = try gradflow(base + ["--correction-weight", "0.05", "--out", dir.path + "/light"])
    #expect(plain.status == 0 && light.status == 0, "\(plain.stderr)\(light.stderr)")
    func record(_ name: String) throws -> [String: Any] {
      let data = try Data(contentsOf: dir.appendingPathComponent("\(name)/run.json"))
      return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
    let (plainRecord, lightRecord) = (try record("plain"), try record("light"))
    let plainConfig = try #require(plainRecord["config"] as? [String: Any])
    let lightConfig = try #require(lightRecord["config"] as? [String: Any])
    #expect(plainConfig["correction_weight"] == nil)
    #expect(lightConfig["correction_weight"] as? Double == 0.05)
    let plainStats = try #require(plainRecord["stats"] as? [String: Any])
    let lightStats = try #require(lightRecord["stats"] as? [String: Any])
    let plainEvaluations = try #require(plainStats["rhs_evals"] as? Int)
    let lightEvaluations = try #require(lightStats["rhs_evals"] as? Int)
    #expect(lightEvaluations < plainEvaluations)
    for bad in ["0", "-1", "inf"] {
      let refused = try gradflow(base + ["--correction-weight", bad, "--out", dir.path + "/bad"])
      #expect(refused.status == 64 && refused.stderr.contains("--correction-weight must be a positive"), "\(bad)")
    }
  }
}
