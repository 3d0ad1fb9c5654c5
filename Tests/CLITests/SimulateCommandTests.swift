import Foundation
import Testing

@Suite struct SimulateCommandTests {
  @Test func helpListsTheChoices() throws {
    let result = try gradflow(["simulate", "--help"])
    #expect(result.status == 0)
    for phrase in ["--data", "--widths", "--loss", "--stepper", "rkf45", "msbdf", "exponential", "--t-end", "--out"] {
      #expect(result.stdout.contains(phrase), "help lacks \(phrase)")
    }
    let root = try gradflow(["--help"])
    #expect(root.status == 0)
    #expect(root.stdout.contains("Exit codes"))
  }

  @Test func unknownOptionIsAUsageError() throws {
    let result = try gradflow(["simulate", "--no-such-option"])
    #expect(result.status == 64)
  }

  @Test func badStepperIsAUsageError() throws {
    let result = try gradflow(["simulate", "--stepper", "euler2"])
    #expect(result.status == 64)
    #expect(result.stderr.contains("rkf45"))
  }

  @Test func smallRunWritesItsOutputsAndReproducesFromRunJSON() throws {
    let dir = try temporaryDirectory()
    let first = dir.appendingPathComponent("a").path
    let run = try gradflow([
      "simulate", "--generator", "blobs", "--n", "12", "--widths", "6", "--t-end", "50", "--saves", "10",
      "--out", first, "--quiet",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let csv = try String(contentsOfFile: first + "/trajectory.csv", encoding: .utf8)
    let lines = csv.split(separator: "\n")
    #expect(lines.first?.hasPrefix("t,log_t,loss,log_loss,rho,margin,smoothed_margin,rho_1,rho_2") == true)
    #expect(lines.count == 12)  // header + t = 0 + 10 saves
    let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: first + "/run.json")))
    let json = try #require(record as? [String: Any])
    #expect((json["termination"] as? [String: Any])?["reason"] as? String == "reachedEnd")
    #expect((json["stats"] as? [String: Any])?["rhs_evals"] != nil)
    #expect((json["final"] as? [String: Any])?["margin"] != nil)

