import Foundation
import Numerics
import Testing

@testable import GradientFlow

/// Whole runs in the log-t, ρ and auto clocks (THEORY §7.3, issue "asymptotic regime").
@Suite struct RunClockTests {
  private func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("gf-clock-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// THEORY R1 from w(0) = (0.3, −0.2): the generator plus an initial-weights file written into `dir`.
  private func r1Config(in dir: String) throws -> RunConfig {
    let initPath = dir + "/init.json"
    try "{\"arch\": [2, 1], \"layers\": [[[0.3, -0.2]]]}".write(toFile: initPath, atomically: true, encoding: .utf8)
    var config = RunConfig()
    config.generator = .r1
    config.initialWeights = initPath
    return config
  }

  private func rows(_ path: String) throws -> (header: [String], rows: [[String]]) {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    let header = lines[0].split(separator: ",").map(String.init)
    return (
      header, lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    )
  }

  @Test(arguments: [Clock.logT, .rho, .auto])
  func r1DirectionErrorAtLogT1e4(clock: Clock) throws {
    let dir = try temporaryDirectory()
    var config = try r1Config(in: dir)
    config.clock = clock
    config.logTEnd = 1e4
    config.rtol = 1e-12
    config.atol = 1e-14
    config.maxSteps = 5_000_000
    let result = try Run(setup: RunSetup(config: config), outputDirectory: dir + "/out").run()
    #expect(result.termination.isSuccess, "\(result.terminationMessage)")
    #expect(result.finalLogT.isApproximatelyEqual(to: 1e4, relativeTolerance: 1e-9))
    let w = result.finalWeights
    let norm = hypot(w[0], w[1])
    let error = hypot(w[0] / norm - 1 / 1.25.squareRoot(), w[1] / norm - 0.5 / 1.25.squareRoot())
    // THEORY R1 reference (50-digit arithmetic), 4 significant digits as issue 6 asks.
    #expect(error.isApproximatelyEqual(to: 5.545024e-5, relativeTolerance: 1e-4), "\(clock): \(error)")
    // ‖w‖ − ‖ŵ‖ log t → 0.310002.
    #expect(abs(norm - 1.25.squareRoot() * result.finalLogT - 0.310002) <= 5e-6, "\(clock)")
    // Past log t ≈ 709.78, t is not representable: the t cell is empty and log_t carries the time.
    let (header, table) = try rows(dir + "/out/trajectory.csv")
    #expect(header.prefix(2) == ["t", "log_t"])
    let last = try #require(table.last)
    #expect(last[0] == "")
    #expect(Double(last[1]) == result.finalLogT)
  }

  @Test func reluNetReachesLogT1e4WithoutUnderflowAndRhoFollowsLogTOverGamma() throws {
    let dir = try temporaryDirectory()
    var config = RunConfig()
    config.generator = .blobs
    config.n = 40
    config.widths = [8]
    config.clock = .auto
    config.logTEnd = 1e4
    config.saves = 30
    let result = try Run(setup: RunSetup(config: config), outputDirectory: dir).run()
    #expect(result.termination.isSuccess, "\(result.terminationMessage)")
    // auto: t on [0, 1], t until L < 1 if needed, then log t; every phase recorded.
    #expect(result.phases.first?.clock == .t)
    #expect(result.phases.last?.clock == .logT)
    let (header, table) = try rows(dir + "/trajectory.csv")
    let column = { (name: String) in header.firstIndex(of: name)! }
    var previousRho = 0.0
    for row in table {
      for (i, cell) in row.enumerated() where i > 1 && !cell.isEmpty {
        #expect(Double(cell)?.isNaN == false, "\(header[i]) = \(cell)")
      }
      let rho = Double(row[column("rho")])!
      #expect(rho >= previousRho)  // ρ grows without bound once separated (THEORY P4)
      previousRho = rho
    }
    let logLoss = try #require(result.final["log_loss"])
    #expect(logLoss.isFinite && logLoss < -9_000)  // L ≈ e^{−1e4}: underflows as a number, not in log space
    let margin = try #require(result.final["margin"])
    let rho = try #require(result.final["rho"])
    // THEORY P4: ρ γ̄ = log(1/L) + O(log N) = log t + O(log log t), so ρ γ̄ / log t → 1; at log t = 1e4 the
    // correction (2 − 2/K) log log t / log t ≈ 1e-3 plus log N/log t ≈ 4e-4.
    #expect((rho * margin / result.finalLogT).isApproximatelyEqual(to: 1, relativeTolerance: 5e-3))
  }
}

extension RunClockTests {
  @Test(arguments: [Clock.logT, .rho])
  func stopAtKKTEndsTheRunWhereTheCertificateHolds(clock: Clock) throws {
    let dir = try temporaryDirectory()
    var config = try r1Config(in: dir)
    config.clock = clock
    config.logTEnd = 1e4
    config.saves = 200
    config.stopAtKkt = 1e-2
    let setup = try RunSetup(config: config)
    let result = try Run(setup: setup, outputDirectory: dir + "/out").run()
    guard case .stopCondition(let name, _) = result.termination else {
      Issue.record("expected the KKT stop, got \(result.terminationMessage)")
      return
    }
    #expect(name == "kkt<=0.01")
    // From (0.3, −0.2) both R1 samples are support vectors early: δ_rel and |Λ-ratio − 1| are 7e-4 at
    // t ≈ 0.23 (gradflow check on this run), the first save where the certificate holds now that saves are
    // log-spaced in the log-t clock's own variable (with saves evenly in log t the first save past t = 1
    // was at log t ≈ 45). The stop is at a save after the first one and long before the end at 1e4.
    #expect(result.finalLogT > Foundation.log(1e-2) && result.finalLogT < 500, "\(result.finalLogT)")
    let certificate = try KKTCertificate(
      architecture: setup.architecture, dataset: setup.dataset, theta: result.finalWeights)
    #expect(certificate.isWithinTolerance)
  }
}
