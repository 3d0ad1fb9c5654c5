import Foundation

/// The KKT certificate of the max-margin problem at one set of weights (THEORY §5.5).
///
/// Input: layer matrices W_1 … W_K at any scale, the dataset and the architecture.
///
/// 1. **Normalize**: V_k = W_k/‖W_k‖, γ = min_n q_n(V) (product normalization, THEORY §1.3). γ ≤ 0:
///    the weights do not separate the data and nothing else is computed.
/// 2. **Balanced rescale to margin 1**: W̃_k = γ^{−1/K} V_k, so q_n(W̃) = q_n(V)/γ ≥ 1 with equality on
///    the argmin, and ‖θ̃‖ = √K γ^{−1/K}. ``Options/rescale`` = ``Rescale/asIs`` takes Lyu–Li's
///    θ̃ = θ/q_min(θ)^{1/K} instead, which keeps the raw weights' imbalance; the Λ-ratio is then
///    Σλ·K/‖θ̃‖² (= γ^{2/K}Σλ when balanced). Both agree at a KKT point, which is balanced.
/// 3. **Margin gradients** h_n = ∇_θ q_n(W̃) (``MarginJacobian``).
/// 4. **Multipliers** λ* = argmin_{λ ≥ 0} ‖θ̃ − Σ_n λ_n h_n‖ by Lawson–Hanson NNLS (``NNLS``), on every
///    candidate set S_η = {n : q_n(W̃) ≤ 1 + η}, η ∈ {∞, 10⁻¹, 10⁻², 10⁻³} (far points lower ε but raise δ):
///    the (ε, δ) Pareto list. The headline fit is the one with the smallest
///    ``MultiplierFit/score``; each is a valid (ε, δ)-KKT certificate.
/// 5. **Report** ε_rel, δ, δ_rel, the Λ-ratio γ^{2/K} Σλ, the support, the per-neuron balance error
///    max_{k,i} |‖V_k[i,:]‖ − ‖V_{k+1}[:,i]‖| (0 at KKT, THEORY §5.3 consequence 1; the layers of V
///    have unit norm, so this is the "/ρ_k" form), and γ in both normalizations: ``gammaProduct`` =
///    min_n q_n(W)/∏_k‖W_k‖ and ``gammaLyuLi`` = min_n q_n(W)/‖θ‖^K of the weights as given
///    (= γ_P/K^{K/2} at balance).
/// 6. **Kinks** (ReLU, leaky ReLU): pairs the runs' sliding-pair test flags, |z_{n,j}| ≤ τ·‖w_j‖·‖h_n‖
///    (``SlidingPairDetector``, band τ = ``Options/kinkBand``; THEORY's τ·max|z| made scale-free), get
///    a free slope. K = 2: the Clarke-aware fit (``ClarkeAwareCheck``, exact) is the decisive one.
///    K ≥ 3: the decisive fit is the exact Clarke-aware fit over the slope vertices (``DeepClarkeCheck``:
///    the Clarke subdifferential of q_n is the hull of its vertex gradients), with a certified lower
///    bound on ε_rel over every choice of multipliers and subgradients (``epsRelLowerBound``). The fits
///    with every flagged slope at its lower and upper value are reported as ε_rel's range over the
///    σ'(0) conventions. The certificate is **kink-ambiguous** only when the vertex pricing hit its node
///    budget and neither the fit (score ≤ tolerance) nor the bound (> tolerance) decides
///    (``ambiguityReason``).
///
/// 7. **Flow multipliers** (``flowFit``): λ = c·softmax(−q(W)) from the weights as given, c by least
///    squares (``FlowMultipliers``): ε_rel = sin∠(θ̃, Σ_n α_n h_n), Lyu–Li's alignment bound.
///
/// For a linear network it also solves the hard-margin SVM exactly and compares (``LinearComparison``);
/// for datasets with a closed-form optimum it reports γ* (``KnownOptimum``). Otherwise the certificate
/// says "KKT point" and never "global max margin" (KKT is not sufficient for K ≥ 2).
public struct KKTCertificate: Sendable {
  /// Tolerances and thresholds.
  public struct Options: Sendable {
    /// Verdict tolerance on ε_rel, δ_rel and |Λ-ratio − 1| (THEORY §5.5 item 8).
    public var tolerance = 1e-2
    /// τ: pair (n, j) of layer k counts as on a kink when |z_{n,j}| ≤ τ·‖W_k[j, :]‖·‖h_{k−1,n}‖, the
    /// runs' sliding-pair test (``SlidingPairDetector``) with a wider band: a saved state's sliding
    /// pairs sit at the run's band (100·rtol by default), far below 1e-3, while a pair that is not on
    /// a kink has |cos∠(w_j, h_n)| ≫ 1e-3 except by coincidence.
    public var kinkBand = 1e-3
    /// The η of the candidate sets S_η (η = ∞, all samples, is always included).
    public var candidateThresholds: [Double] = [.infinity, 1e-1, 1e-2, 1e-3]
    /// K ≥ 3: branch-and-bound nodes per sample and pricing call of the vertex pricing
    /// (``SlopeVertexPricing``); a sample that needs more is left open with a certified bound.
    public var nodeBudget = 20_000
    /// Step 2's rescaling to margin 1 (THEORY §5.5 item 2).
    public var rescale = Rescale.balanced

