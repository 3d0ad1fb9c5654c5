/// The pricing oracle of the deep Clarke-aware check (``DeepClarkeCheck``): for one sample n with
/// flagged units J_n (pre-activations on a kink, ``MarginJacobian/kinks(band:)``), maximize
///
///   φ(v) = ⟨r, h_n(v)⟩   over the slope vertices v ∈ {s⁻, s⁺}^{J_n},
///
/// where h_n(v) is the margin gradient with slope v_u at each flagged unit u (``MarginJacobian/gradient(sample:slopes:)``).
///
/// **φ is a forward pass.** The forward values h_{k−1} do not depend on the slopes (σ(z) is used, never
/// σ'(z)·z), and ∂q_n/∂W_k = δ_k h_{k−1}ᵀ with δ_{k−1} = s_{k−1} ⊙ (W_kᵀ δ_k), δ_K = y_n. Hence
///
///   φ = y_n t_K,   t_1 = c_1,   t_k = c_k + W_k (s_{k−1} ⊙ t_{k−1}),   c_k = R_k h_{k−1},
///
/// with R_k the layer-k block of r: the directional derivative of q_n along r, in forward mode. φ is
/// multilinear in the slopes (affine in each), so its maximum over the cube is attained at a vertex.
///
/// **Bound (affine forms).** With some slopes fixed and the others free in [s⁻, s⁺], t_k is carried as an
/// affine form b + Σ_i e_i a_i in variables e_i ∈ [0, 1]. A free unit whose input t_{k,j} is a constant
/// gets its own variable, exactly: s·t = s⁻t + e·(s⁺ − s⁻)t. A free unit whose input already depends on
/// variables (a free unit upstream of it) is relaxed: s·t lies in the interval [m, M] of the four products
/// of {s⁻, s⁺} with the form's range, carried as a fresh variable m + e(M − m) that forgets the
/// correlation. The maximum of the final affine form over the box, y_n b + Σ_i max(y_n a_i, 0), is an
/// upper bound on φ over the node, and **equals** the maximum when nothing was relaxed (φ is then affine
/// in the free slopes, and the maximizing vertex is read off the signs).
///
/// **Branch and bound.** Nothing is relaxed once the free units lie in one layer, so the search branches
/// (depth first, slope s⁺ first) on the flagged units outside the layer with the most of them and
/// evaluates each node's bound; a node whose bound does not exceed the best vertex found so far is cut.
/// Every evaluated node also yields a vertex (free slopes from the signs of their coefficients, relaxed
/// ones at s⁺) whose exact φ updates the incumbent. Exhausting the tree proves the maximum; a node budget
/// caps the work, and then the largest bound among the unexplored nodes is a certified upper bound.
struct SlopeVertexPricing {
  let sample: Int
  /// The flagged units, ascending by (layer, unit).
  let units: [HiddenUnit]
  private let label: Double
  private let architecture: Architecture
  private let theta: [Double]
  /// h_{k−1} for k = 1…K.
  private let layerInputs: [[Double]]
  /// σ'(z) of hidden layer k (index k − 1) under the activation's convention.
  private let conventionSlopes: [[Double]]
  /// The index in ``units`` of hidden unit j of layer k (index [k − 1][j]), or −1.
  private let flagged: [[Int]]
  private let low: Double
  private let high: Double
  /// The units branched on (those outside the most populated layer), in layer order.
  private let branchOrder: [Int]

  /// The outcome of one maximization.
  struct Result {
    /// The best vertex found (true = s⁺), one entry per flagged unit.
    let pattern: [Bool]
    /// φ at that vertex.
    let value: Double
    /// A certified upper bound on max_v φ(v) (= ``value`` when ``exact``).
    let upperBound: Double
    /// The search tree was exhausted: ``value`` is the maximum.
    let exact: Bool
    /// Nodes evaluated.
    let nodes: Int
  }

  init(jacobian: MarginJacobian, sample n: Int, units: [HiddenUnit]) {
    let architecture = jacobian.architecture
    let depth = architecture.depth
    let activation = architecture.activation
    let slope = architecture.leakySlope
    sample = n
    let sortedUnits = units.sorted()
    self.units = sortedUnits
    label = jacobian.labels[n]
    self.architecture = architecture
    theta = jacobian.theta
    let z = jacobian.preActivations[n]
    var inputs = [jacobian.inputs[n]]
    for k in 1..<depth { inputs.append(z[k - 1].map { activation.value($0, slope: slope) }) }
    layerInputs = inputs
    conventionSlopes = (1..<max(depth, 1)).map { k in z[k - 1].map { activation.derivative($0, slope: slope) } }
    var index = (1..<max(depth, 1)).map { k in [Int](repeating: -1, count: architecture.shape(ofLayer: k).rows) }
    for (i, unit) in sortedUnits.enumerated() { index[unit.layer - 1][unit.unit] = i }
    flagged = index
    (low, high) = jacobian.kinkSlopeRange
    var counts: [Int: Int] = [:]
    for unit in sortedUnits { counts[unit.layer, default: 0] += 1 }
    let widest = counts.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key
    branchOrder = sortedUnits.indices.filter { sortedUnits[$0].layer != widest }
  }

