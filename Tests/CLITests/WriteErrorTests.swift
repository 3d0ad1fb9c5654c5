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

  private func run(_ executable: String, _ arguments: [String]) throws -> CommandResult {
    try runProcess(URL(fileURLWithPath: executable), arguments)
  }

}
