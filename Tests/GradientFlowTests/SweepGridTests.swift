import Foundation
import Testing

@testable import GradientFlow

/// The grid of `gradflow sweep`: the product of its axes in a fixed numbering, zip groups, directory
/// names, task configs, and errors that name the part at fault.
@Suite struct SweepGridTests {
  private func grid(_ text: String) throws -> SweepGrid {
    try SweepGrid.parse(Data(text.utf8), path: "/grids/g.json")
  }

  @Test func tasksAreTheProductOfTheAxesLastAxisFastest() throws {
    let g = try grid(
      #"{"base": {"t_end": 5}, "axes": {"widths": [[4], [8, 8]], "seed": [0, 1, 2]}, "zip": [{"noise": [0.1, 0.5], "generator": ["blobs", "moons"]}]}"#
    )
    // Axes by name: generator+noise, seed, widths → 2 · 3 · 2 tasks.
    #expect(g.axes.map(\.name) == ["generator+noise", "seed", "widths"])
    #expect(g.count == 12)
    var seen = Set<String>()
    for id in 0..<g.count {
      let texts = g.task(id).parameterTexts
      // Mixed radix: id = 6·zip + 2·seed + widths.
      #expect(texts.map(\.key) == ["generator", "noise", "seed", "widths"])
      #expect(texts[0].text == ["blobs", "moons"][id / 6] && texts[1].text == ["0.1", "0.5"][id / 6])
      #expect(texts[2].text == "\(id / 2 % 3)")
      #expect(texts[3].text == ["[4]", "[8,8]"][id % 2])
      seen.insert(g.task(id).directoryName)
    }
    #expect(seen.count == 12)
    #expect(g.task(7).directoryName == "generator-moons_noise-0.5_seed-0_widths-8x8")
    let config = try g.task(7).config()
    #expect(config.tEnd == 5 && config.widths == [8, 8] && config.seed == 0 && config.generator == .moons)
    #expect(config.noise == 0.5)
  }

  @Test func axisValuesOverrideTheBaseAndPathsAreRelativeToTheGrid() throws {
    let g = try grid(#"{"base": {"seed": 9, "data": "d.csv"}, "axes": {"seed": [1]}}"#)
    let config = try g.task(0).config()
    #expect(config.seed == 1)
    #expect(config.data == "/grids/d.csv")
  }

  @Test func theNumberingDoesNotDependOnHowTheGridIsWritten() throws {
    let a = try grid(#"{"axes": {"seed": [0, 1], "n": [10, 20]}}"#)
    let b = try grid(#"{"axes": {"n": [10, 20], "seed": [0, 1]}}"#)
    #expect(a.canonicalText == b.canonicalText)
    for id in 0..<4 { #expect(a.task(id).directoryName == b.task(id).directoryName) }
  }

  @Test(arguments: [
    (#"{"axes": {"sead": [0, 1]}}"#, "unknown key \"sead\" (did you mean \"seed\"?)"),
    (#"{"axes": {"seed": []}}"#, "axis \"seed\": expected a non-empty list"),
    (#"{"axes": {"seed": 3}}"#, "axis \"seed\": expected a non-empty list"),
    (#"{"zip": [{"seed": [0, 1], "n": [10]}]}"#, "expected non-empty lists of one length"),
    (#"{"axes": {"seed": [0]}, "zip": [{"seed": [1]}]}"#, "\"seed\" is swept twice"),
    (#"{"base": {}}"#, "no axes"),
    (#"{"axes": {"seed": [0]}, "extra": 1}"#, "unknown key \"extra\""),
    (#"[1, 2]"#, "not a JSON object"),
    (#"{"axes": {"n": [1.5]}}"#, "key \"n\": expected an integer"),
  ])
  func badGridsNameThePartAtFault(text: String, message: String) throws {
    do {
      let g = try grid(text)
      for id in 0..<g.count { _ = try g.task(id).config() }
      Issue.record("accepted \(text)")
    } catch {
      let text = String(describing: error)
      #expect(text.contains(message), "\(text)")
      #expect(text.contains("/grids/g.json"))
    }
  }

  @Test func twoTasksWithOneDirectoryNameAreRefused() throws {
    let g = try grid(#"{"axes": {"generator": ["a/b", "a-b"]}}"#)
    #expect(throws: RunError.self) {
      _ = try SweepDirectory(path: NSTemporaryDirectory() + "sweep-\(UUID().uuidString)", grid: g, checkNames: true)
    }
  }
}
