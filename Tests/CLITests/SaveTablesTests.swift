import Foundation
import Testing

/// margins.csv and weights.csv: a save index and log t on every row, margins that match an independent
/// forward pass of the saved weights, --margins-every, and --check-at-end's check.json.
@Suite struct SaveTablesTests {
  /// Eight points in the plane, labelled by the sign of x1 (a run without long sliding stretches).
  private let dataCSV =
    "x1,x2,y\n1,0.2,1\n-1,-0.1,-1\n0.3,1,1\n-0.2,-1,-1\n0.8,0.9,1\n-0.7,0.6,-1\n0.5,-0.9,1\n-0.6,-0.8,-1\n"

  /// A CSV with a header, as rows of cells.
  private func table(_ path: String) throws -> (header: [String], rows: [[String]]) {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    return (lines[0].split(separator: ",").map(String.init), rows)
  }

  @Test func marginsMatchAnIndependentForwardPassOfEverySavedWeight() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = try writeFile("data.csv", dataCSV, in: dir)
    let out = dir.appendingPathComponent("run").path
    let result = try gradflow([
      "simulate", "--data", data, "--widths", "5,3", "--t-end", "10", "--saves", "6", "--save-weights",
      "--save-margins", "--out", out, "--quiet",
    ])
    try #require(result.status == 0, "\(result.stderr)")
    let margins = try table(out + "/margins.csv")
    let weights = try table(out + "/weights.csv")
    let trajectory = try table(out + "/trajectory.csv")
    #expect(margins.header == ["save", "t", "log_t", "sample", "y", "q", "q_over_rho"])
    #expect(weights.header == ["save", "t", "log_t", "layer", "row", "col", "value"])
    let saves = trajectory.rows.count
    #expect(saves == 7)  // t = 0 and six log-spaced saves
    #expect(margins.rows.count == saves * 8)

    // W_k per save from weights.csv (shapes 5×2, 3×5, 1×3).
    let shapes = [(5, 2), (3, 5), (1, 3)]
    var layers = [[[[Double]]]](
      repeating: shapes.map { [[Double]](repeating: [Double](repeating: .nan, count: $0.1), count: $0.0) },
      count: saves)
    for row in weights.rows {
      let (s, k, i, j) = (Int(row[0])!, Int(row[3])! - 1, Int(row[4])! - 1, Int(row[5])! - 1)
      layers[s][k][i][j] = Double(row[6])!
      #expect(row[2] == trajectory.rows[s][1], "weights.csv log_t of save \(s) is trajectory.csv's")
    }
    let inputs = dataCSV.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
    for save in 0..<saves {
      // The forward pass written out by hand: relu(W1 x), relu(W2 ·), W3 ·.
      func apply(_ w: [[Double]], _ h: [Double], relu: Bool) -> [Double] {
        w.map { row in
          let z = zip(row, h).reduce(0) { $0 + $1.0 * $1.1 }
          return relu ? max(z, 0) : z
        }
      }
      let rho = layers[save].map { $0.joined().reduce(0) { $0 + $1 * $1 }.squareRoot() }.reduce(1, *)
      var smallest = Double.infinity
      for n in 0..<8 {
        let row = margins.rows[save * 8 + n]
        #expect(Int(row[0]) == save && Int(row[3]) == n && row[2] == trajectory.rows[save][1])
        let y = inputs[n][2]
        let f = apply(
          layers[save][2],
          apply(layers[save][1], apply(layers[save][0], Array(inputs[n][0..<2]), relu: true), relu: true), relu: false)[
            0]
        // Sums of a handful of terms in another order: agreement to a few ulps of the largest term.
        #expect(Double(row[4]) == y)
        #expect(abs(Double(row[5])! - y * f) <= 1e-12 * max(1, abs(f)), "save \(save), sample \(n)")
        #expect(abs(Double(row[6])! - y * f / rho) <= 1e-12 * max(1, abs(f / rho)), "save \(save), sample \(n)")
        smallest = min(smallest, Double(row[6])!)
      }
      // min_n q_n/ρ is trajectory.csv's margin (same evaluation, so equal to the last bit).
      let marginColumn = trajectory.header.firstIndex(of: "margin")!
      #expect(smallest == Double(trajectory.rows[save][marginColumn]), "save \(save)")
    }
  }

  @Test func savesPastLogT709StayDistinctInEveryLongOutput() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("run").path
    // Saves at log t ≈ 700, 705, 710, 715, 720: the last three have t = inf.
    let result = try gradflow([
      "simulate", "--n", "6", "--widths", "3", "--clock", "log-t", "--log-t-end", "720", "--saves", "5",
      "--save-from", "1e304", "--save-weights", "--save-margins", "--margins-every", "2", "--out", out, "--quiet",
    ])
    try #require(result.status == 0, "\(result.stderr)")
    for name in ["weights.csv", "margins.csv"] {
      let rows = try table(out + "/" + name).rows
      var logT: [Int: String] = [:]
      for row in rows {
        #expect(logT[Int(row[0])!, default: row[2]] == row[2], "\(name): one log t per save")
        logT[Int(row[0])!] = row[2]
      }
      let past = logT.values.compactMap(Double.init).filter { $0 > 709.79 }
      #expect(Set(past).count == past.count && past.count >= (name == "weights.csv" ? 3 : 1), "\(name): \(logT)")
      #expect(rows.contains { $0[1] == "inf" }, "\(name): t overflows past log t 709.78")
      if name == "margins.csv" { #expect(Set(logT.keys) == [0, 2, 4, 6], "--margins-every 2") }
    }
    // The checker reads the new weights.csv and tells the saves apart by log t.
    let check = try gradflow(["check", out, "--at", "all", "--json"])
    #expect([0, 2, 3].contains(check.status), "\(check.stderr)")
    let report = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
    let points = try #require(report["points"] as? [[String: Any]])
    let logTimes = points.compactMap { $0["log_t"] as? Double }
    // t = 0 (log t = -inf) has no finite log t; the three saves past 709.78 must all be there.
    #expect(Set(logTimes).count == logTimes.count && logTimes.filter { $0 > 709.79 }.count == 3, "\(logTimes)")
  }

  @Test func checkAtEndWritesTheCheckersReport() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("run").path
    let result = try gradflow([
      "simulate", "--n", "10", "--widths", "4", "--t-end", "200", "--check-at-end", "--out", out,
    ])
    try #require(result.status == 0, "\(result.stderr)")
    let written = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/check.json")))
        as? [String: Any])
    #expect(result.stderr.contains("--check-at-end: verdict \(written["verdict"] as? String ?? "?")"))
    // The same run checked by the check command gives the same certificate.
    let check = try gradflow(["check", out, "--json", "--out", dir.appendingPathComponent("again").path])
    let report = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
    for key in ["verdict", "eps_rel", "delta_rel", "lambda_ratio", "gamma_product"] {
      #expect("\(written[key] ?? "none")" == "\(report[key] ?? "none")", "\(key)")
    }
    let run = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/run.json")))
        as? [String: Any])
    #expect((run["config"] as? [String: Any])?["check_at_end"] as? Bool == true)
  }
}
