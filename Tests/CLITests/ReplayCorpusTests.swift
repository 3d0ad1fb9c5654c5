import Foundation
import Testing

/// Stored runs (ReplayCorpus/, written by scripts/make-replay-corpus.sh with an earlier build): one per
/// dynamics, clock, kink policy and gradient descent. Each run.json is a config that records the policy it
/// ran with, so the current build must reproduce its CSVs and final weights byte for byte. This is the
/// contract that lets a run.json written today be replayed after any later change of defaults or layout.
///
/// Byte for byte holds for one OpenBLAS kernel set: OpenBLAS picks its kernels by CPU at load time, and
/// kernels differ in summation order (an AMD EPYC's Zen kernels change the corpus's last digits from the
/// t = 0 row on, e.g. `alignment` −0.08727028047510015 → −0.0872702804751001). The corpus was recorded with
/// one kernel set; a case's `blas-<family>/` folder holds the files that another set reproduces differently
/// (written by the same build that reproduced the recorded files, replaying the same run.json). Families:
/// ``ReplayCorpusTests/kernelFamily``.
@Suite("Replay corpus: stored run.json files replay bit for bit")
struct ReplayCorpusTests {
  static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("ReplayCorpus")

  static var cases: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []
    return names.filter { name in
      FileManager.default.fileExists(atPath: corpus.appendingPathComponent(name + "/run.json").path)
    }.sorted()
  }

  @Test func corpusCoversEveryDynamicsClockPolicyAndGradientDescent() throws {
    // The corpus itself must not shrink unnoticed: these are the cases issue #16 asks for.
    let expected: Set = [
      "corrected-2layer", "corrected-3layer", "filippov-3layer", "off-max", "leaky-logistic", "lagrange",
      "weightnorm", "log-t", "rho", "auto", "linear", "gd", "csv-data",
    ]
    #expect(expected.isSubset(of: Set(Self.cases)), "\(Self.cases)")
  }

  @Test(arguments: cases)
  func replays(name: String) throws {
    let stored = Self.corpus.appendingPathComponent(name)
    let out = try temporaryDirectory().appendingPathComponent(name)
    let run = try gradflow([
      "simulate", "--config", stored.appendingPathComponent("run.json").path, "--out", out.path, "--quiet",
    ])
    #expect(run.status == 0, "\(name): \(run.stderr)")
    let alternates = Self.kernelFamily.map { stored.appendingPathComponent("blas-" + $0) }
    for file in ["trajectory.csv", "weights.csv", "final_weights.json", "initial_weights.json"] {
      guard FileManager.default.fileExists(atPath: stored.appendingPathComponent(file).path) else { continue }
      var original = stored.appendingPathComponent(file)
      if let alternate = alternates?.appendingPathComponent(file),
        FileManager.default.fileExists(atPath: alternate.path)
      {
        original = alternate
      }
      let replayed = try Data(contentsOf: out.appendingPathComponent(file))
      if file == "weights.csv" {
        // weights.csv gained `save` and `log_t` columns: the stored file's columns must be reproduced exactly.
        #expect(
          try Self.columns(of: original, as: replayed)
            == String(decoding: try Data(contentsOf: original), as: UTF8.self),
          "\(name)/\(file) differs from the stored run")
        continue
      }
      #expect(replayed == (try Data(contentsOf: original)), "\(name)/\(file) differs from the stored run")
    }
  }

  /// The OpenBLAS kernel family of this machine, when the corpus has files for it: OpenBLAS names its core
  /// when `OPENBLAS_VERBOSE=2` ("Core: Zen"). Haswell and Zen share their double-precision kernels in the
  /// OpenBLAS 0.3.21 that Debian ships (forcing `OPENBLAS_CORETYPE=Haswell` on a Zen machine reproduced every
  /// corpus file byte for byte), so both are `avx2`. Any other core replays against the recorded files.
  static let kernelFamily: String? = {
    guard let run = try? gradflow(["--version"], environment: ["OPENBLAS_VERBOSE": "2"]) else { return nil }
    let lines = (run.stdout + "\n" + run.stderr).split(separator: "\n")
    guard let core = lines.first(where: { $0.hasPrefix("Core: ") })?.dropFirst("Core: ".count) else { return nil }
    return ["Haswell", "Zen"].contains(String(core)) ? "avx2" : nil
  }()

  /// The replayed CSV cut down to the stored file's columns (by header name), as text.
  static func columns(of stored: URL, as replayed: Data) throws -> String {
    let storedHeader = try String(contentsOf: stored, encoding: .utf8).prefix { $0 != "\n" }.split(separator: ",")
    let lines = String(decoding: replayed, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let header = lines[0].split(separator: ",")
    let picks = storedHeader.compactMap { header.firstIndex(of: $0) }
    return lines.map { line in
      line.isEmpty
        ? ""
        : picks.map { String(line.split(separator: ",", omittingEmptySubsequences: false)[$0]) }
          .joined(separator: ",")
    }.joined(separator: "\n")
  }
}
