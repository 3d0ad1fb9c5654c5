import Foundation
import Testing

/// `gradflow sweep` and `gradflow collect` end to end on a 4-task grid: the task from
/// $SLURM_ARRAY_TASK_ID, skipping finished tasks, collect listing what did not run, usage errors.
@Suite struct SweepCommandTests {
  private let grid = #"{"base": {"n": 8, "t_end": 5, "saves": 3}, "axes": {"seed": [0, 1], "widths": [[2], [3]]}}"#

  @Test func tasksRunSkipAndCollect() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try writeFile("g.json", grid, in: dir)
    let out = dir.appendingPathComponent("sweep").path
    #expect(try gradflow(["sweep", file, "--out", out, "--count"]).stdout == "4\n")
    // Task 2 = seed 1, widths [2] (last axis fastest), taken from Slurm's variable.
    let first = try gradflow(["sweep", file, "--out", out], environment: ["SLURM_ARRAY_TASK_ID": "2"])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.hasPrefix("task 2/4 seed-1_widths-2: reachedEnd"))
    let again = try gradflow(["sweep", file, "--out", out, "--task", "2"])
    #expect(again.stdout == "task 2/4 seed-1_widths-2: finished before, skipped\n")
    // Three tasks never ran: collect keeps them, as missing, and --strict fails.
    let collect = try gradflow(["collect", out, "--strict"])
    #expect(collect.status == 1)
    #expect(collect.stderr.contains("4 runs, 1 succeeded, 3 not"))
    let rows = try String(contentsOfFile: out + "/runs.csv", encoding: .utf8).split(separator: "\n")
    #expect(rows.count == 5)
    #expect(rows[0].hasPrefix("run,dir,status,seed,widths,reason,log_t,final_"))
    #expect(rows[1].hasPrefix("0,seed-0_widths-2,missing,0,[2],"))
    #expect(rows[3].hasPrefix("2,seed-1_widths-2,success,1,[2],reachedEnd,"))
    let trajectories = try String(contentsOfFile: out + "/trajectories.csv", encoding: .utf8).split(separator: "\n")
    #expect(trajectories.count == 1 + 4)  // t = 0 and three saves of the one run
    #expect(trajectories[1].hasPrefix("2,0,0.0,-inf,"))
    // The task's run.json replays as a plain simulate config.
    let run = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/seed-1_widths-2/run.json")))
        as? [String: Any])
    let config = try #require(run["config"] as? [String: Any])
    #expect(config["seed"] as? Int == 1 && config["widths"] as? [Int] == [2] && config["n"] as? Int == 8)
  }

  @Test func aCheckedTaskIsFinishedOnlyWithItsCheck() throws {
    // With check_at_end, check.json is written after run.json says success: a task killed in between (here:
    // its check.json removed) must run again on resume, not be skipped with no verdict.
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try writeFile(
      "g.json", #"{"base": {"n": 8, "t_end": 5, "saves": 3, "check_at_end": true}, "axes": {"seed": [0]}}"#, in: dir)
    let out = dir.appendingPathComponent("sweep").path
    #expect(try gradflow(["sweep", file, "--out", out, "--task", "0"]).status == 0)
    let check = out + "/seed-0/check.json"
    #expect(FileManager.default.fileExists(atPath: check))
    #expect(try gradflow(["sweep", file, "--out", out, "--task", "0"]).stdout.contains("skipped"))
    try FileManager.default.removeItem(atPath: check)
    let resumed = try gradflow(["sweep", file, "--out", out, "--task", "0"])
    #expect(!resumed.stdout.contains("skipped"), "\(resumed.stdout)")
    #expect(FileManager.default.fileExists(atPath: check))
  }

  @Test func collectCopiesTheEndOfRunCheck() throws {
    // simulate --check-at-end writes check.json; collect copies its verdict and certificate into runs.csv,
    // for a two-layer net and a three-layer one (whose certificate has the certified lower bound).
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try writeFile(
      "g.json",
      #"{"base": {"n": 12, "t_end": 50, "saves": 3, "check_at_end": true}, "axes": {"widths": [[4], [4, 4]]}}"#,
      in: dir)
    let out = dir.appendingPathComponent("sweep").path
    for task in ["0", "1"] {
      let result = try gradflow(["sweep", file, "--out", out, "--task", task])
      #expect(result.status == 0, "\(result.stderr)")
    }
    #expect(try gradflow(["collect", out, "--strict"]).status == 0)
    let text = try String(contentsOfFile: out + "/runs.csv", encoding: .utf8)
    // runs.csv quotes cells with a comma (the widths "[4, 4]").
    func cells(_ line: Substring) -> [String] {
      var cells = [""]
      var quoted = false
      for character in line {
        if character == "\"" {
          quoted.toggle()
        } else if character == ",", !quoted {
          cells.append("")
        } else {
          cells[cells.count - 1].append(character)
        }
      }
      return cells
    }
    let rows = text.split(separator: "\n").map(cells)
    let header = rows[0]
    let keys = [
      "verdict", "eps_rel", "delta_rel", "lambda_ratio", "gamma_product", "support_size", "eps_rel_lower_bound",
    ]
    for key in keys { #expect(header.contains("check_" + key), "runs.csv lacks check_\(key)") }
    #expect(rows.count == 3)
    for row in rows.dropFirst() {
      let cell = { (name: String) in row[header.firstIndex(of: name)!] }
      let report = try #require(
        try JSONSerialization.jsonObject(
          with: Data(contentsOf: URL(fileURLWithPath: out + "/" + cell("dir") + "/check.json")))
          as? [String: Any])
      #expect(cell("check_verdict") == report["verdict"] as? String)
      for key in ["eps_rel", "gamma_product", "lambda_ratio"] {
        let value = try #require(report[key] as? Double)
        #expect(Double(cell("check_" + key)) == value, "\(key)")
      }
      #expect(Int(cell("check_support_size")) == report["support_size"] as? Int)
      if let bound = report["eps_rel_lower_bound"] as? Double {
        #expect(Double(cell("check_eps_rel_lower_bound")) == bound)
      } else {
        #expect(cell("check_eps_rel_lower_bound") == "")
      }
    }
  }

  @Test func usageErrorsNameTheOptionAndExit64() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try writeFile("g.json", grid, in: dir)
    let out = dir.appendingPathComponent("sweep").path
    let outside = try gradflow(["sweep", file, "--out", out, "--task", "4"])
    #expect(outside.status == 64)
    #expect(outside.stderr.hasPrefix("gradflow: error: --task 4 is outside the grid's tasks 0...3"))
    let slurm = try gradflow(["sweep", file, "--out", out], environment: ["SLURM_ARRAY_TASK_ID": "x"])
    #expect(slurm.status == 64 && slurm.stderr.contains("$SLURM_ARRAY_TASK_ID is 'x'"))
    let other = try writeFile("h.json", #"{"axes": {"seed": [5]}}"#, in: dir)
    _ = try gradflow(["sweep", file, "--out", out, "--list"])
    let mixed = try gradflow(["sweep", other, "--out", out, "--task", "0"])
    #expect(mixed.status == 64 && mixed.stderr.contains("holds another sweep"))
    let bad = try writeFile("bad.json", #"{"axes": {"sead": [0]}}"#, in: dir)
    let unknown = try gradflow(["sweep", bad, "--out", out + "2", "--task", "0"])
    #expect(unknown.status == 64 && unknown.stderr.contains("unknown key \"sead\""), "\(unknown.stderr)")
    let notSweep = try gradflow(["collect", dir.appendingPathComponent("nothing").path])
    #expect(notSweep.status == 64 && notSweep.stderr.hasPrefix("gradflow: error:"))
  }
}