    public init() {}
  }

  /// How the weights are brought to margin 1 (THEORY §5.5 item 2). At a KKT point both agree, because
  /// KKT points are balanced (THEORY §5.3, consequence 1).
  public enum Rescale: String, Sendable, CaseIterable {
    /// W̃_k = γ^{−1/K} V_k: every layer of norm γ^{−1/K}.
    case balanced
    /// Lyu–Li's θ̃ = θ/q_min(θ)^{1/K}: the raw weights' imbalance kept (W̃_k = W_k/(ργ)^{1/K}).
    case asIs = "as-is"
  }

  /// How kinks of the activation were treated.
  public enum KinkTreatment: String, Sendable {
    /// No pre-activation near a kink (or a smooth/linear network).
    case none
    /// K = 2: the exact Clarke-aware fit decides.
    case clarkeExact = "clarke-exact"
    /// K ≥ 3: the exact Clarke-aware fit over the slope vertices (``DeepClarkeCheck``).
    case clarkeVertices = "clarke-vertices"
  }

  public let architecture: Architecture
  public let sampleCount: Int
  /// ‖W_k‖ of the weights as given.
  public let layerNorms: [Double]
  /// γ_P = min_n q_n(V) = min_n q_n(W)/∏_k‖W_k‖.
  public let gammaProduct: Double
  /// γ_LL = min_n q_n(W)/‖θ‖^K for the weights as given.
  public let gammaLyuLi: Double
  /// q_n(W̃) = q_n(V)/γ (empty when the weights do not separate the data).
  public let normalizedMargins: [Double]
  /// The headline fit (nil when not separating).
  public let fit: MultiplierFit?
  /// The backprop fit on the headline's candidate set.
  public let plainFit: MultiplierFit?
  /// The decisive fit on every distinct candidate set S_η.
  public let pareto: [MultiplierFit]
  /// The number of (sample, hidden unit) pairs flagged as on a kink.
  public let kinkPairs: Int
  public let kinkTreatment: KinkTreatment
  /// K ≥ 3 with kinks: the fits with every flagged slope low and high.
  public let conventionFits: [MultiplierFit]
  /// K ≥ 3: the kinks leave open whether this is a KKT point (see ``ambiguityReason``).
  public let kinkAmbiguous: Bool
  /// K ≥ 3 with kinks: a certified lower bound on ε_rel over every λ ≥ 0 (any candidate set) and every
  /// Clarke subgradient (``DeepClarkeCheck``); nil where not computed.
  public let epsRelLowerBound: Double?
  /// K ≥ 3 with kinks: samples whose vertex pricing hit the node budget (0: the fit is the exact minimum).
  public let openSamples: Int
  /// Why the certificate is kink-ambiguous, with the bounds (nil otherwise).
  public let ambiguityReason: String?
  /// max_{k,i} |‖V_k[i,:]‖ − ‖V_{k+1}[:,i]‖| (0 for K = 1).
  public let balanceError: Double
  /// Linear networks: the comparison with the hard-margin SVM.
  public let linear: LinearComparison?
  /// A closed-form global optimum for this dataset and architecture, if known.
  public let knownOptimum: KnownOptimum?
  /// Two-layer (leaky) ReLU on mirror-symmetric data: γ_P ≤ (1 + α)/2 · γ_SVM (``MirrorSymmetryBound``).
  public let mirrorBound: MirrorSymmetryBound?
  public let tolerance: Double
  /// The rescaling of step 2.
  public let rescale: Rescale
  /// THEORY §5.5 item 7: the multipliers λ = c·softmax(−q(W)) of the flow itself (``FlowMultipliers``),
  /// on the backprop gradients at θ̃; nil when not separating.
  public let flowFit: MultiplierFit?

