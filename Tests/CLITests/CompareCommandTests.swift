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

  @Test func comparesAtEqualTimeOrEqualRho() throws {
    // A margin stop ends lagrange and weightnorm (the same flow, THEORY §4.3) early; the comparison
    // happens at their end t, so unconstrained is integrated again to stop there, and says so.
    let base = [
      "compare", "--generator", "blobs", "--n", "16", "--widths", "4", "--t-end", "20", "--saves", "5",
      "--stop-margin", "0.12",
    ]
    func runs(_ dir: URL) throws -> (at: [String: Any], runs: [[String: Any]]) {
      let data = try Data(contentsOf: dir.appendingPathComponent("compare.json"))
      let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
      return (try #require(json["compared_at"] as? [String: Any]), try #require(json["runs"] as? [[String: Any]]))
    }
    let dir = try temporaryDirectory()
    let byT = try gradflow(base + ["--out", dir.path])
    #expect(byT.status == 0, "\(byT.stderr)")
    #expect(byT.stdout.contains("compared at equal t = "))
    let (atT, runsT) = try runs(dir)
    #expect(atT["axis"] as? String == "t")
    #expect((atT["rerun"] as? [String])?.contains("unconstrained") == true)
    let logT = try #require(atT["log_t"] as? Double)
    #expect(logT < Foundation.log(20.0))  // the stop came before t_end
    // Every run ends at exactly that time (the reruns have no stop conditions).
    for run in runsT { #expect(run["final_log_t"] as? Double == logT, "\(run)") }

    let rhoDir = try temporaryDirectory()
    let byRho = try gradflow(base + ["--at", "rho", "--out", rhoDir.path])
    #expect(byRho.status == 0, "\(byRho.stderr)")
    #expect(byRho.stdout.contains("compared at equal rho = "))
    let (atRho, runsRho) = try runs(rhoDir)
    let rho = try #require(atRho["rho"] as? Double)
    for run in runsRho {
      let final = try #require((run["final"] as? [String: Any])?["rho"] as? Double)
      // ρ is located by the rho-end stop condition's root finder, to about 1e-9 relative.
      #expect(abs(final - rho) <= 1e-8 * rho, "\(run["dynamics"] ?? "?"): rho \(final) vs \(rho)")
    }
  }
}
