import Foundation
import Numerics
import Testing

@testable import GradientFlow

/// Conservation laws and monotone quantities of THEORY §2.3 and §6 (P1, P5).
@Suite struct InvariantTests {
  /// W_{k+1}ᵀW_{k+1} − W_k W_kᵀ (d_k × d_k) for a deep linear net: conserved by the exact flow.
  private func linearInvariant(_ theta: [Double], _ architecture: Architecture, layer k: Int) -> [Double] {
    let (rows, columns) = architecture.shape(ofLayer: k)  // W_k: d_k × d_{k−1}
    let (nextRows, _) = architecture.shape(ofLayer: k + 1)  // W_{k+1}: d_{k+1} × d_k
    let w = architecture.offset(ofLayer: k)
    let v = architecture.offset(ofLayer: k + 1)
    var result = [Double](repeating: 0, count: rows * rows)
    for i in 0..<rows {
      for j in 0..<rows {
        var upper = 0.0
        for r in 0..<nextRows { upper += theta[v + r * rows + i] * theta[v + r * rows + j] }
        var lower = 0.0
        for c in 0..<columns { lower += theta[w + i * columns + c] * theta[w + j * columns + c] }
        result[i * rows + j] = upper - lower
      }
    }
    return result
  }

  @Test(arguments: [[3], [3, 2]])
  func deepLinearNetsConserveTheirLayerInvariants(widths: [Int]) throws {
    let architecture = try Architecture(inputDimension: 2, hiddenWidths: widths, activation: .identity)
    let theta0 = InitialWeights.gaussian(architecture: architecture, scale: 0.8, seed: 3)
    let solution = try integrateFlow(
      architecture: architecture, inputs: r1Inputs, labels: r1Labels, theta0: theta0, tEnd: 1e3)
    let last = try #require(solution.states.last)
    let scale = layerSquaredNorms(last, architecture).max()!
    for k in 1..<architecture.depth {
      let before = linearInvariant(theta0, architecture, layer: k)
      let after = linearInvariant(last, architecture, layer: k)
      for (x, y) in zip(before, after) {
        // THEORY R7: drift O(rtol × steps) relative to the growing ρ_k² (T6: 3e-12 at rtol 1e-10).
        #expect(abs(x - y) <= 1e-7 * scale, "layer \(k)")
      }
    }
    // The end-to-end predictor separates R1 and the loss went down by orders of magnitude.
    #expect(solution.termination.isSuccess)
  }

  @Test func reluNetConservesLayerAndNeuronBalance() throws {
    let data = try ToyDataset.blobs.generate(count: 30, seed: 5)
    let architecture = try Architecture(inputDimension: 2, hiddenWidths: [8])
    let theta0 = InitialWeights.gaussian(architecture: architecture, scale: 1, seed: 11)
    let solution = try integrateFlow(
      architecture: architecture, inputs: data.inputs, labels: data.labels, theta0: theta0, tEnd: 1e3)
    let last = try #require(solution.states.last)
    let before = layerSquaredNorms(theta0, architecture)
    let after = layerSquaredNorms(last, architecture)
    // THEORY P5: ρ_1² − ρ_2² is constant; explicit RK drifts by O(rtol × steps) relative to ρ_k².
    #expect(abs((after[0] - after[1]) - (before[0] - before[1])) <= 1e-6 * after.max()!)
    // Per neuron (H5): ‖W_1[i,:]‖² − W_2[0,i]² is constant.
    let outputOffset = architecture.offset(ofLayer: 2)
    for i in 0..<8 {
      func neuron(_ theta: [Double]) -> Double {
        let row = theta[(2 * i)..<(2 * i + 2)].reduce(0) { $0 + $1 * $1 }
        return row - theta[outputOffset + i] * theta[outputOffset + i]
      }
      #expect(abs(neuron(last) - neuron(theta0)) <= 1e-6 * after.max()!, "neuron \(i)")
    }
  }

  @Test func lossDecreasesAndSmoothedMarginIncreasesAfterLossBelowOne() throws {
    let data = try ToyDataset.blobs.generate(count: 30, seed: 2)
    let architecture = try Architecture(inputDimension: 2, hiddenWidths: [8])
    let theta0 = InitialWeights.gaussian(architecture: architecture, scale: 1, seed: 4)
    let solution = try integrateFlow(
      architecture: architecture, inputs: data.inputs, labels: data.labels, theta0: theta0, tEnd: 1e4,
      saves: 80)
    let network = try NetworkEvaluator(architecture: architecture, inputs: data.inputs, labels: data.labels)
    let observables = Observables(network: network, loss: .exponential, initialWeights: theta0)
    var previousLogLoss = Double.infinity
    var previousSmoothed = -Double.infinity
    var sawLossBelowOne = false
    for (t, theta) in zip(solution.times, solution.states) {
      observables.compute(t: t, theta: theta, patternChanges: 0)
      let logLoss = observables.value("log_loss")!
      let smoothed = observables.value("smoothed_margin")!
      // Gradient flow: dL/dt = −‖∇L‖² ≤ 0; slack for integration error (rtol 1e-10).
      #expect(logLoss <= previousLogLoss + 1e-9 * abs(logLoss), "t = \(t)")
      if sawLossBelowOne {
        // THEORY P1: log(1/L)/ρ is non-decreasing once L < 1.
        #expect(smoothed >= previousSmoothed - 1e-9, "t = \(t)")
      }
      if logLoss < 0 { sawLossBelowOne = true }
      previousLogLoss = logLoss
      previousSmoothed = smoothed
    }
    #expect(sawLossBelowOne)
  }
}