  /// γ_P > 0.
  public var isSeparating: Bool { gammaProduct > 0 }
  /// The headline score max(ε_rel, δ_rel, |Λ-ratio − 1|) (∞ when not separating).
  public var score: Double { fit?.score ?? .infinity }
  /// ε_rel, δ_rel and |Λ-ratio − 1| all within the tolerance, a certified multiplier solve and no kink ambiguity.
  public var isWithinTolerance: Bool {
    guard let fit else { return false }
    return fit.score <= tolerance && fit.solverConverged && !kinkAmbiguous
  }
  /// K ≥ 3 with kinks: the smallest and largest ε_rel over the backprop fit and the two conventions.
  public var conventionEpsRange: (low: Double, high: Double)? {
    guard !conventionFits.isEmpty, let plainFit else { return nil }
    let values = conventionFits.map(\.epsRel) + [plainFit.epsRel]
    return (values.min()!, values.max()!)
  }

  /// The certificate of weights θ (layout of ``Architecture``) on a dataset.
  public init(architecture: Architecture, dataset: Dataset, theta: [Double], options: Options = Options())
    throws(ModelError)
  {
    try self.init(
      architecture: architecture, inputs: dataset.inputs, labels: dataset.labels, theta: theta, options: options)
  }

  /// The certificate of weights θ on inputs (row-major N × d_0) and labels ±1. `svm` passes an SVM
  /// already solved for these data (linear networks; solved here when nil).
  public init(
    architecture: Architecture, inputs: [Double], labels: [Double], theta: [Double], options: Options = Options(),
    svm: HardMarginSVM? = nil
  ) throws(ModelError) {
    guard theta.count == architecture.parameterCount else {
      throw .invalidWeights(
        "the weights have \(theta.count) entries; the architecture \(architecture.layerSizes) needs \(architecture.parameterCount)"
      )
    }
    guard !labels.isEmpty, inputs.count == labels.count * architecture.inputDimension else {
      throw .invalidArchitecture(
        "the data have \(labels.count) samples and \(inputs.count) input values; the network expects \(architecture.inputDimension) inputs per sample"
      )
    }
    guard theta.allSatisfy(\.isFinite) else { throw .invalidWeights("the weights contain non-finite values") }
    let depth = architecture.depth
    let k = Double(depth)
    self.architecture = architecture
    sampleCount = labels.count
    tolerance = options.tolerance
    rescale = options.rescale
    knownOptimum = KnownOptimum.lookup(architecture: architecture, inputs: inputs, labels: labels)
    mirrorBound = MirrorSymmetryBound.lookup(architecture: architecture, inputs: inputs, labels: labels)
    let isLinear = depth == 1 || architecture.activation == .identity
    let reference =
      isLinear
      ? (svm ?? HardMarginSVM.solve(inputs: inputs, labels: labels, dimension: architecture.inputDimension)) : nil
    linear = reference.flatMap {
      LinearComparison(architecture: architecture, theta: theta, inputs: inputs, labels: labels, svm: $0)
    }

    // Step 1: normalize the layers.
    let norms = (1...depth).map { layer in
      let offset = architecture.offset(ofLayer: layer)
      return CheckerMath.norm(theta[offset..<(offset + architecture.size(ofLayer: layer))])
    }
    layerNorms = norms
    var v = theta
    for layer in 1...depth where norms[layer - 1] > 0 {
      let offset = architecture.offset(ofLayer: layer)
      for i in offset..<(offset + architecture.size(ofLayer: layer)) { v[i] /= norms[layer - 1] }
    }
    let unitJacobian = MarginJacobian(architecture: architecture, inputs: inputs, labels: labels, theta: v)
    let gamma = norms.contains(0) ? 0 : (unitJacobian.margins.min() ?? 0)
    gammaProduct = gamma
    let logRho = norms.reduce(0) { $0 + Foundation.log($1) }
    let logThetaNorm = Foundation.log(CheckerMath.norm(theta))
    gammaLyuLi =
      gamma == 0
      ? 0
      : gamma.sign == .minus
        ? -Foundation.exp(logRho + Foundation.log(-gamma) - k * logThetaNorm)
        : Foundation.exp(logRho + Foundation.log(gamma) - k * logThetaNorm)
    balanceError = Self.balanceError(architecture: architecture, normalized: v)

    guard gamma > 0, gamma.isFinite else {
      normalizedMargins = []
      fit = nil
      plainFit = nil
      pareto = []
      kinkPairs = 0
      kinkTreatment = .none
      conventionFits = []
      kinkAmbiguous = false
      epsRelLowerBound = nil
      openSamples = 0
      ambiguityReason = nil
      flowFit = nil
      return
    }

    // Steps 2–3: rescale to margin 1 and take the margin gradients there.
    // Balanced: W̃_k = γ^{−1/K} V_k. As-is: W̃_k = W_k/(ργ)^{1/K} = (ρ_k/(ργ)^{1/K}) V_k. Either way
    // q_n(W̃) = q_n(V)/γ. The Λ-ratio is Σλ·K/‖θ̃‖² (= γ^{2/K}Σλ when balanced), passed to the fits as
    // the γ with γ^{2/K} = K/‖θ̃‖².
    let target: [Double]
    switch options.rescale {
    case .balanced:
      let scale = Foundation.pow(gamma, -1 / k)
      target = v.map { $0 * scale }
    case .asIs:
      let logScale = -(logRho + Foundation.log(gamma)) / k
      target = theta.map { $0 * Foundation.exp(logScale) }
    }
    let targetNorm = CheckerMath.norm(target)
    let ratioGamma = options.rescale == .balanced ? gamma : Foundation.pow(k / (targetNorm * targetNorm), k / 2)
    let jacobian = MarginJacobian(architecture: architecture, inputs: inputs, labels: labels, theta: target)
    let margins = unitJacobian.margins.map { $0 / gamma }
    normalizedMargins = margins
    let plainColumns = (0..<labels.count).map { jacobian.gradient(sample: $0) }
    flowFit = FlowMultipliers.fit(
      columns: plainColumns, rawMargins: unitJacobian.margins.map { $0 * Foundation.exp(logRho) }, target: target,
      architecture: architecture, normalizedMargins: margins, gamma: ratioGamma)
    let kinks = jacobian.kinks(band: options.kinkBand)
    kinkPairs = kinks.reduce(0) { $0 + $1.count }

    // Step 4: the multipliers on every distinct candidate set.
    var sets: [(eta: Double, members: [Int])] = []
    // S_∞ (every sample) is always a candidate set, so there is always a fit.
    for eta in [.infinity] + options.candidateThresholds {
      let members = margins.indices.filter { margins[$0] <= 1 + eta }
      if !members.isEmpty, !sets.contains(where: { $0.members == members }) { sets.append((eta, members)) }
    }
    func plain(_ members: [Int], eta: Double) -> MultiplierFit {
      Self.plainFit(
        columns: plainColumns, members: members, eta: eta, method: .plain, target: target,
        architecture: architecture, margins: margins, gamma: ratioGamma)
    }
    let clarke = depth == 2 && kinkPairs > 0
    let deep = depth >= 3 && kinkPairs > 0
    var decisive: [MultiplierFit] = []
    var plains: [MultiplierFit] = []
    var lowerBound: Double?
    var open = 0
    for (eta, members) in sets {
      let plainOne = plain(members, eta: eta)
      plains.append(plainOne)
      let hasKinks = members.contains { !kinks[$0].isEmpty }
      if deep, hasKinks {
        let outcome = DeepClarkeCheck.fit(
          jacobian: jacobian, target: target, candidates: members, kinks: kinks, eta: eta,
          normalizedMargins: margins, gamma: ratioGamma, nodeBudget: options.nodeBudget)
        decisive.append(outcome.fit)
        // S_∞ holds every sample, so its bound holds for every candidate set.
        if members.count == labels.count {
          lowerBound = outcome.epsRelLowerBound
          open = outcome.openSamples
        }
      } else if clarke, hasKinks {
        decisive.append(
          ClarkeAwareCheck.fit(
            jacobian: jacobian, target: target, candidates: members, kinks: kinks, eta: eta,
            normalizedMargins: margins, gamma: ratioGamma))
      } else {
        decisive.append(plainOne)
      }
    }
    pareto = decisive
    let best = decisive.indices.min { decisive[$0].score < decisive[$1].score }!
    fit = decisive[best]
    plainFit = plains[best]

    // Step 6 for K ≥ 3: the σ'(0) conventions on the headline candidates.
    let members = sets[best].members
    let eta = sets[best].eta
    let kinked = members.contains { !kinks[$0].isEmpty }
    epsRelLowerBound = lowerBound
    openSamples = open
    if depth >= 3, kinked {
      kinkTreatment = .clarkeVertices
      let (low, high) = jacobian.kinkSlopeRange
      conventionFits = [(MultiplierFit.Method.conventionLow, low), (.conventionHigh, high)].map { method, value in
        let columns = (0..<labels.count).map { n in
          kinks[n].isEmpty
            ? plainColumns[n]
            : jacobian.gradient(sample: n, slopes: Dictionary(uniqueKeysWithValues: kinks[n].map { ($0, value) }))
        }
        return Self.plainFit(
          columns: columns, members: members, eta: eta, method: method, target: target,
          architecture: architecture, margins: margins, gamma: ratioGamma)
      }
      let passes = decisive[best].score <= options.tolerance
      let ruledOut = (lowerBound ?? 0) > options.tolerance
      kinkAmbiguous = !passes && !ruledOut && open > 0
      ambiguityReason =
        kinkAmbiguous
        ? "the vertex pricing of \(open) sample(s) hit its node budget (\(options.nodeBudget)): eps_rel lies in [\(shortNumber(lowerBound ?? 0)), \(shortNumber(decisive[best].epsRel))] and the tolerance \(shortNumber(options.tolerance)) falls inside; raise the node budget"
        : nil
    } else {
      kinkTreatment = kinkPairs > 0 && clarke ? .clarkeExact : .none
      conventionFits = []
      kinkAmbiguous = false
      ambiguityReason = nil
    }
  }

