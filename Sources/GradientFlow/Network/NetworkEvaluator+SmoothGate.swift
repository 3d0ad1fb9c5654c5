import Foundation

/// The smooth gate's passes of ``NetworkEvaluator`` (`--activation smooth-relu`): σ(z) = z·S(u) with
/// S the logistic function of u = z/(ε‖w_j‖‖h_{k−1,n}‖), so the net stays positively homogeneous.
/// Forward: the gates S of a block; backward: the signal through S + uS' and the input-norm term.
extension NetworkEvaluator {
  /// Smooth gate, forward: ‖h_{k−1,n}‖ of the block's `input` rows (k ≥ 2; ‖x_n‖ is kept from
  /// `init`) and the gates S_{nj} of layer k.
  func openGates(_ gate: SmoothGate, layer k: Int, start: Int, rows: Int, input: UnsafePointer<Double>) {
    let din = sizes[k - 1]
    let dout = sizes[k]
    let norms = inputNorms + sampleCount * (k - 1) + start
    if k > 1 {
      for r in 0..<rows {
        var sum = 0.0
        for c in 0..<din { sum += input[r * din + c] * input[r * din + c] }
        norms[r] = sum.squareRoot()
      }
    }
    let z = preActivations[k - 1] + start * dout
    let s = gates + sampleCount * hiddenOffsets[k] + start * dout
    let unitNorms = rowNorms + hiddenOffsets[k]
    for r in 0..<rows {
      for j in 0..<dout {
        s[r * dout + j] = SmoothGate.logistic(gate.argument(z[r * dout + j], scale: unitNorms[j] * norms[r]))
      }
    }
  }

  /// Smooth gate, backward at hidden layer k: the signal Δ into the gate becomes D_k = Δ ⊙ (S + uS'),
  /// and t_nj = Δ_nj z_nj u_nj S'_nj is summed per unit (``unitShrink``) and per row (``rowShrink``).
  func closeGates(
    _ gate: SmoothGate, layer k: Int, start: Int, rows: Int, delta d: UnsafeMutablePointer<Double>
  ) {
    let dout = sizes[k]
    let z = preActivations[k - 1] + start * dout
    let s = gates + sampleCount * hiddenOffsets[k] + start * dout
    let norms = inputNorms + sampleCount * (k - 1) + start
    let unitNorms = rowNorms + hiddenOffsets[k]
    let units = unitShrink + hiddenOffsets[k]
    for r in 0..<rows {
      var rowSum = 0.0
      for j in 0..<dout {
        let i = r * dout + j
        let u = gate.argument(z[i], scale: unitNorms[j] * norms[r])
        let slope = s[i] * (1 - s[i])
        let t = d[i] * z[i] * u * slope
        rowSum += t
        units[j] += t
        d[i] *= s[i] + u * slope
      }
      rowShrink[r] = rowSum
    }
  }

  /// Smooth gate: the signal into layer k's input, p_n −= (Σ_j t_nj / ‖h_{k−1,n}‖²)·h_{k−1,n}.
  func shrinkInputSignal(
    layer k: Int, start: Int, rows: Int, input h: UnsafePointer<Double>, signal p: UnsafeMutablePointer<Double>
  ) {
    let din = sizes[k - 1]
    let norms = inputNorms + sampleCount * (k - 1) + start
    for r in 0..<rows {
      let s = norms[r]
      guard s > 0 else { continue }
      let factor = rowShrink[r] / (s * s)
      for c in 0..<din { p[r * din + c] -= factor * h[r * din + c] }
    }
  }
}
