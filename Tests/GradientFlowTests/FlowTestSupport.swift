import Foundation
import ODE

@testable import GradientFlow

/// Integrates the unconstrained flow and returns the saved (t, θ) pairs.
func integrateFlow(
  architecture: Architecture, inputs: [Double], labels: [Double], theta0: [Double], loss: Loss = .exponential,
  tEnd: Double, saves: Int = 40, rtol: Double = 1e-10, atol: Double = 1e-12, stepper: Stepper = .rkf45
) throws -> ODESolution {
  let network = try NetworkEvaluator(architecture: architecture, inputs: inputs, labels: labels)
  let flow = UnconstrainedFlow(network: network, loss: loss)
  var options = SolverOptions()
  options.stepper = stepper
  options.tolerances = Tolerances(relative: rtol, absolute: atol)
  options.saveSchedule = .logSpaced(count: saves, from: min(1e-2, tEnd / 100), to: tEnd)
  return try ODESolver(system: FlowSystem(dynamics: flow), options: options).solve(
    from: 0, to: tEnd, initialState: theta0)
}

/// ‖W_k‖² for each layer of θ.
func layerSquaredNorms(_ theta: [Double], _ architecture: Architecture) -> [Double] {
  (1...architecture.depth).map { k in
    let offset = architecture.offset(ofLayer: k)
    return theta[offset..<(offset + architecture.size(ofLayer: k))].reduce(0) { $0 + $1 * $1 }
  }
}

/// THEORY R1 data: z_1 = (1, 0), z_2 = (0, 2) as labelled points x_1 = (1, 0), y = +1; x_2 = (0, −2), y = −1.
let r1Inputs: [Double] = [1, 0, 0, -2]
let r1Labels: [Double] = [1, -1]

/// A file or folder of this repository, by its path from the repository's root (e.g. "benchmarks/zoo").
func repositoryPath(_ path: String) -> String {
  URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../\(path)").standardized
    .path
}

/// Runs `config` with its outputs in a fresh temporary folder, removed afterwards.
func runWithTemporaryOutputs(_ config: RunConfig) throws -> RunResult {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gf-run-\(UUID().uuidString)").path
  defer { try? FileManager.default.removeItem(atPath: dir) }
  return try Run(setup: RunSetup(config: config), outputDirectory: dir).run()
}
