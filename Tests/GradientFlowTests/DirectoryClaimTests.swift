import Foundation
import Testing

@testable import GradientFlow

/// The output directory's claim: two runs into one directory, in one process, never both proceed,
/// and a released claim frees the directory.
@Suite struct DirectoryClaimTests {
  private func scratch() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("gradflow-claim-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test func secondClaimOnOneDirectoryIsRefusedUntilTheFirstEnds() throws {
    let root = try scratch()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let out = root + "/new"
    var first: OutputDirectory? = try OutputDirectory(path: out, force: false)
    #expect(first != nil)
    // The directory is empty but claimed: a second run, even with force, must not share it.
    for force in [false, true] {
      #expect(throws: RunError.self) { _ = try OutputDirectory(path: out, force: force) }
      do {
        _ = try OutputDirectory(path: out, force: force)
      } catch {
        #expect(error.description.contains("is in use by a run still going"))
        #expect(error.description.contains("pid \(getpid())"))
        #expect(error.exitCode == 64)
      }
    }
    first = nil
    // Released: the lock file alone does not make the directory "hold a run".
    let again = try OutputDirectory(path: out, force: false)
    #expect(again.path.hasSuffix("/new"))
  }

  @Test func concurrentClaimsOnANewDirectoryLetExactlyOneThrough() async throws {
    let root = try scratch()
    defer { try? FileManager.default.removeItem(atPath: root) }
    for round in 0..<20 {
      let out = root + "/race-\(round)"
      // Each task holds its claim until all have tried, so a winner cannot release it early.
      let outcomes = await withTaskGroup(of: Bool.self) { group in
        let gate = Gate(count: 4)
        for _ in 0..<4 {
          group.addTask {
            let claim = try? OutputDirectory(path: out, force: false)
            await gate.arriveAndWait()
            return claim != nil
          }
        }
        return await group.reduce(into: [Bool]()) { $0.append($1) }
      }
      #expect(outcomes.filter { $0 }.count == 1, "round \(round): \(outcomes)")
    }
  }
}

/// Waits until `count` tasks have arrived.
private actor Gate {
  private let count: Int
  private var arrived = 0
  private var waiting: [CheckedContinuation<Void, Never>] = []
  init(count: Int) { self.count = count }
  func arriveAndWait() async {
    arrived += 1
    if arrived == count {
      for continuation in waiting { continuation.resume() }
      waiting = []
      return
    }
    await withCheckedContinuation { waiting.append($0) }
  }
}
