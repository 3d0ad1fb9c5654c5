import Foundation
import Numerics
import Testing

@testable import GradientFlow

/// Saves log-spaced in the clock's own variable (``SaveSpacing``), never twice at the end.
@Suite struct SaveSpacingTests {
  private func config(clock: Clock, logTEnd: Double, saves: Int = 50) -> RunConfig {
    var c = RunConfig()
    c.clock = clock
    c.logTEnd = logTEnd
    c.saves = saves
    return c
  }

  @Test func logTimeClockSavesAreLogSpacedInItsVariable() {
    let c = config(clock: .logT, logTEnd: 200)
    let logTimes = c.saveLogTimes
    #expect(logTimes.count == 50)
    #expect(logTimes.last == 200)  // the end exactly: the final state is one row
    #expect(zip(logTimes, logTimes.dropFirst()).allSatisfy { $0 < $1 })
    // u = t (t ≤ 1), 1 + log t: consecutive ratios of u are one constant, (u_end/u_0)^(1/49).
    let u = logTimes.map { $0 <= 0 ? Foundation.exp($0) : 1 + $0 }
    let ratio = Foundation.pow(201 / 0.01, 1 / 49.0)
    for (a, b) in zip(u, u.dropFirst()) {
      // exp/log round trips: a few ulps.
      #expect((b / a).isApproximatelyEqual(to: ratio, relativeTolerance: 1e-12))
    }
    // The issue's complaint: evenly in log t, log t ∈ [1, 10] got two saves; in u it gets eight.
    #expect(logTimes.filter { $0 >= 1 && $0 <= 10 }.count == 8)
    var legacy = c
    legacy.saveSpacing = .logT
    #expect(legacy.saveLogTimes.filter { $0 >= 1 && $0 <= 10 }.count == 2)
  }

  @Test func tClockSavesAreUnchanged() {
    var c = RunConfig()
    c.tEnd = 1e4
    var legacy = c
    legacy.saveSpacing = .logT
    #expect(c.saveTimes == legacy.saveTimes)
    #expect(c.saveTimes.last == 1e4)
  }

  @Test func theLastSaveIsTheEndExactlyWhateverTheRounding() {
    // a + (b − a)·1 is not always b: the old placement then saved the end twice
    // (log t 199.99999999999997 and 200).
    for end in stride(from: 10.0, through: 400, by: 0.37) {
      for clock in [Clock.t, .logT, .auto] {
        #expect(config(clock: clock, logTEnd: end).saveLogTimes.last == end, "\(clock) \(end)")
      }
    }
  }

  @Test func runJSONWithoutTheKeyKeepsTheOldPlacement() throws {
    let text = #"{"config": {"clock": "log-t", "log_t_end": 200, "saves": 50}}"#
    let old = try RunConfig.decode(Data(text.utf8), source: "run.json")
    #expect(old.saveSpacing == .logT)
    let a = Foundation.log(old.resolvedSaveFrom)
    #expect(old.saveLogTimes == (0..<50).map { a + (200 - a) * Double($0) / 49 })
    let fresh = try RunConfig.decode(Data(#"{"clock": "log-t", "log_t_end": 200}"#.utf8), source: "c.json")
    #expect(fresh.saveSpacing == .clock)
  }

  @Test func aLogTimeRunWritesEachSaveOnce() throws {
    var c = config(clock: .logT, logTEnd: 60, saves: 12)
    c.n = 12
    c.widths = [4]
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saves-\(UUID().uuidString)").path
    let simulation = Run(setup: try RunSetup(config: c), outputDirectory: directory)
    let result = try simulation.run(force: true)
    #expect(result.termination.isSuccess, "\(result.terminationMessage)")
    let rows = try String(contentsOfFile: directory + "/trajectory.csv", encoding: .utf8).split(separator: "\n")
      .dropFirst().map { Double($0.split(separator: ",")[1])! }
    #expect(rows.last == 60)
    #expect(Set(rows).count == rows.count, "\(rows)")
    // t = 0, the 12 saves and the t-phase's last state at t = 1 (log t = 0, the clock switch).
    #expect(rows.count == 14, "\(rows)")
  }
}
