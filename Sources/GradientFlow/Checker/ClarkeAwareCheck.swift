/// The Clarke-aware multiplier fit at ReLU kinks (THEORY §5.5 item 6, §7.1).
///
/// At a KKT point of a ReLU network some pre-activations z_{n,i} are exactly 0, and the flow slides
/// along such surfaces with |z| ~ 1e-4 of either sign, so a backprop gradient with a fixed σ'(0)
/// can score ε_rel = 0.50 at the global max margin of XOR (THEORY T8). At a flagged pair (n, i),
/// |z_{n,i}| ≤ τ·‖w_i‖·‖h_n‖ (the runs' sliding-pair test, ``MarginJacobian/kinks(band:)``), the slope is free in [s⁻, s⁺] ([0, 1] for ReLU, [α, 1] for leaky ReLU).
/// The problem is the convex QP
///
///   min ‖θ̃ − H⁰λ − G μ‖²  s.t.  λ ≥ 0,  s⁻λ_n ≤ μ_{n,i} ≤ s⁺λ_n,
///
/// with μ_{n,i} = λ_n s_{n,i}. For K = 2 the margin gradient is affine in the slopes of sample n
/// (h_n(s) = h_n(s⁻) + Σ_i (s_i − s⁻) y_n a_i x_n in block w_i), and the Clarke subdifferential of
/// q_n is exactly {h_n(s) : s ∈ [s⁻, s⁺]^{J_n}} (q_n is a sum over neurons of functions of disjoint
/// variables), so the check is **exact for K = 2**.
///
/// **Solver: column generation over the extreme rays.** The feasible set of (λ_n, μ_{n,·}) is the
/// cone over the cube [s⁻, s⁺]^{J_n}, whose extreme rays are λ_n·(1, v) for the 2^{|J_n|} vertices v.
/// Hence Σ_n λ_n h_n(s_n) ranges exactly over the conic hull of the vertex columns h_n(v), and the QP is
/// an NNLS over those columns. They are generated on demand: solve the NNLS (``NNLS``, Lawson–Hanson)
/// over the current columns, compute r = θ̃ − Σ x_c h_c, and for each sample find the vertex that
/// maximizes ⟨r, h_n(v)⟩ (v_i = s⁺ iff ⟨r, y_n a_i x_n⟩ > 0, in O(|J_n|·P)).
/// A column with positive price strictly lowers the optimum when added, columns are never removed and
/// there are finitely many, so the loop stops. At the end no vertex has a positive price, which is the
/// dual feasibility condition of the QP (Mᵀr in the polar cone: ⟨r, h_n(s⁻)⟩ + Σ_i max(⟨r, d_{n,i}⟩, 0) ≤ 0
/// for every n); with the NNLS complementarity this is the full KKT certificate, reported as
/// ``MultiplierFit/dualViolation`` and ``MultiplierFit/dualityGap``.
/// λ_n is the sum of the weights of sample n's columns and μ_{n,i}/λ_n the reported effective slope.
///
/// K = 2 only: for K ≥ 3 the slopes enter multilinearly and ``DeepClarkeCheck`` decides.
enum ClarkeAwareCheck {
  /// The Clarke-aware fit of a two-layer network (K = 2) on the candidate samples.
  static func fit(
    jacobian: MarginJacobian, target: [Double], candidates: [Int], kinks: [[HiddenUnit]], eta: Double,
    normalizedMargins: [Double], gamma: Double
  ) -> MultiplierFit {
    let architecture = jacobian.architecture
    precondition(architecture.depth == 2, "ClarkeAwareCheck is exact for K = 2 only; K ≥ 3 uses DeepClarkeCheck")
    let (low, high) = jacobian.kinkSlopeRange

    var oracles: [VertexOracle] = []
    for n in candidates where !kinks[n].isEmpty {
      let allLow = Dictionary(uniqueKeysWithValues: kinks[n].map { ($0, low) })
      let base = jacobian.gradient(sample: n, slopes: allLow)
      let directions = kinks[n].map { unit in
        var slopes = allLow
        slopes[unit] = high
        return zip(jacobian.gradient(sample: n, slopes: slopes), base).map { $0 - $1 }
      }
      oracles.append(VertexOracle(sample: n, units: kinks[n], base: base, directions: directions))
    }

    // Start from the backprop columns (the pattern of the actual signs), so the fit is never worse than
    // the plain one.
    var columns: [[Double]] = []
    var owners: [Int] = []
    var patterns: [[Bool]] = []
    var seen = Set<[Int]>()
    for n in candidates {
      let units = kinks[n]
      let signs = units.map { jacobian.conventionSlope(sample: n, unit: $0) > low }
      columns.append(jacobian.gradient(sample: n))
      owners.append(n)
      patterns.append(signs)
      seen.insert([n] + signs.map { $0 ? 1 : 0 })
    }

    let scale = (columns.map(CheckerMath.norm).max() ?? 1) * CheckerMath.norm(target)
    let priceTolerance = 1e-12 * scale
    var solution = NNLS.solve(columns: columns, rhs: target)
    var residual = target
    var rounds = 0
    var finished = false
    while rounds < 10_000 {
      residual = target
      for (c, weight) in solution.x.enumerated() where weight != 0 {
        for i in 0..<residual.count { residual[i] -= weight * columns[c][i] }
      }
      var added = false
      for oracle in oracles {
        let (best, price) = oracle.best(residual: residual)
        let key = [oracle.sample] + best.map { $0 ? 1 : 0 }
        guard price > priceTolerance, !seen.contains(key) else { continue }
        seen.insert(key)
        columns.append(
          jacobian.gradient(sample: oracle.sample, slopes: slopes(units: oracle.units, pattern: best, low, high)))
        owners.append(oracle.sample)
        patterns.append(best)
        added = true
      }
      if !added {
        finished = true
        break
      }
      rounds += 1
      // Warm start from the last round's optimum: only the columns that enter or leave cost a solve.
      solution = NNLS.solve(columns: columns, rhs: target, start: solution.x)
    }

    // Final pricing over every vertex: the dual feasibility of the full QP.
    var worstPrice = 0.0
    for oracle in oracles {
      worstPrice = max(worstPrice, oracle.best(residual: residual).price)
    }
    let violation = max(solution.dualViolation, worstPrice / max(scale, .leastNormalMagnitude))

    var lambda = [Double](repeating: 0, count: jacobian.labels.count)
    var slopeWeights: [Int: [HiddenUnit: Double]] = [:]
    for (c, weight) in solution.x.enumerated() where weight > 0 {
      let n = owners[c]
      lambda[n] += weight
      for (unit, up) in zip(kinks[n], patterns[c]) where up {
        slopeWeights[n, default: [:]][unit, default: 0] += weight
      }
    }
    var kinkSlopes: [MultiplierFit.KinkSlope] = []
    for n in candidates where lambda[n] > 0 {
      for unit in kinks[n] {
        let share = (slopeWeights[n]?[unit] ?? 0) / lambda[n]
        kinkSlopes.append(
          .init(sample: n, layer: unit.layer, unit: unit.unit, slope: low + (high - low) * share))
      }
    }
    return MultiplierFit(
      method: .clarke, eta: eta, lambda: lambda, residual: residual, target: target,
      architecture: architecture, normalizedMargins: normalizedMargins, gamma: gamma, kinkSlopes: kinkSlopes,
      solverConverged: finished && solution.converged && violation <= 1e-9, dualViolation: violation,
      dualityGap: solution.dualityGap)
  }

