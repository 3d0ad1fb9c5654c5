import Foundation

@testable import GradientFlow

/// THEORY R5: the XOR corners, (1,1), (−1,−1) → +1 and (1,−1), (−1,1) → −1.
let xorInputs: [Double] = [1, 1, -1, -1, 1, -1, -1, 1]
let xorLabels: [Double] = [1, 1, -1, -1]

/// The R5 global optimum at width 4: w_j = x_j/(2√2), a_j = y_j/2 (both layers of unit norm).
/// `tilt` adds tilt·(x_{j'}) to neuron j, where x_{j'} is the first of the two corners orthogonal to x_j,
/// so that the two kinks of neuron j get pre-activations ±2·tilt of opposite signs (a sliding-like point
/// within `tilt` of the optimum).
func xorOptimum(tilt: Double = 0) -> [Double] {
  let orthogonal = [2, 2, 0, 0]  // corner (1,−1) is orthogonal to ±(1,1); corner (1,1) to ±(1,−1)
  var theta: [Double] = []
  for j in 0..<4 {
    let x = [xorInputs[2 * j], xorInputs[2 * j + 1]]
    let o = [xorInputs[2 * orthogonal[j]], xorInputs[2 * orthogonal[j] + 1]]
    for i in 0..<2 { theta.append(x[i] / (2 * 2.0.squareRoot()) + tilt * o[i]) }
  }
  theta += xorLabels.map { $0 / 2 }
  return theta
}

/// A 2 → 4 → 1 ReLU architecture.
func xorArchitecture(width: Int = 4) throws -> Architecture {
  try Architecture(inputDimension: 2, hiddenWidths: [width])
}