  /// The NNLS fit over the given columns restricted to `members`.
  private static func plainFit(
    columns: [[Double]], members: [Int], eta: Double, method: MultiplierFit.Method, target: [Double],
    architecture: Architecture, margins: [Double], gamma: Double
  ) -> MultiplierFit {
    let solution = NNLS.solve(columns: members.map { columns[$0] }, rhs: target)
    var lambda = [Double](repeating: 0, count: margins.count)
    var residual = target
    for (slot, n) in members.enumerated() where solution.x[slot] != 0 {
      lambda[n] = solution.x[slot]
      for i in 0..<residual.count { residual[i] -= solution.x[slot] * columns[n][i] }
    }
    return MultiplierFit(
      method: method, eta: eta, lambda: lambda, residual: residual, target: target, architecture: architecture,
      normalizedMargins: margins, gamma: gamma, solverConverged: solution.converged,
      dualViolation: solution.dualViolation, dualityGap: solution.dualityGap)
  }

  /// max over hidden units i of layer k < K of |‖V_k[i,:]‖ − ‖V_{k+1}[:,i]‖|.
  private static func balanceError(architecture: Architecture, normalized v: [Double]) -> Double {
    guard architecture.depth >= 2 else { return 0 }
    var worst = 0.0
    for k in 1..<architecture.depth {
      let (rows, columns) = architecture.shape(ofLayer: k)
      let nextColumns = architecture.shape(ofLayer: k + 1).columns
      let nextRows = architecture.shape(ofLayer: k + 1).rows
      let offset = architecture.offset(ofLayer: k)
      let nextOffset = architecture.offset(ofLayer: k + 1)
      for i in 0..<rows {
        let incoming = CheckerMath.norm(v[(offset + i * columns)..<(offset + (i + 1) * columns)])
        let outgoing = CheckerMath.norm((0..<nextRows).map { v[nextOffset + $0 * nextColumns + i] })
        worst = max(worst, abs(incoming - outgoing))
      }
    }
    return worst
  }
}
