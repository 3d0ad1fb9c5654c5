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
    #expect(throws: OutputError.cannotCreate(path: path, reason: "No such file or directory")) {
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
      try AtomicFile.write(Data("{}".utf8), to: "/dev/full")
    }
  }

  /// A symbolic link planted at the target is replaced, never written through; a leftover or planted
  /// `.NAME.partial` is removed first, not written through either.
  @Test func atomicWritesReplaceAPlantedLinkAndNeverFollowIt() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gradflow-atomic-\(UUID())").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let victim = directory + "/victim.txt"
    let otherVictim = directory + "/other.txt"
    try "keep".write(toFile: victim, atomically: false, encoding: .utf8)
    try "keep too".write(toFile: otherVictim, atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: directory + "/check.csv", withDestinationPath: victim)
    try FileManager.default.createSymbolicLink(
      atPath: directory + "/.check.csv.partial", withDestinationPath: otherVictim)
    try AtomicFile.write(Array("t\n1\n".utf8), to: directory + "/check.csv")
    #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep")
    #expect(try String(contentsOfFile: otherVictim, encoding: .utf8) == "keep too")
    #expect(try String(contentsOfFile: directory + "/check.csv", encoding: .utf8) == "t\n1\n")
    let type = try FileManager.default.attributesOfItem(atPath: directory + "/check.csv")[.type] as? FileAttributeType
    #expect(type == .typeRegular, "the link itself was replaced by the new file")
    #expect(!FileManager.default.fileExists(atPath: directory + "/.check.csv.partial"))
  }

  /// The streamed CSV writer refuses a symbolic link at its path (O_NOFOLLOW) and names it.
  @Test func csvWriterRefusesASymbolicLink() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gradflow-nofollow-\(UUID())").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let victim = directory + "/victim.txt"
    try "keep".write(toFile: victim, atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: directory + "/trajectory.csv", withDestinationPath: victim)
    #expect(throws: OutputError.self) { try CSVWriter(path: directory + "/trajectory.csv", header: ["t"]) }
    #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep")
  }
}
