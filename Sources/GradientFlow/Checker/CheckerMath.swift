import Foundation

/// Small dense vector helpers of the max-margin checker (not a hot path, so plain arrays).
enum CheckerMath {
  /// ⟨a, b⟩ = Σ_i a_i b_i.
  static func dot(_ a: [Double], _ b: [Double]) -> Double {
    var sum = 0.0
    for i in 0..<min(a.count, b.count) { sum += a[i] * b[i] }
    return sum
  }

  /// ‖a‖₂, scaled by max|a_i| first so that it neither under- nor overflows.
  static func norm(_ a: [Double]) -> Double {
    norm(a[...])
  }

  /// ‖a‖₂ of a slice.
  static func norm(_ a: ArraySlice<Double>) -> Double {
    let scale = a.reduce(0) { max($0, abs($1)) }
    guard scale > 0, scale.isFinite else { return scale }
    var sum = 0.0
    for value in a {
      let scaled = value / scale
      sum += scaled * scaled
    }
    return scale * sum.squareRoot()
  }

  /// a / ‖a‖ (a itself when it is zero).
  static func unit(_ a: [Double]) -> [Double] {
    let length = norm(a)
    return length > 0 ? a.map { $0 / length } : a
  }

  /// The angle ∠(a, b) ∈ [0, π], as 2·asin(‖â − b̂‖/2): accurate for tiny angles, where acos of the
  /// cosine loses half the digits.
  static func angle(_ a: [Double], _ b: [Double]) -> Double {
    let u = unit(a)
    let v = unit(b)
    let chord = norm(zip(u, v).map { $0 - $1 })
    return 2 * asin(min(1, chord / 2))
  }
}