    try expectReplay(of: first, into: dir.appendingPathComponent("b").path)
  }

  @Test func deepFilippovRunReplaysFromRunJSON() throws {
    // --sliding filippov on a three-layer ReLU net (DeepFilippovFlow), with the RMS norm: the run
    // records both in run.json and replays bit for bit; Lagrange dynamics are refused as a usage error.
    let dir = try temporaryDirectory()
    let first = dir.appendingPathComponent("a").path
    let run = try gradflow([
      "simulate", "--generator", "blobs", "--n", "16", "--widths", "6,5", "--bias-feature", "--t-end", "20",
      "--saves", "8", "--sliding", "filippov", "--error-norm", "rms", "--out", first, "--quiet",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: first + "/run.json")))
    let json = try #require(record as? [String: Any])
    let config = try #require(json["config"] as? [String: Any])
    #expect(config["sliding"] as? String == "filippov")
    #expect(config["error_norm"] as? String == "rms")
    try expectReplay(of: first, into: dir.appendingPathComponent("b").path)
    let lagrange = try gradflow([
      "simulate", "--widths", "6,5", "--seed", "1", "--t-end", "1", "--sliding", "filippov", "--dynamics", "lagrange",
      "--out", dir.appendingPathComponent("c").path, "--quiet",
    ])
    // Two hidden layers: the deep Filippov slopes under the Lagrange flow's layer metric (DeepFilippovFlow).
    #expect(lagrange.status == 0, "\(lagrange.stderr)")
    let lagrangeRecord = try JSONSerialization.jsonObject(
      with: Data(contentsOf: URL(fileURLWithPath: dir.appendingPathComponent("c").path + "/run.json")))
    let lagrangeConfig = try #require((lagrangeRecord as? [String: Any])?["config"] as? [String: Any])
    #expect(lagrangeConfig["sliding"] as? String == "filippov")
  }

  @Test func exactRunOnMirrorDataPrintsTheReferenceAndReplays() throws {
    // The issue's mirror-symmetric example under --sliding exact (event-driven reference steps): the summary
    // prints the reference's loss and margin (benchmarks/zoo/reference.py on the same data and weights:
    // log L −18.95762261, γ̄ 0.4305458), run.json counts the 3 events, and the run replays bit for bit.
    let dir = try temporaryDirectory()
    let data = try writeFile("sym.csv", "x1,x2,y\n1,0,1\n-1,0,-1\n0,2,1\n0,-2,-1\n", in: dir)
    let first = dir.appendingPathComponent("a").path
    let run = try gradflow([
      "simulate", "--data", data, "--widths", "4", "--seed", "0", "--t-end", "1e7", "--sliding", "exact", "--out",
      first,
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("loss 5.845331e-09"), "\(run.stdout)")
    #expect(run.stdout.contains("margin 0.4305458,"), "\(run.stdout)")
    #expect(run.stdout.contains("accuracy 1\n"), "\(run.stdout)")
    #expect(run.stdout.contains("3 kink events located"), "\(run.stdout)")
    let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: first + "/run.json")))
    let json = try #require(record as? [String: Any])
    let sliding = try #require((json["stats"] as? [String: Any])?["sliding"] as? [String: Any])
    #expect(sliding["events"] as? Int == 3)
    #expect(sliding["mode"] as? String == "exact")
    try expectReplay(of: first, into: dir.appendingPathComponent("b").path)
    let deep = try gradflow([
      "simulate", "--widths", "4,4", "--t-end", "1", "--sliding", "exact", "--out",
      dir.appendingPathComponent("c").path, "--quiet",
    ])
    #expect(deep.status == 64)
    #expect(deep.stderr.contains("one hidden layer"))
  }

  @Test func correctedRunIsTheDefaultAndReplaysFromRunJSON() throws {
    // The default on a three-layer ReLU net is --sliding corrected (the crossing-corrected stepper):
    // run.json records it, the run replays bit for bit from run.json, and the options it does not apply
    // to are usage errors that say so.
    let dir = try temporaryDirectory()
    let first = dir.appendingPathComponent("a").path
    let run = try gradflow([
      "simulate", "--generator", "blobs", "--n", "16", "--widths", "6,5", "--bias-feature", "--t-end", "20",
      "--saves", "8", "--out", first, "--quiet",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: first + "/run.json")))
    let config = try #require((record as? [String: Any])?["config"] as? [String: Any])
    #expect(config["sliding"] as? String == "corrected")
    try expectReplay(of: first, into: dir.appendingPathComponent("b").path)
    for (extra, phrase) in [
      (["--dynamics", "weightnorm", "--widths", "4,4"], "one hidden layer"),
      (["--gd-step", "0.1"], "gradient descent"),
      (["--activation", "identity"], "relu or leaky-relu"),
    ] {
      let refused = try gradflow(
        [
          "simulate", "--t-end", "1", "--sliding", "corrected", "--out", dir.appendingPathComponent("c").path,
          "--quiet",
        ]
          + extra)
      #expect(refused.status == 64, "\(extra)")
      #expect(refused.stderr.contains(phrase), "\(refused.stderr)")
    }
  }

  @Test func smoothGateRunIsLabelledRecordedReplayedAndChecked() throws {
    // --activation smooth-relu:EPS: the summary says it is not ReLU, run.json records ε, the run
    // replays bit for bit from run.json, and the checker evaluates it (no kinks, so no Clarke fit).
    let dir = try temporaryDirectory()
    let first = dir.appendingPathComponent("a").path
    let run = try gradflow([
      "simulate", "--generator", "xor", "--widths", "8", "--activation", "smooth-relu:0.05", "--t-end", "50",
      "--saves", "10", "--save-weights", "--out", first,
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("smooth-relu:0.05 (a smooth gate: not the ReLU model)"))
    let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: first + "/run.json")))
    let json = try #require(record as? [String: Any])
    let config = try #require(json["config"] as? [String: Any])
    #expect(config["activation"] as? String == "smooth-relu")
    #expect(config["gate_width"] as? Double == 0.05)
    #expect((json["model"] as? [String: Any])?["gate_width"] as? Double == 0.05)
    try expectReplay(of: first, into: dir.appendingPathComponent("b").path)
    let check = try gradflow(["check", first, "--json"])
    #expect([0, 2, 3].contains(check.status), "\(check.stderr)")
    let report = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
    #expect(report["activation"] as? String == "smooth-relu")
    #expect(report["kink_pairs"] as? Int == 0)
  }

  @Test func filippovCapacityOverflowsAreReported() throws {
    // One ReLU unit w = (1, 0, 0), a = 1, and 300 negative samples x_n = (0, cos φ_n, sin φ_n) on its kink
    // (z = 0, attracting: a·c_n < 0) beside one positive sample: more candidates than the K = 2 slope solver's
    // 256 (distinct φ_n in (0, π): no two share a surface, which would make them one candidate). The run says
    // so in the summary and in run.json instead of dropping them silently.
    let dir = try temporaryDirectory()
    var csv = "x1,x2,x3,y\n1,0,0,1\n"
    for n in 0..<300 {
      let phi = 0.1 + 0.01 * Double(n)
      csv += "0,\(cos(phi)),\(sin(phi)),-1\n"
    }
    let data = dir.appendingPathComponent("kinks.csv").path
    try csv.write(toFile: data, atomically: true, encoding: .utf8)
    let weights = dir.appendingPathComponent("w.json").path
    try #"{"arch": [3, 1, 1], "layers": [[[1, 0, 0]], [[1]]]}"#.write(
      toFile: weights, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent("run").path
    let run = try gradflow([
      "simulate", "--data", data, "--init", weights, "--t-end", "1e-3", "--saves", "2", "--out", out,
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("more pairs were near a kink than the Filippov solver holds"), "\(run.stdout)")
    let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/run.json")))
    let stats = try #require((record as? [String: Any])?["stats"] as? [String: Any])
    let sliding = try #require(stats["sliding"] as? [String: Any])
    #expect((sliding["capacity_overflows"] as? Int ?? 0) >= 1)
  }

  @Test func refusesANonEmptyOutputDirectoryWithoutForce() throws {
    let dir = try temporaryDirectory()
    _ = try writeFile("keep.txt", "x", in: dir)
    let result = try gradflow(["simulate", "--t-end", "1", "--out", dir.path, "--quiet"])
    #expect(result.status == 64)
    #expect(result.stderr.contains("--force"))
  }

  @Test func stopWhenSeparatedEndsTheRun() throws {
    let dir = try temporaryDirectory()
    let result = try gradflow([
      "simulate", "--generator", "blobs", "--stop-when-separated", "--t-end", "1e3", "--out", dir.path,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("stop condition 'separated'"))
  }

  @Test func maxStepsIsANumericalFailureWithAdvice() throws {
    let dir = try temporaryDirectory()
    let result = try gradflow(["simulate", "--max-steps", "5", "--out", dir.path, "--quiet"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("--max-steps"))
    // The partial result is still complete CSV with the rows computed so far.
    let csv = try String(contentsOfFile: dir.path + "/trajectory.csv", encoding: .utf8)
    #expect(csv.split(separator: "\n").count >= 2)
  }

  @Test func relativePathsInAConfigAreRelativeToTheConfigFile() throws {
    let dir = try temporaryDirectory()
    let sub = dir.appendingPathComponent("configs")
    try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
    _ = try writeFile("data.csv", "x1,x2,y\n1,0,1\n0,-2,-1\n", in: dir)
    let config = try writeFile("run.json", "{\"data\": \"../data.csv\", \"widths\": [], \"t_end\": 1}", in: sub)
    // Run from an unrelated working directory: the data path must resolve against configs/.
    let elsewhere = try temporaryDirectory()
    let result = try gradflow(
      ["simulate", "--config", config, "--out", dir.appendingPathComponent("out").path, "--quiet"], in: elsewhere)
    #expect(result.status == 0, "\(result.stderr)")
  }

  /// Re-runs `gradflow simulate --config FIRST/run.json` into `second` and expects the same trajectory, bit
  /// for bit.
  private func expectReplay(of first: String, into second: String) throws {
    let again = try gradflow(["simulate", "--config", first + "/run.json", "--out", second, "--quiet"])
    #expect(again.status == 0, "\(again.stderr)")
    let csv = try String(contentsOfFile: first + "/trajectory.csv", encoding: .utf8)
    #expect(
      csv == (try String(contentsOfFile: second + "/trajectory.csv", encoding: .utf8)),
      "re-running from run.json must reproduce the trajectory bit for bit")
  }
}
