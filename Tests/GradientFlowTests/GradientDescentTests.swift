import Foundation
import Numerics
import Testing

@testable import GradientFlow

/// Gradient descent is explicit Euler on the flow: at equal t = kη its distance to the flow is O(η).
@Suite struct GradientDescentTests {
  private func finalWeights(_ configure: (inout SimulationConfig) -> Void) throws -> [Double] {
    var config = SimulationConfig()
    config.generator = "blobs"
    config.n = 20
    config.widths = []  // linear model: smooth, so the O(η) law is clean
    config.tEnd = 10
    config.saves = 5
    configure(&config)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-gd-\(UUID().uuidString)").path
    let result = try Simulation(setup: SimulationSetup(config: config), outputDirectory: dir).run()
    #expect(result.termination.isSuccess, "\(result.terminationMessage)")
    return result.finalWeights
  }

  @Test func gradientDescentConvergesToTheFlowAtFirstOrder() throws {
    let flow = try finalWeights {
      $0.rtol = 1e-12
      $0.atol = 1e-14
    }
    let errors = try [0.04, 0.02, 0.01].map { eta in
      let gd = try finalWeights { $0.gdStep = eta }
      return zip(gd, flow).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
    // Euler's global error is C η + O(η²): halving η halves the error (ratio 2 within 20%).
    #expect(errors[0] / errors[1] > 1.6 && errors[0] / errors[1] < 2.4, "\(errors)")
    #expect(errors[1] / errors[2] > 1.6 && errors[1] / errors[2] < 2.4, "\(errors)")
  }
}
