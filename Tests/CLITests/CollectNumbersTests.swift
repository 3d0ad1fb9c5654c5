import Foundation
import Testing

/// runs.csv carries run.json's numbers digit for digit: collect reads run.json as a typed `RunRecord`
/// (Doubles decoded exactly), where re-parsing it with JSONSerialization turned 17-digit numbers into
/// `NSDecimalNumber` whose `doubleValue` could differ in the last digit.
@Suite struct CollectNumbersTests {
  @Test func finalCellsAreRunJSONsNumbers() throws {
    let dir = try temporaryDirectory()
    let run = try gradflow([
      "simulate", "--generator", "xor", "--n", "8", "--widths", "4", "--t-end", "20", "--saves", "3", "--seed", "1",
      "--quiet", "--out", dir.path + "/runs/a",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let collect = try gradflow(["collect", dir.path + "/runs", "--quiet"])
    #expect(collect.status == 0, "\(collect.stderr)")
    let lines = try String(contentsOfFile: dir.path + "/runs/runs.csv", encoding: .utf8).split(separator: "\n")
    let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let row = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let runJSON = try String(contentsOfFile: dir.path + "/runs/a/run.json", encoding: .utf8)
    var compared = 0
    for (name, cell) in zip(header, row) where name.hasPrefix("final_") && !cell.isEmpty {
      // The number as run.json writes it, in the `final` section ("name" : text).
      #expect(
        runJSON.contains("\"\(name.dropFirst(6))\" : \(cell),")
          || runJSON.contains("\"\(name.dropFirst(6))\" : \(cell)\n"),
        "\(name) = \(cell) is not run.json's text")
      compared += 1
    }
    #expect(compared >= 10)
  }
}
