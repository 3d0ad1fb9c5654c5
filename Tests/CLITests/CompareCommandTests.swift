import Foundation
import Testing

@Suite struct CompareCommandTests {
  @Test func comparesTheThreeDynamicsFromOneStart() throws {
    let dir = try temporaryDirectory()
    let result = try gradflow([
      "compare", "--generator", "blobs", "--n", "16", "--widths", "4", "--t-end", "20", "--saves", "5",
      "--out", dir.path,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    for kind in ["unconstrained", "lagrange", "weightnorm"] {
      #expect(FileManager.default.fileExists(atPath: dir.path + "/\(kind)/trajectory.csv"))
      #expect(result.stdout.contains(kind))
    }
    let csv = try String(contentsOfFile: dir.path + "/compare.csv", encoding: .utf8)
    let lines = csv.split(separator: "\n")
    #expect(lines.first?.hasPrefix("t,dynamics,log_t,loss") == true)
    #expect(lines.count == 1 + 3 * 6)  // header + 3 dynamics × (t = 0 + 5 saves)
    // Lagrange and weight normalization with c_k = 1 are the same flow (THEORY §4.3).
    #expect(result.stdout.contains("lagrange vs weightnorm: yes"))
  }
}
