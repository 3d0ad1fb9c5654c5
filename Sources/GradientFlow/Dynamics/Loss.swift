import Foundation

/// The per-sample loss ℓ(u) of the margin u = q_n, with L(W) = Σ_n ℓ(q_n(W)) a sum, not a mean
/// (a mean only rescales time by N; THEORY §1.2).
///
/// Everything is evaluated in log space so nothing under- or overflows at any scale of W: the
/// forces a_n = −ℓ'(q_n) are returned as a scale and weights, a_n = exp(logForceScale) · w_n, with
/// w the softmax of log a_n (Σ w_n = 1) for the exponential and logistic losses. A network with
/// q_n ~ 1e4 therefore has a finite log-loss and finite weights; only exp(logForceScale) may
/// underflow, which is the true value of a t-clock force in double precision (THEORY §7.2).
public enum Loss: String, CaseIterable, Sendable, Codable {
  /// ℓ(u) = e^{−u}; a_n = e^{−q_n}; log L = logsumexp(−q), w = softmax(−q). The main case.
  case exponential
  /// ℓ(u) = log(1 + e^{−u}); a_n = 1/(1 + e^{q_n}) = exp(−softplus(q_n)).
  case logistic
  /// ℓ(u) = (1 − u)²; a_n = 2(1 − q_n), which can be negative. Forces are returned as they are
  /// (logForceScale = 0); finite minimizers exist (THEORY P8).
  case square

  /// log L and the force scale of one evaluation.
  public struct Value: Sendable, Equatable {
    /// log L(W).
    public var logLoss: Double
    /// a_n = exp(logForceScale) · w_n.
    public var logForceScale: Double
  }

  /// The force a = −ℓ'(q) of one margin, unscaled (it underflows where ``evaluate(margins:count:weights:)``'s
  /// weights do not: for the t clock's per-sample work, where a_n is what enters −∇L).
  public func force(margin q: Double) -> Double {
    switch self {
    case .exponential: exp(-q)
    case .logistic: exp(-softplus(q))
    case .square: 2 * (1 - q)
    }
  }

  /// e^σ times the force of one margin, formed in the exponent (e^{σ − q}, e^{σ − softplus(q)}) so that it stays
  /// normal where e^σ is huge and the force tiny: the force per unit of a time measured in units e^σ
  /// (``RescaledTimeEngine``). σ = 0 gives ``force(margin:)`` bit for bit.
  public func force(margin q: Double, logTimeUnit sigma: Double) -> Double {
    switch self {
    case .exponential: exp(sigma - q)
    case .logistic: exp(sigma - softplus(q))
    case .square: 2 * (1 - q) * exp(sigma)
    }
  }

  /// Evaluates log L and writes the force weights w_n for margins q (N entries).
  public func evaluate(
    margins q: UnsafePointer<Double>, count: Int, weights w: UnsafeMutablePointer<Double>
  ) -> Value {
    switch self {
    case .exponential:
      for i in 0..<count { w[i] = -q[i] }
      let logLoss = normalizeSoftmax(w, count: count)
      return Value(logLoss: logLoss, logForceScale: logLoss)
    case .logistic:
      // log ℓ_n = log softplus(−q_n), then log L = logsumexp(log ℓ).
      for i in 0..<count { w[i] = logSoftplus(-q[i]) }
      let logLoss = logSumExp(w, count: count)
      // log a_n = −softplus(q_n); weights = softmax(log a).
      for i in 0..<count { w[i] = -softplus(q[i]) }
      let scale = normalizeSoftmax(w, count: count)
      return Value(logLoss: logLoss, logForceScale: scale)
    case .square:
      var m = 0.0
      for i in 0..<count { m = max(m, abs(1 - q[i])) }
      var sum = 0.0
      for i in 0..<count {
        w[i] = 2 * (1 - q[i])
        if m > 0 {
          let r = (1 - q[i]) / m
          sum += r * r
        }
      }
      let logLoss = m > 0 ? 2 * log(m) + log(sum) : -Double.infinity
      return Value(logLoss: logLoss, logForceScale: 0)
    }
  }

  /// ℓ^{-1}(L), the margin whose single-sample loss equals L: the numerator of the smoothed margin
  /// ℓ^{-1}(L)/ρ (THEORY P1). Exponential: −log L. Logistic: −log(expm1(L)), computed as
  /// −log L − L/2 for tiny L. Square: 1 − √L (the branch u ≤ 1).
  public func inverse(logLoss: Double) -> Double {
    switch self {
    case .exponential:
      return -logLoss
    case .logistic:
      let loss = exp(logLoss)
      return logLoss < -20 ? -logLoss - loss / 2 : -log(expm1(loss))
    case .square:
      return 1 - exp(logLoss / 2)
    }
  }
}

/// softplus(u) = log(1 + e^u), without overflow.
@inline(__always)
func softplus(_ u: Double) -> Double {
  u > 0 ? u + log1p(exp(-u)) : log1p(exp(u))
}

/// log(softplus(u)), accurate when softplus(u) underflows: for u < −30, log log1p(e^u) = u − e^u/2 + O(e^{2u}).
@inline(__always)
func logSoftplus(_ u: Double) -> Double {
  u < -30 ? u - exp(u) / 2 : log(softplus(u))
}

/// log Σ exp(v_i), shifted by the maximum.
func logSumExp(_ v: UnsafePointer<Double>, count: Int) -> Double {
  var m = -Double.infinity
  for i in 0..<count { m = max(m, v[i]) }
  guard m.isFinite else { return m }
  var sum = 0.0
  for i in 0..<count { sum += exp(v[i] - m) }
  return m + log(sum)
}

/// Replaces v by softmax(v) in place and returns logsumexp(v). Subtracting the maximum before
/// exponentiating keeps every exponent ≤ 0 and exact where v_i and the maximum are close.
func normalizeSoftmax(_ v: UnsafeMutablePointer<Double>, count: Int) -> Double {
  var m = -Double.infinity
  for i in 0..<count { m = max(m, v[i]) }
  var sum = 0.0
  for i in 0..<count {
    v[i] = exp(v[i] - m)
    sum += v[i]
  }
  let inverse = 1 / sum
  for i in 0..<count { v[i] *= inverse }
  return m + log(sum)
}
