import Foundation
import Testing

@testable import GradientFlow

/// Output files that cannot be written fail with the path and the system's reason, never silently.
/// `/dev/full` accepts `open` and fails every `write` with ENOSPC, exactly like a full disk.
@Suite struct OutputWriteErrorTests {
  @Test func csvWriterOnAFullDiskNamesThePath() {
    #expect(throws: OutputError.cannotWrite(path: "/dev/full", reason: "No space left on device")) {
      _ = try CSVWriter(path: "/dev/full", header: ["t", "loss"])
    }
  }

  @Test func csvWriterInAMissingDirectoryNamesThePath() {
    let path = "/nonexistent-\(UUID().uuidString)/trajectory.csv"
    #expect(throws: OutputError.cannotWrite(path: path, reason: "No such file or directory")) {
      _ = try CSVWriter(path: path, header: ["t"])
    }
  }

  @Test func csvRowsAreOnDiskAsSoonAsWritten() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "writer-\(UUID().uuidString).csv"
    ).path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let writer = try CSVWriter(path: path, header: ["t", "x"])
    let row: [Double] = [0.5, .infinity]
    try row.withUnsafeBufferPointer { try writer.write($0) }
    // Still open, nothing buffered: a second reader sees the complete row.
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "t,x\n0.5,inf\n")
    withExtendedLifetime(writer) {}
  }

  @Test func jsonWriteOnAFullDiskNamesThePath() {
    #expect(throws: OutputError.cannotWrite(path: "/dev/full", reason: "No space left on device")) {
      try OutputDirectory.write(Data("{}".utf8), to: "/dev/full")
    }
  }
}