  /// c_k = R_k h_{k−1}, k = 1…K.
  private func tangentSources(_ r: [Double]) -> [[Double]] {
    (1...architecture.depth).map { k in
      let (rows, columns) = architecture.shape(ofLayer: k)
      let offset = architecture.offset(ofLayer: k)
      let h = layerInputs[k - 1]
      return (0..<rows).map { i in
        var sum = 0.0
        for j in 0..<columns { sum += r[offset + i * columns + j] * h[j] }
        return sum
      }
    }
  }

  /// The affine-form bound of a node (assignment: −1 free, 0 s⁻, 1 s⁺ per flagged unit): the upper bound,
  /// whether it is exact, and a vertex read off the coefficients' signs.
  private func bound(sources c: [[Double]], assignment: [Int8]) -> (upper: Double, exact: Bool, vertex: [Bool]) {
    let depth = architecture.depth
    var base = c[0]
    var coefficients: [[Double]] = []
    var owner: [Int] = []  // the flagged unit of each variable, −1 for a relaxation
    var exact = true
    for k in 1..<depth {
      let width = base.count
      for j in 0..<width {
        let u = flagged[k - 1][j]
        if u >= 0, assignment[u] < 0 {
          let constant = coefficients.allSatisfy { $0[j] == 0 }
          var column = [Double](repeating: 0, count: width)
          if constant {
            let value = base[j]
            base[j] = low * value
            column[j] = (high - low) * value
            owner.append(u)
          } else {
            var lo = base[j]
            var hi = base[j]
            for i in coefficients.indices {
              lo += min(coefficients[i][j], 0)
              hi += max(coefficients[i][j], 0)
              coefficients[i][j] = 0
            }
            let products = [low * lo, low * hi, high * lo, high * hi]
            base[j] = products.min()!
            column[j] = products.max()! - base[j]
            owner.append(-1)
            exact = false
          }
          coefficients.append(column)
        } else {
          let s = u >= 0 ? (assignment[u] == 1 ? high : low) : conventionSlopes[k - 1][j]
          base[j] *= s
          for i in coefficients.indices { coefficients[i][j] *= s }
        }
      }
      // t_{k+1} = c_{k+1} + W_{k+1}(·)
      let (rows, columns) = architecture.shape(ofLayer: k + 1)
      let offset = architecture.offset(ofLayer: k + 1)
      func apply(_ v: [Double]) -> [Double] {
        (0..<rows).map { i in
          var sum = 0.0
          for j in 0..<columns where v[j] != 0 { sum += theta[offset + i * columns + j] * v[j] }
          return sum
        }
      }
      let next = apply(base)
      base = (0..<rows).map { c[k][$0] + next[$0] }
      coefficients = coefficients.map(apply)
    }
    var upper = label * base[0]
    var vertex = assignment.map { $0 == 1 }
    for (i, column) in coefficients.enumerated() {
      let gain = label * column[0]
      if gain > 0 { upper += gain }
      if owner[i] >= 0 { vertex[owner[i]] = gain > 0 }
    }
    // Relaxed units left free: try s⁺ (any vertex is a valid incumbent).
    for u in assignment.indices where assignment[u] < 0 && !owner.contains(u) { vertex[u] = true }
    return (upper, exact, vertex)
  }

  /// φ(v) at one vertex.
  func value(residual r: [Double], pattern: [Bool]) -> Double {
    bound(sources: tangentSources(r), assignment: pattern.map { $0 ? 1 : 0 }).upper
  }

  /// max_v ⟨r, h_n(v)⟩ by branch and bound, evaluating at most `nodeBudget` nodes.
  func maximize(residual r: [Double], nodeBudget: Int = 20_000) -> Result {
    let c = tangentSources(r)
    let free = [Int8](repeating: -1, count: units.count)
    var bestPattern = [Bool](repeating: false, count: units.count)
    var best = -Double.infinity
    var nodes = 0
    var stack: [(assignment: [Int8], depth: Int)] = [(free, 0)]
    var openBound = -Double.infinity
    func consider(_ vertex: [Bool]) {
      let v = bound(sources: c, assignment: vertex.map { $0 ? 1 : 0 }).upper
      nodes += 1
      if v > best {
        best = v
        bestPattern = vertex
      }
    }
    while let node = stack.popLast() {
      if nodes >= nodeBudget {
        // Unexplored: bound it by its parent's bound, recomputed here (one evaluation each).
        openBound = max(openBound, bound(sources: c, assignment: node.assignment).upper)
        continue
      }
      let (upper, exact, vertex) = bound(sources: c, assignment: node.assignment)
      nodes += 1
      if exact {
        if upper > best {
          best = upper
          bestPattern = vertex
        }
        continue
      }
      consider(vertex)
      guard upper > best else { continue }
      guard node.depth < branchOrder.count else {
        // Cannot happen: with every branched unit fixed the free ones share a layer and the bound is exact.
        openBound = max(openBound, upper)
        continue
      }
      let u = branchOrder[node.depth]
      var down = node.assignment
      down[u] = 0
      var up = node.assignment
      up[u] = 1
      stack.append((down, node.depth + 1))
      stack.append((up, node.depth + 1))
    }
    let exact = openBound == -.infinity
    return Result(
      pattern: bestPattern, value: best, upperBound: exact ? best : max(best, openBound), exact: exact, nodes: nodes)
  }
}
