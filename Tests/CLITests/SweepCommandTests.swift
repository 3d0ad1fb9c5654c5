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
