/// The Clarke-aware multiplier fit for networks of any depth (THEORY §5.5 item 6), with a certified
/// lower bound on the stationarity residual.
///
/// **The Clarke subdifferential at a kink, K ≥ 3.** Let J_n be the flagged units of sample n (treated as
/// exact kinks, z = 0). Every gradient of q_n at a nearby point where no flagged z vanishes is a backprop
/// gradient with slope s⁻ or s⁺ at each flagged unit, and tends to h_n(v) for that vertex v (the forward
/// values are continuous). Conversely, **every** vertex is reached: move row W_k[j, :] of each flagged unit
/// by ±ε_k h_{k−1,n}/‖h_{k−1,n}‖² with ε_1 ≪ ε_2 ≪ … ≪ ε_{K−1} → 0; unit (k, j) then has the chosen sign
/// (its own row dominates the O(ε_{k−1}) change coming from below), and h_{k−1,n} ≠ 0 because q_n ≥ 1.
/// The Clarke subdifferential is the convex hull of the limiting gradients, so
///
///   ∂°q_n = conv{h_n(v) : v ∈ {s⁻, s⁺}^{J_n}},
///
/// and the multilinear image {h_n(s) : s ∈ [s⁻, s⁺]^{J_n}} lies inside that hull. (For K = 2 the image is
/// already convex; this is ``ClarkeAwareCheck``'s cube.) The KKT residual with Clarke subgradients is
/// therefore exactly an NNLS over the vertex columns:
///
///   min_{x ≥ 0} ‖θ̃ − Σ_{n, v} x_{n,v} h_n(v)‖,   λ_n = Σ_v x_{n,v},
///
/// since λ_n g_n with g_n ∈ ∂°q_n is a non-negative combination of sample n's vertex columns.
///
/// **Column generation.** There are Σ_n 2^{|J_n|} columns; they are generated on demand. Solve the NNLS
/// (``NNLS``) over the current columns (first the backprop ones), take r = θ̃ − Σ x_c h_c, and add, for
/// every sample, the vertex maximizing ⟨r, h_n(v)⟩ when that price is positive (``SlopeVertexPricing``,
/// exact branch and bound). It stops when no vertex has a positive price: the NNLS dual condition over
/// all columns, so ε_rel is the exact minimum.
///
/// **Certified lower bound.** For any y with ⟨h_n(v), y⟩ ≤ 0 for every n and v, and any x ≥ 0,
/// ‖θ̃ − Σ x h‖ ≥ ⟨θ̃ − Σ x h, y⟩/‖y‖ ≥ ⟨θ̃, y⟩/‖y‖. Take y = r − c θ̃ with P_n ≥ max_v ⟨h_n(v), r⟩ (the
/// pricing's certified upper bound) and E_n ≤ min_v ⟨h_n(v), θ̃⟩ (the same oracle on −θ̃; E_n ≈ K q_n(W̃)
/// > 0 by Euler's identity, which holds for any slope at z = 0), and c = max(0, max_n P_n/E_n). Then
///
///   ε_rel ≥ max(0, ⟨θ̃, r⟩ − c‖θ̃‖²) / (‖r − c θ̃‖ ‖θ̃‖)
///
/// for **every** choice of multipliers λ ≥ 0 on every candidate set and every Clarke subgradient. When the
/// pricing is exact, c is at rounding level and the bound equals the fit's ε_rel (⟨θ̃, r⟩ = ‖r‖² at the
/// NNLS optimum). When a sample's branch and bound hits its node budget, P_n is its open bound, the gap
/// between the fit and the bound is reported, and the samples left open are counted.
enum DeepClarkeCheck {
  /// The fit, the certified lower bound on ε_rel over all multipliers and Clarke subgradients, and how
  /// the pricing went.
  struct Outcome {
    let fit: MultiplierFit
    /// A certified lower bound on min ε_rel over λ ≥ 0 and g_n ∈ ∂°q_n, using only the candidates
    /// (so a lower bound for every candidate set only when the candidates are all samples).
    let epsRelLowerBound: Double
    /// Samples whose pricing did not finish within its node budget at the end.
    let openSamples: Int
    /// Vertex columns generated beyond the backprop ones.
    let generatedColumns: Int
    /// Branch-and-bound nodes evaluated, in total.
    let nodes: Int
  }

