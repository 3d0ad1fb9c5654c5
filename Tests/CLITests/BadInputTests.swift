import Foundation
import Testing

/// Malformed datasets end with exit code 64 and a one-line error naming file, line and column.
@Suite struct BadInputTests {
  static let cases: [(name: String, csv: String, phrase: String)] = [
    ("ragged", "x1,x2,y\n1,2,1\n3,-1\n", ":3"),
    ("label3", "x1,x2,y\n1,2,1\n3,1,-1\n0.5,0.5,3\n", "3 distinct"),
    ("nan", "x1,x2,y\n1,2,1\n3,NaN,-1\n", ":3"),
    ("text", "x1,x2,y\n1,abc,1\n3,1,-1\n", "x2"),
    ("empty", "", "empty"),
  ]

  @Test(arguments: 0..<cases.count)
  func malformedCSVIsRejected(index: Int) throws {
    let item = Self.cases[index]
    let dir = try temporaryDirectory()
    let path = try writeFile("\(item.name).csv", item.csv, in: dir)
    let result = try gradflow(["simulate", "--data", path, "--out", dir.appendingPathComponent("out").path])
    #expect(result.status == 64, "\(item.name): \(result.stderr)")
    #expect(result.stderr.contains(item.phrase), "\(item.name): \(result.stderr)")
    #expect(result.stderr.contains("\(item.name).csv"), "\(item.name): the message names the file")
    #expect(result.stderr.split(separator: "\n").count == 1, "\(item.name): one line")
  }

  @Test func badWidthsAreRejected() throws {
    let result = try gradflow(["simulate", "--widths", "0"])
    #expect(result.status == 64)
    #expect(result.stderr.contains("positive"))
  }

  @Test func unknownConfigKeyIsNamed() throws {
    let dir = try temporaryDirectory()
    let path = try writeFile("c.json", "{\"t_end\": 10, \"tend\": 5}", in: dir)
    let result = try gradflow(["simulate", "--config", path])
    #expect(result.status == 64)
    #expect(result.stderr.contains("\"tend\""))
  }
}