  /// Slope overrides for a vertex pattern (true = s⁺).
  static func slopes(units: [HiddenUnit], pattern: [Bool], _ low: Double, _ high: Double) -> [HiddenUnit: Double] {
    Dictionary(uniqueKeysWithValues: zip(units, pattern).map { ($0, $1 ? high : low) })
  }

  static func pattern(_ code: Int, _ count: Int) -> [Bool] {
    (0..<count).map { code & (1 << $0) != 0 }
  }
}

/// One sample's flagged units and what is needed to price its slope vertices (K = 2: h_n is affine in
/// the slopes).
private struct VertexOracle {
  let sample: Int
  let units: [HiddenUnit]
  /// The column with every flagged slope at s⁻.
  let base: [Double]
  /// The change d_i of the column from moving slope i to s⁺.
  let directions: [[Double]]

  /// The vertex v (true = s⁺) maximizing ⟨r, h_n(v)⟩, and that maximum.
  func best(residual r: [Double]) -> (pattern: [Bool], price: Double) {
    var price = CheckerMath.dot(base, r)
    var pattern: [Bool] = []
    for direction in directions {
      let gain = CheckerMath.dot(direction, r)
      pattern.append(gain > 0)
      if gain > 0 { price += gain }
    }
    return (pattern, price)
  }
}
