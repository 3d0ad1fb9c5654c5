import Foundation
import Testing

/// `gradflow check`: verdicts, exit codes, the JSON report and check.csv.
@Suite struct CheckCommandTests {
  private let xorCSV = "x1,x2,y\n1,1,1\n-1,-1,1\n1,-1,-1\n-1,1,-1\n"
  private let r1CSV = "x1,x2,y\n1,0,1\n0,-2,-1\n"
  /// Overlapping blobs plus x and 2x with opposite labels: no bias-free network separates them
  /// (f(2x) = 2 f(x) for every homogeneous net).
  private let overlapCSV =
    "x1,x2,y\n1,0.5,1\n2,1,-1\n0.9,0.2,1\n1.2,0.4,-1\n-1,-0.3,1\n-0.8,-0.5,-1\n0.1,1,1\n0.2,1.1,-1\n"

  /// The R5 optimum w_j = x_j/(2√2), a_j = y_j/2 in the weights.json layout.
  private var xorOptimumJSON: String {
    let s = 2 * 2.0.squareRoot()
    let rows = [[1.0, 1], [-1, -1], [1, -1], [-1, 1]].map { "[\($0[0] / s), \($0[1] / s)]" }
    return "{\"arch\": [2, 4, 1], \"layers\": [[\(rows.joined(separator: ", "))], [[0.5, 0.5, -0.5, -0.5]]]}"
  }

  private func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  @Test func helpDocumentsVerdictsAndExitCodes() throws {
    let result = try gradflow(["check", "--help"])
    #expect(result.status == 0)
    for phrase in [
      "kkt", "converging", "not-converged", "kink-ambiguous", "not-separable", "--at", "every:K", "--tol",
      "--json", "--weights", "--bias-feature",
    ] {
      #expect(result.stdout.contains(phrase), "help lacks \(phrase)")
    }
    let root = try gradflow(["--help"])
    #expect(root.stdout.contains("check"))
  }

  @Test func handMadeXOROptimumIsKKT() throws {
    let dir = try temporaryDirectory()
    let data = try writeFile("xor.csv", xorCSV, in: dir)
    let weights = try writeFile("w.json", xorOptimumJSON, in: dir)
    let result = try gradflow(["check", "--data", data, "--weights", weights, "--json"])
    #expect(result.status == 0, "\(result.stderr)")
    let report = try json(result.stdout)
    #expect(report["verdict"] as? String == "kkt")
    // Issue requirement for the R5 optimum with the Clarke-aware check.
    #expect((report["eps_rel"] as? Double ?? 1) <= 1e-6)
    #expect(abs((report["gamma_product"] as? Double ?? 0) - 2.0.squareRoot() / 4) <= 1e-14)
    #expect(abs((report["gamma_lyu_li"] as? Double ?? 0) - 2.0.squareRoot() / 8) <= 1e-14)
    #expect(abs((report["lambda_ratio"] as? Double ?? 0) - 1) <= 1e-12)
    #expect(report["support"] as? [Int] == [0, 1, 2, 3])
    #expect((report["claim"] as? String)?.contains("problem R5 of docs/theory.md") == true)
    // The human table says the same.
    let table = try gradflow(["check", "--data", data, "--weights", weights])
    #expect(table.status == 0)
    #expect(table.stdout.contains("verdict: kkt"))
  }

