import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// SIGINT, SIGTERM and SIGHUP sent to a real `gradflow simulate` mid-run: exit 130, every saved row on
/// disk as complete CSV, and a run.json whose termination is `interrupted` at the time of the last row,
/// with the signal that ended it.
@Suite struct InterruptTests {
  static let names = [SIGINT: "SIGINT", SIGTERM: "SIGTERM", SIGHUP: "SIGHUP"]

  @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
  func signalMidRunKeepsEverySavedRow(signal: Int32) throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out")
    let trajectory = out.appendingPathComponent("trajectory.csv").path
    // Moons without a bias feature are not separable by a bias-free net: the flow slides along ReLU
    // kinks and rkf45 chatters, so t = 1e6 is minutes away, while the first saves come within a
    // second. The wall-clock limit only guards the test against a lost signal.
    let process = Process()
    process.executableURL = gradflowBinary
    process.arguments = [
      "simulate", "--generator", "moons", "--n", "40", "--t-end", "1e6", "--saves", "200",
      "--max-wall-seconds", "120", "--out", out.path, "--quiet",
    ]
    process.standardOutput = FileHandle.nullDevice
    let stderrURL = dir.appendingPathComponent("stderr.txt")
    _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
    process.standardError = try FileHandle(forWritingTo: stderrURL)
    try process.run()

    // Wait for at least two data rows (header + 2 lines), at most 60 s.
    let start = Date()
    func dataRows() -> Int {
      ((try? String(contentsOfFile: trajectory, encoding: .utf8)) ?? "").split(separator: "\n")
        .count - 1
    }
    while dataRows() < 2, process.isRunning, Date().timeIntervalSince(start) < 60 {
      Thread.sleep(forTimeInterval: 0.05)
    }
    try #require(process.isRunning, "the run ended before it could be interrupted")
    try #require(dataRows() >= 2, "no rows after 60 s")
    kill(process.processIdentifier, signal)
    process.waitUntilExit()

    let stderr = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
    #expect(process.terminationReason == .exit, "ended by a signal, not by its handler")
    #expect(process.terminationStatus == 130, "\(stderr)")
    #expect(stderr.contains("interrupted by \(Self.names[signal]!) at t="), "\(stderr)")

    // Every line is a complete row: the header's number of fields, all numbers.
    let lines = try String(contentsOfFile: trajectory, encoding: .utf8).split(
      separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.last == "", "the file ends with a newline")
    let rows = lines.dropLast()
    let columns = rows.first!.split(separator: ",").count
    #expect(rows.count >= 3)
    for row in rows.dropFirst() {
      let cells = row.split(separator: ",", omittingEmptySubsequences: false)
      #expect(cells.count == columns, "incomplete row: \(row)")
      #expect(
        cells.allSatisfy { Double($0) != nil || ["inf", "-inf", "nan"].contains($0) }, "\(row)")
    }

    let record = try JSONSerialization.jsonObject(
      with: Data(contentsOf: out.appendingPathComponent("run.json")))
    let termination = try #require((record as? [String: Any])?["termination"] as? [String: Any])
    #expect(termination["reason"] as? String == "interrupted")
    #expect(termination["signal"] as? String == Self.names[signal])
    #expect(termination["success"] as? Bool == false)
    let lastT = try #require(Double(rows.last!.split(separator: ",")[0]))
    let recordedT = try #require(termination["t"] as? Double)
    // The same time; 1e-12 relative because the solver may step in log t and recover t through exp.
    #expect(
      abs(recordedT - lastT) <= 1e-12 * lastT,
      "run.json's t \(recordedT) is the last row's t \(lastT)")
  }

  @Test func runJSONSaysRunningWhileTheRunIsInProgress() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out")
    let process = Process()
    process.executableURL = gradflowBinary
    process.arguments = [
      "simulate", "--generator", "moons", "--n", "40", "--t-end", "1e6", "--max-wall-seconds",
      "120",
      "--out", out.path, "--quiet",
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    defer {
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
      process.waitUntilExit()
    }
    let runJSON = out.appendingPathComponent("run.json")
    let start = Date()
    while !FileManager.default.fileExists(atPath: runJSON.path),
      Date().timeIntervalSince(start) < 60
    {
      Thread.sleep(forTimeInterval: 0.05)
    }
    // SIGKILL cannot be handled: what is on disk is what a killed run leaves.
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let record = try JSONSerialization.jsonObject(with: Data(contentsOf: runJSON))
    let termination = try #require((record as? [String: Any])?["termination"] as? [String: Any])
    #expect(termination["reason"] as? String == "running")
    #expect(
      FileManager.default.fileExists(
        atPath: out.appendingPathComponent("initial_weights.json").path))
  }
}
