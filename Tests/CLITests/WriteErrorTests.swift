import Foundation
import Testing

/// A write error in the middle of a run (here a file-size limit, `ulimit -f`, which fails writes with
/// EFBIG the way a full disk fails them with ENOSPC): exit 1, a message naming the file, and a
/// trajectory.csv that holds only complete rows.
@Suite struct WriteErrorTests {
  @Test func fileSizeLimitMidRunIsReportedAndLeavesValidCSV() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out")
    // dash's `ulimit -f` counts 512-byte blocks: 8 KiB holds the JSON files (about 3 KiB each) and the
    // header plus some 25 of the 61 rows of about 300 bytes, so the limit is hit mid-run, mid-row.
    let result = try run(
      "/bin/sh",
      [
        "-c", "ulimit -f 16; exec \"$0\" \"$@\"", gradflowBinary.path, "simulate", "--generator",
        "blobs",
        "--n", "12", "--widths", "6", "--t-end", "50", "--saves", "60", "--out", out.path,
        "--quiet",
      ])
    let trajectory = out.appendingPathComponent("trajectory.csv").path
    #expect(result.status == 1, "\(result.stderr)")
    #expect(
      result.stderr.contains("cannot write '\(trajectory)': File too large"), "\(result.stderr)")
    #expect(result.stderr.contains("the rows written before it are valid"))

    let text = try String(contentsOfFile: trajectory, encoding: .utf8)
    #expect(text.hasSuffix("\n"), "no partial row at the end")
    let rows = text.split(separator: "\n")
    let columns = rows[0].split(separator: ",").count
    #expect(rows.count > 2 && rows.count < 62, "the limit was hit mid-run (\(rows.count) lines)")
    for row in rows.dropFirst() {
      #expect(
        row.split(separator: ",", omittingEmptySubsequences: false).count == columns, "\(row)")
    }
    let record = try JSONSerialization.jsonObject(
      with: Data(contentsOf: out.appendingPathComponent("run.json")))
    let termination = try #require((record as? [String: Any])?["termination"] as? [String: Any])
    #expect(termination["reason"] as? String == "saveFailed")
  }

  /// Runs gradflow under `ulimit -f BLOCKS` (512-byte blocks in dash).
  private func limited(_ blocks: Int, _ arguments: [String]) throws -> CommandResult {
    try run("/bin/sh", ["-c", "ulimit -f \(blocks); exec \"$0\" \"$@\"", gradflowBinary.path] + arguments)
  }

  /// Files in `directory` whose names end in `.partial` (temporaries of atomic writes).
  private func partials(_ directory: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".partial") }
  }

  /// Issue #20 defect 8: `check` under a file-size limit reports EFBIG (not killed by SIGXFSZ, exit
  /// 153) and leaves no cut check.csv and no temporary file.
  @Test func checkUnderAFileSizeLimitReportsAndLeavesNoPartialFile() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("run")
    let made = try gradflow([
      "simulate", "--n", "12", "--widths", "4", "--t-end", "5", "--saves", "20", "--save-weights", "--out", out.path,
      "--quiet",
    ])
    #expect(made.status == 0, "\(made.stderr)")
    // One 512-byte block: the header and a row of check.csv (about 300 bytes each) do not fit.
    let result = try limited(1, ["check", out.path, "--at", "all"])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("check.csv': File too large"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("check.csv").path))
    #expect(partials(out).isEmpty, "\(partials(out))")
  }

  /// `data -o` under a file-size limit: exit 1 with the path, no output file, no temporary.
  @Test func dataUnderAFileSizeLimitReportsAndLeavesNoPartialFile() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("blobs.csv")
    let result = try limited(1, ["data", "blobs", "--n", "400", "-o", file.path])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("cannot write '\(file.path)': File too large"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: file.path))
    #expect(partials(dir).isEmpty, "\(partials(dir))")
  }

  /// `compare` under a file-size limit: a failure with the reason, never SIGXFSZ's 153.
  @Test func compareUnderAFileSizeLimitReports() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let result = try limited(
      16,
      ["compare", "--n", "12", "--widths", "4", "--t-end", "5", "--saves", "60", "--out", dir.path + "/c", "--quiet"])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("File too large"), "\(result.stderr)")
  }

  /// Issue #20 defect 7: `data` onto a full disk (/dev/full) fails, for -o and for standard output.
  @Test func dataOntoAFullDiskFails() throws {
    let direct = try gradflow(["data", "blobs", "-o", "/dev/full"])
    #expect(direct.status == 1 && direct.stderr.contains("cannot write '/dev/full': No space left on device"))
    #expect(!direct.stderr.contains("wrote"))
    let redirected = try run("/bin/sh", ["-c", "exec \"$0\" data blobs > /dev/full", gradflowBinary.path])
    #expect(redirected.status == 1, "\(redirected.stderr)")
    #expect(redirected.stderr.contains("cannot write to standard output: No space left on device"))
  }

  private func run(_ executable: String, _ arguments: [String]) throws -> CommandResult {
    try runProcess(URL(fileURLWithPath: executable), arguments)
  }

}