  @Test func rescaleAsIsAndFlowMultipliersAreReported() throws {
    // THEORY §5.5 items 2 and 7 in the JSON: at the balanced R5 optimum the as-is rescaling agrees, and
    // the flow multipliers (uniform over the four equal margins) certify it too.
    let dir = try temporaryDirectory()
    let data = try writeFile("xor.csv", xorCSV, in: dir)
    let weights = try writeFile("w.json", xorOptimumJSON, in: dir)
    let result = try gradflow(["check", "--data", data, "--weights", weights, "--json", "--rescale", "as-is"])
    #expect(result.status == 0, "\(result.stderr)")
    let report = try json(result.stdout)
    #expect(report["rescale"] as? String == "as-is")
    #expect((report["eps_rel"] as? Double ?? 1) <= 1e-6)
    let flow = try #require(report["flow_multipliers"] as? [String: Any])
    #expect((flow["eps_rel"] as? Double ?? 1) <= 1e-12)
    let bad = try gradflow(["check", "--data", data, "--weights", weights, "--rescale", "lopsided"])
    #expect(bad.status == 64)
    // --rescale is an enum: ArgumentParser names the flag and lists the choices.
    #expect(
      bad.stderr.contains("'lopsided' is invalid for '--rescale") && bad.stderr.contains("'balanced' and 'as-is'"))
  }

  @Test func r1SVMIsKKTWithItsDirection() throws {
    let dir = try temporaryDirectory()
    let data = try writeFile("r1.csv", r1CSV, in: dir)
    // ŵ = (1, ½) at scale 3 (the checker is scale-free).
    let weights = try writeFile("w.json", "{\"arch\": [2, 1], \"layers\": [[[3, 1.5]]]}", in: dir)
    let result = try gradflow(["check", "--data", data, "--weights", weights, "--json"])
    #expect(result.status == 0, "\(result.stderr)")
    let report = try json(result.stdout)
    #expect(report["verdict"] as? String == "kkt")
    let svm = try #require(report["svm_direction"] as? [Double])
    let direction = try #require(report["direction"] as? [Double])
    // ŵ = (1, ½): unit direction (2, 1)/√5; shortest round-trip JSON numbers.
    #expect(abs(svm[0] - 2 / 5.0.squareRoot()) <= 1e-15 && abs(svm[1] - 1 / 5.0.squareRoot()) <= 1e-15)
    #expect(zip(svm, direction).allSatisfy { abs($0 - $1) <= 1e-15 })
    #expect(abs((report["svm_margin"] as? Double ?? 0) - 2 / 5.0.squareRoot()) <= 1e-15)
    #expect((report["svm_angle"] as? Double ?? 1) <= 1e-15)
    #expect(report["svm_support"] as? [Int] == [0, 1])
    #expect((report["claim"] as? String)?.contains("global max margin") == true)
  }

  /// A run past log t = 709.78 has no t (an empty trajectory cell): the report's `t` is null, not "nan".
  @Test func aRunPastTheLargestDoubleTimeReportsNoT() throws {
    let dir = try temporaryDirectory()
    let data = try writeFile("r1.csv", r1CSV, in: dir)
    let run = dir.appendingPathComponent("run").path
    let simulate = try gradflow([
      "simulate", "--data", data, "--widths", "", "--clock", "log-t", "--log-t-end", "1000", "--out", run, "--quiet",
    ])
    #expect(simulate.status == 0, "\(simulate.stderr)")
    let result = try gradflow(["check", run, "--json"])
    let report = try json(result.stdout)
    #expect(report["t"] is NSNull, "t: \(String(describing: report["t"]))")
    #expect(report["log_t"] as? Double == 1000)
  }

  @Test func earlyStoppedRunIsNotKKT() throws {
    let dir = try temporaryDirectory()
    let run = dir.appendingPathComponent("r1").path
    let simulate = try gradflow([
      "simulate", "--generator", "r1", "--depth", "1", "--t-end", "100", "--saves", "10", "--save-weights",
      "--out", run, "--quiet",
    ])
    #expect(simulate.status == 0, "\(simulate.stderr)")
    let all = try gradflow(["check", run, "--at", "all", "--json"])
    let report = try json(all.stdout)
    #expect(report["verdict"] as? String == "converging")
    // A completed analysis exits 0 whatever the verdict; the JSON's exit_code is the process's.
    #expect(all.status == 0, "\(all.stderr)")
    #expect(report["exit_code"] as? Int == 0)
    #expect(report["certificate_trend"] as? String == "down")
    // check.csv: a header and one row per saved time (t = 0 plus 10 saves).
    let csv = try String(contentsOfFile: run + "/check.csv", encoding: .utf8).split(separator: "\n")
    #expect(csv.first?.hasPrefix("t,log_t,gamma_product,gamma_lyu_li,eps_rel") == true)
    #expect(csv.first?.hasSuffix("svm_angle,margin_gap") == true)
    #expect(csv.count == 12)
    let sidecar = try json(try String(contentsOfFile: run + "/check.json", encoding: .utf8))
    #expect(sidecar["verdict"] as? String == "converging")

    // One verdict rule for one state: the final point alone gets the same verdict as with --at all.
    let last = try gradflow(["check", run])
    #expect(last.status == 0)
    #expect(last.stdout.contains("verdict: converging (exit 0)"))
    // --fail-unless-kkt turns the verdict into the documented exit code, with --at last and --at all alike.
    for at in ["last", "all"] {
      let strict = try gradflow(["check", run, "--at", at, "--fail-unless-kkt", "--json"])
      #expect(strict.status == 2, "--at \(at): \(strict.stderr)")
      #expect(try json(strict.stdout)["exit_code"] as? Int == 2)
    }
    // every:4 checks t-indices 0, 4, 8 and the last one.
    let every = try gradflow(["check", run, "--at", "every:4", "--json"])
    #expect((try json(every.stdout)["points"] as? [Any])?.count == 4)
  }

  @Test func checkRunsInASetEScriptOnAConvergingRun() throws {
    // The issue's check: a `set -e` script simulates a run that is converging (not yet kkt) and checks
    // it with --at last and --at all; only --fail-unless-kkt makes the verdict fail the script.
    let dir = try temporaryDirectory()
    let script = try writeFile(
      "check.sh",
      """
      set -e
      gradflow() { "\(gradflowBinary.path)" "$@"; }
      gradflow simulate --generator r1 --depth 1 --t-end 100 --saves 10 --save-weights --out run --quiet
      gradflow check run > last.txt
      gradflow check run --at all > all.txt
      echo completed
      gradflow check run --fail-unless-kkt > strict.txt
      echo not-reached
      """, in: dir)
    let result = try runProcess(URL(fileURLWithPath: "/bin/bash"), [script], in: dir)
    #expect(result.stdout == "completed\n", "\(result.stderr)")
    #expect(result.status == 2)
    for file in ["last.txt", "all.txt", "strict.txt"] {
      let text = try String(contentsOfFile: dir.appendingPathComponent(file).path, encoding: .utf8)
      #expect(text.contains("verdict: converging"), "\(file): \(text)")
    }
  }

  @Test func nonSeparableDataNeverGetKKT() throws {
    let dir = try temporaryDirectory()
    let data = try writeFile("overlap.csv", overlapCSV, in: dir)
    // A linear flow on them, with all its saved times checked, even with an absurd tolerance.
    let run = dir.appendingPathComponent("lin").path
    let simulate = try gradflow([
      "simulate", "--data", data, "--depth", "1", "--t-end", "1000", "--saves", "8", "--save-weights", "--out", run,
      "--quiet",
    ])
    #expect(simulate.status == 0, "\(simulate.stderr)")
    for tolerance in ["1e-2", "1e6"] {
      let result = try gradflow(["check", run, "--at", "all", "--tol", tolerance, "--json"])
      let report = try json(result.stdout)
      #expect(report["verdict"] as? String == "not-separable")
      #expect(result.status == 0)
      #expect(try gradflow(["check", run, "--tol", tolerance, "--fail-unless-kkt"]).status == 5)
      #expect(report["svm_direction"] is NSNull)
    }
    // A ReLU network's weights on them: not separating either.
    let weights = try writeFile(
      "w.json", "{\"arch\": [2, 3, 1], \"layers\": [[[1.1, 0.2], [-0.3, 1.2], [0.5, -1.3]], [[1.4, -0.7, 0.4]]]}",
      in: dir)
    let relu = try gradflow(["check", "--data", data, "--weights", weights, "--tol", "1e6", "--fail-unless-kkt"])
    #expect(relu.status == 5)
    #expect(relu.stdout.contains("not-separable"))
  }

  /// A comma in the run directory's name (and in the data and init paths) changes nothing: `check` once split
  /// the run's own initial_weights.json path at the comma, as if it were a list of per-layer CSVs.
  @Test(arguments: ["4", "4,4"]) func commasInPathsChangeNothing(widths: String) throws {
    let dir = try temporaryDirectory()
    let commaDir = dir.appendingPathComponent("runs,a")
    try FileManager.default.createDirectory(at: commaDir, withIntermediateDirectories: true)
    let plainData = try writeFile("xor.csv", xorCSV, in: dir)
    let commaData = try writeFile("x,or.csv", xorCSV, in: commaDir)
    var reports: [[String: Any]] = []
    for (data, run) in [
      (plainData, dir.appendingPathComponent("plain").path),
      (commaData, commaDir.appendingPathComponent("w=\(widths),s=0").path),
    ] {
      let simulate = try gradflow([
        "simulate", "--data", data, "--widths", widths, "--init-scale", "0.3", "--t-end", "300", "--saves", "4",
        "--save-weights", "--check-at-end", "--out", run, "--quiet",
      ])
      #expect(simulate.status == 0, "\(simulate.stderr)")
      #expect(FileManager.default.fileExists(atPath: run + "/check.json"))
      let result = try gradflow(["check", run, "--at", "all", "--json"])
      #expect(result.status == 0, "\(result.stderr)")
      let report = try json(result.stdout)
      #expect(report["source"] as? String == URL(fileURLWithPath: run).standardizedFileURL.path)
      reports.append(report)
      // A run started from weights in a file whose name has a comma.
      let again = try gradflow([
        "simulate", "--data", data, "--widths", widths, "--init", run + "/final_weights.json", "--t-end", "10",
        "--saves", "2", "--out", run + ",again", "--quiet",
      ])
      #expect(again.status == 0, "\(again.stderr)")
      #expect(try gradflow(["check", run + ",again"]).status == 0)
    }
    // A missing file whose name has a comma: the message names the whole value, not just its first part.
    let missing = try gradflow(["check", "--data", plainData, "--weights", commaDir.path + "/w,missing.json"])
    #expect(missing.status == 65)
    #expect(missing.stderr.contains("no weights file '\(commaDir.path)/w,missing.json'"), "\(missing.stderr)")
    for key in ["verdict", "eps_rel", "gamma_product", "lambda_ratio"] {
      #expect(
        String(describing: reports[0][key] ?? "none") == String(describing: reports[1][key] ?? "none"),
        "\(key) differs with a comma in the paths")
    }
  }

  @Test func allWithoutSavedWeightsIsAUsageError() throws {
    let dir = try temporaryDirectory()
    let run = dir.appendingPathComponent("plain").path
    let simulate = try gradflow([
      "simulate", "--generator", "r1", "--depth", "1", "--t-end", "10", "--saves", "3", "--out", run, "--quiet",
    ])
    #expect(simulate.status == 0, "\(simulate.stderr)")
    let result = try gradflow(["check", run, "--at", "all"])
    #expect(result.status == 64)
    #expect(result.stderr.contains("weights.csv"))
    #expect(result.stderr.contains("--save-weights"))
  }

  @Test func badInvocationsAreUsageErrors() throws {
    #expect(try gradflow(["check"]).status == 64)
    #expect(try gradflow(["check", "somewhere", "--data", "x.csv", "--weights", "w.json"]).status == 64)
    #expect(try gradflow(["check", "somewhere", "--at", "every:0"]).status == 64)
    #expect(try gradflow(["check", "somewhere", "--tol", "-1"]).status == 64)
    let dir = try temporaryDirectory()
    let missing = try gradflow(["check", dir.path])
    #expect(missing.status == 64)
    #expect(missing.stderr.contains("run.json"))
    // A weights file that does not fit the data is a data error.
    let data = try writeFile("xor.csv", xorCSV, in: dir)
    let weights = try writeFile("w.json", "{\"layers\": [[[1, 0, 0]]]}", in: dir)  // 3 inputs, 2 features
    #expect(try gradflow(["check", "--data", data, "--weights", weights]).status == 65)
  }
}
