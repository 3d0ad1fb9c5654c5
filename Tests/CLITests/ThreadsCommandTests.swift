import Foundation
import Testing

/// `--threads`: recorded in run.json, validated, and a setting of the machine only: a run with two
/// OpenBLAS threads ends where the one-thread run ends, to the integration's tolerance.
@Suite struct ThreadsCommandTests {
  static func final(_ directory: String) throws -> (config: [String: Any], final: [String: Double]) {
    let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/run.json"))
    let record = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    return (
      try #require(record["config"] as? [String: Any]), try #require(record["final"] as? [String: Double])
    )
  }

  @Test func twoThreadsEndWhereOneThreadEnds() throws {
    let dir = try temporaryDirectory()
    // 300 samples in 10 dimensions, 128 units: the first layer's products (256 × 10 × 128 per block of
    // rows) are above OpenBLAS's threshold for splitting a product among threads (M·N·K > 262,144).
    let base = [
      "simulate", "--generator", "blobs", "--n", "300", "--dimension", "10", "--widths", "128", "--t-end", "2",
      "--quiet",
    ]
    let one = try gradflow(base + ["--out", dir.appendingPathComponent("one").path])
    let two = try gradflow(base + ["--threads", "2", "--out", dir.appendingPathComponent("two").path])
    #expect(one.status == 0, "\(one.stderr)")
    #expect(two.status == 0, "\(two.stderr)")
    let a = try Self.final(dir.appendingPathComponent("one").path)
    let b = try Self.final(dir.appendingPathComponent("two").path)
    #expect(a.config["threads"] as? Int == 1)
    #expect(b.config["threads"] as? Int == 2)
    // Rounding differences in the right-hand side (~1e-15 relative) move an rtol = 1e-8 integration by
    // far less than its tolerance; 1e-7 relative is a tenfold margin on the tolerance, and an O(1)
    // difference (a wrong product) fails it.
    for key in ["loss", "margin", "rho"] {
      let (x, y) = (try #require(a.final[key]), try #require(b.final[key]))
      #expect(abs(x - y) <= 1e-7 * abs(x), "\(key): \(x) vs \(y)")
    }
  }

  @Test func anInvalidCountIsAUsageError() throws {
    let dir = try temporaryDirectory()
    for bad in ["0", "-2", "100000"] {
      let result = try gradflow(["simulate", "--threads", bad, "--out", dir.appendingPathComponent(bad).path])
      #expect(result.status == 64, "\(bad): \(result.stderr)")
      #expect(result.stderr.contains("--threads must be between 1 and"), "\(result.stderr)")
    }
    let config = try writeFile("c.json", #"{"threads": "two"}"#, in: dir)
    let wrongType = try gradflow(["simulate", "--config", config, "--out", dir.appendingPathComponent("c").path])
    #expect(wrongType.status == 64)
    #expect(wrongType.stderr.contains("threads") && wrongType.stderr.contains("an integer"), "\(wrongType.stderr)")
  }
}