  /// The Clarke-aware fit on the candidate samples. `kinks[n]` are sample n's flagged units.
  static func fit(
    jacobian: MarginJacobian, target: [Double], candidates: [Int], kinks: [[HiddenUnit]], eta: Double,
    normalizedMargins: [Double], gamma: Double, nodeBudget: Int = 20_000, maxRounds: Int = 500
  ) -> Outcome {
    let architecture = jacobian.architecture
    let (low, high) = jacobian.kinkSlopeRange
    let oracles = candidates.filter { !kinks[$0].isEmpty }.map {
      SlopeVertexPricing(jacobian: jacobian, sample: $0, units: kinks[$0])
    }
    var columns: [[Double]] = []
    var owners: [Int] = []
    var patterns: [[Bool]?] = []  // nil: the backprop column
    var seen = Set<[Int]>()
    for n in candidates {
      columns.append(jacobian.gradient(sample: n))
      owners.append(n)
      patterns.append(nil)
    }
    let targetNorm = CheckerMath.norm(target)
    let scale = (columns.map(CheckerMath.norm).max() ?? 1) * targetNorm
    let priceTolerance = 1e-12 * scale
    var solution = NNLS.solve(columns: columns, rhs: target)
    var residual = target
    var nodes = 0
    var generated = 0
    var finished = false
    var prices: [SlopeVertexPricing.Result] = []
    for _ in 0..<maxRounds {
      residual = target
      for (c, weight) in solution.x.enumerated() where weight != 0 {
        for i in 0..<residual.count { residual[i] -= weight * columns[c][i] }
      }
      prices = oracles.map { $0.maximize(residual: residual, nodeBudget: nodeBudget) }
      nodes += prices.reduce(0) { $0 + $1.nodes }
      var added = false
      for (oracle, price) in zip(oracles, prices) {
        let key = [oracle.sample] + price.pattern.map { $0 ? 1 : 0 }
        guard price.value > priceTolerance, !seen.contains(key) else { continue }
        seen.insert(key)
        columns.append(
          jacobian.gradient(
            sample: oracle.sample,
            slopes: Dictionary(uniqueKeysWithValues: zip(oracle.units, price.pattern).map { ($0, $1 ? high : low) })))
        owners.append(oracle.sample)
        patterns.append(price.pattern)
        generated += 1
        added = true
      }
      if !added {
        finished = true
        break
      }
      solution = NNLS.solve(columns: columns, rhs: target)
    }
    if !finished {
      // The round cap: price the final residual once more for the bound.
      residual = target
      for (c, weight) in solution.x.enumerated() where weight != 0 {
        for i in 0..<residual.count { residual[i] -= weight * columns[c][i] }
      }
      prices = oracles.map { $0.maximize(residual: residual, nodeBudget: nodeBudget) }
    }

    // The certified lower bound.
    var kinkedPrice: [Int: Double] = [:]
    for (oracle, price) in zip(oracles, prices) { kinkedPrice[oracle.sample] = price.upperBound }
    var c = 0.0
    var bounded = true
    for n in candidates {
      let p: Double
      let e: Double
      if let price = kinkedPrice[n] {
        p = price
        let oracle = oracles.first { $0.sample == n }!
        e = -oracle.maximize(residual: target.map { -$0 }, nodeBudget: nodeBudget).upperBound
      } else {
        let column = jacobian.gradient(sample: n)
        p = CheckerMath.dot(column, residual)
        e = CheckerMath.dot(column, target)
      }
      guard p > 0 else { continue }
      if e > 0 { c = max(c, p / e) } else { bounded = false }
    }
    var lowerBound = 0.0
    if bounded {
      let y = zip(residual, target).map { $0 - c * $1 }
      let yNorm = CheckerMath.norm(y)
      let numerator = CheckerMath.dot(target, residual) - c * targetNorm * targetNorm
      if yNorm > 0, numerator > 0 { lowerBound = numerator / (yNorm * targetNorm) }
    }

    // λ_n and the effective slopes (the weighted mean of the vertices' slopes) of each sample.
    var lambda = [Double](repeating: 0, count: jacobian.labels.count)
    var upWeight: [Int: [HiddenUnit: Double]] = [:]
    for (index, weight) in solution.x.enumerated() where weight > 0 {
      let n = owners[index]
      lambda[n] += weight
      let pattern =
        patterns[index] ?? kinks[n].map { jacobian.conventionSlope(sample: n, unit: $0) > low }
      for (unit, up) in zip(kinks[n].sorted(), pattern) where up {
        upWeight[n, default: [:]][unit, default: 0] += weight
      }
    }
    var kinkSlopes: [MultiplierFit.KinkSlope] = []
    for n in candidates where lambda[n] > 0 {
      for unit in kinks[n].sorted() {
        let share = (upWeight[n]?[unit] ?? 0) / lambda[n]
        kinkSlopes.append(.init(sample: n, layer: unit.layer, unit: unit.unit, slope: low + (high - low) * share))
      }
    }
    let open = prices.filter { !$0.exact }.count
    let worstPrice = prices.map(\.upperBound).max() ?? 0
    let violation = max(solution.dualViolation, max(worstPrice, 0) / max(scale, .leastNormalMagnitude))
    let fit = MultiplierFit(
      method: .clarkeVertices, eta: eta, lambda: lambda, residual: residual, target: target,
      architecture: architecture, normalizedMargins: normalizedMargins, gamma: gamma, kinkSlopes: kinkSlopes,
      solverConverged: finished && open == 0 && solution.converged && violation <= 1e-9, dualViolation: violation,
      dualityGap: solution.dualityGap)
    return Outcome(
      fit: fit, epsRelLowerBound: lowerBound, openSamples: open, generatedColumns: generated, nodes: nodes)
  }
}
