import Foundation
import ODE

/// Sliding-mode diagnostics of a run (THEORY §7.1(c), README "ReLU kinks"), fed after every accepted
/// step with the network's forward pass at the new state.
///
/// A (sample, unit) pair is *on the kink* at a step when |z_nj| ≤ η‖W_k[j,:]‖‖h_{k−1,n}‖
/// (``SlidingPairDetector``; the simulator takes η = max(1e-6, 100·rtol), two decades above the
/// |z| ~ rtol·‖w‖‖x‖ at which chattering pairs hover and far below the |z| of a pair that passes by). It is *sliding* over a step
/// when it has been on the kink for at least ``minimumStreak`` consecutive accepted steps (a crossing
/// pair passes the band in one or two); the step's length then counts as time spent sliding. A *chatter
/// flip* is a sign change of z between two accepted steps with both values on the kink.
///
/// Per saved interval (the columns `rejected_ratio`, `sliding_pairs`, `sliding_time` of
/// trajectory.csv) and in total (run.json `stats.sliding`, the summary) it reports the rejected-step
/// ratio, the pairs that slid and the pair-time they slid. A run *chatters* when pairs slide, their
/// signs flip back and forth, and the stepper rejects a large share of its steps.
public final class SlidingDiagnostics {
  /// η of the on-kink test for rtol ≤ 1e-8 (the simulator uses max(η, 100·rtol)).
  public static let defaultBand = 1e-6
  /// Consecutive on-kink steps before a pair counts as sliding.
  public static let minimumStreak = 3
  /// The trajectory columns, appended after the observables and invariants.
  public static let columnNames = ["rejected_ratio", "sliding_pairs", "sliding_time"]

  public let detector: SlidingPairDetector
  /// Work counters shared with the solver (``SolverOptions/liveStatistics``).
  public let live = LiveStatistics()
  private let architecture: Architecture
  private let sampleCount: Int
  private let pairCount: Int
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  // Per-pair state and per-step norms, allocated once: ``update(t:network:theta:)`` runs after every
  // accepted step and allocates nothing (raw buffers also avoid exclusivity checks in its loop).
  private let sign: UnsafeMutablePointer<Int8>
  private let streak: UnsafeMutablePointer<Int32>
  private let flips: UnsafeMutablePointer<Int32>
  private let time: UnsafeMutablePointer<Double>
  private let intervalStamp: UnsafeMutablePointer<Int32>
  private let weightNorms: UnsafeMutablePointer<Double>
  private let inverseSquaredWeightNorms: UnsafeMutablePointer<Double>
  private let inputNorms: UnsafeMutablePointer<Double>
  /// Per (hidden layer, sample): whether a pair of the row was on the kink after the last update. A row
  /// with none then and none now (``KinkScan``) is skipped: its pairs keep streak 0, and a pair's sign
  /// is read only while it is on the kink.
  private let rowActive: UnsafeMutablePointer<Bool>
  private var interval: Int32 = 1
  private var intervalPairs = 0
  private var intervalTime = 0.0
  private var lastT = -Double.infinity
  private var started = false
  private var intervalAccepted = 0
  private var intervalRejected = 0

  public init(architecture: Architecture, inputs: [Double], band: Double = defaultBand) {
    self.architecture = architecture
    detector = SlidingPairDetector(inputs: inputs, inputDimension: architecture.inputDimension, band: band)
    sampleCount = detector.inputNorms.count
    pairCount =
      architecture.activation.hasKink && architecture.depth > 1 ? architecture.hiddenUnitCount * sampleCount : 0
    let count = max(pairCount, 1)
    sign = arena.buffer(count: count)
    streak = arena.buffer(count: count)
    flips = arena.buffer(count: count)
    time = arena.buffer(count: count)
    intervalStamp = arena.buffer(count: count)
    weightNorms = arena.buffer(count: architecture.layerSizes.max() ?? 1)
    inverseSquaredWeightNorms = arena.buffer(count: architecture.layerSizes.max() ?? 1)
    inputNorms = arena.buffer(count: sampleCount)
    let rowCount = max(sampleCount * (architecture.depth - 1), 1)
    rowActive = arena.buffer(count: rowCount)
  }

  /// Records the accepted step ending at time t (not finite past log t ≈ 709.78: no time then) from
  /// `network`'s last forward pass at θ.
  public func update(t: Double, network: NetworkEvaluator, theta: UnsafePointer<Double>) {
    guard pairCount > 0 else { return }
    let dt = started && t.isFinite && lastT.isFinite ? t - lastT : 0
    var index = 0
    let band = detector.band
    // Locals, not stored properties, inside the loop: no exclusivity checks per pair.
    let started = self.started
    let interval = self.interval
    var intervalTime = self.intervalTime
    var intervalPairs = self.intervalPairs
    for k in 1..<architecture.depth {
      let width = architecture.layerSizes[k]
      let (rows, columns) = architecture.shape(ofLayer: k)
      let offset = architecture.offset(ofLayer: k)
      // The row pre-filter needs 1/‖w_j‖²; a unit with w_j = 0 (z = 0 is then on the kink, which the
      // pre-filter's 0·∞ cannot see), or with ‖w_j‖² below the normal range (1/‖w_j‖² = ∞), turns it off
      // for the layer.
      var filterRows = true
      for j in 0..<rows {
        var s = 0.0
        for c in 0..<columns { s += theta[offset + j * columns + c] * theta[offset + j * columns + c] }
        weightNorms[j] = s.squareRoot()
        let squared = weightNorms[j] * weightNorms[j]
        inverseSquaredWeightNorms[j] = 1 / squared
        if !squared.isNormal { filterRows = false }
      }
      if k == 1 {
        for n in 0..<sampleCount { inputNorms[n] = detector.inputNorms[n] }
      } else {
        let previousWidth = architecture.layerSizes[k - 1]
        let z = network.preActivations(ofLayer: k - 1)
        for n in 0..<sampleCount {
          inputNorms[n] = SlidingPairDetector.activationNorm(
            z + n * previousWidth, count: previousWidth, architecture: architecture)
        }
      }
      let z = network.preActivations(ofLayer: k)
      for n in 0..<sampleCount {
        let inputNorm = inputNorms[n]
        let active = rowActive + (k - 1) * sampleCount + n
        // Slack: the pre-filter must never drop a pair the exact test below accepts.
        let limit = band * inputNorm * (1 + 1e-12)
        if filterRows, !active.pointee,
          !KinkScan.anyNear(
            z + n * width, inverseSquared: inverseSquaredWeightNorms, count: width, limitSquared: limit * limit)
        {
          index += width
          continue
        }
        var onKink = false
        for j in 0..<width {
          let value = z[n * width + j]
          let newSign: Int8 = value > 0 ? 1 : -1
          if abs(value) <= band * weightNorms[j] * inputNorm {  // SlidingPairDetector.isNearKink
            if started, streak[index] > 0, newSign != sign[index] { flips[index] += 1 }
            streak[index] += 1
            if streak[index] > Self.minimumStreak {
              time[index] += dt
              intervalTime += dt
              if intervalStamp[index] != interval {
                intervalStamp[index] = interval
                intervalPairs += 1
              }
            }
            onKink = true
          } else {
            streak[index] = 0
          }
          sign[index] = newSign
          index += 1
        }
        active.pointee = onKink
      }
    }
    self.intervalTime = intervalTime
    self.intervalPairs = intervalPairs
    self.started = true
    lastT = t
  }

  /// The diagnostics of the interval since the previous call, (rejected ratio, sliding pairs, sliding
  /// pair-time), and starts the next interval.
  public func takeInterval() -> [Double] {
    let accepted = live.stepsAccepted - intervalAccepted
    let rejected = live.stepsRejected - intervalRejected
    intervalAccepted = live.stepsAccepted
    intervalRejected = live.stepsRejected
    defer {
      interval += 1
      intervalPairs = 0
      intervalTime = 0
    }
    let attempts = accepted + rejected
    return [attempts > 0 ? Double(rejected) / Double(attempts) : 0, Double(intervalPairs), intervalTime]
  }

  /// Totals over the run.
  public func summary(mode: SlidingMode, canUseFilippov: Bool) -> SlidingSummary {
    var pairs: [SlidingSummary.Pair] = []
    var total = 0.0
    var chatterFlips = 0
    var index = 0
    for k in 1..<(pairCount > 0 ? architecture.depth : 1) {
      let width = architecture.layerSizes[k]
      for n in 0..<sampleCount {
        for j in 0..<width {
          if time[index] > 0 {
            pairs.append(
              .init(pair: KinkPair(layer: k, sample: n, unit: j), time: time[index], flips: Int(flips[index])))
            total += time[index]
            chatterFlips += Int(flips[index])
          }
          index += 1
        }
      }
    }
    pairs.sort { $0.time > $1.time }
    let attempts = live.stepsAccepted + live.stepsRejected
    let ratio = attempts > 0 ? Double(live.stepsRejected) / Double(attempts) : 0
    return SlidingSummary(
      pairs: pairs.count, pairTime: total, chatterFlips: chatterFlips, rejectedRatio: ratio,
      top: Array(pairs.prefix(10)), mode: mode, canUseFilippov: canUseFilippov)
  }
}

/// Run totals of ``SlidingDiagnostics`` (run.json `stats.sliding` and the summary).
public struct SlidingSummary: Sendable {
  public struct Pair: Sendable {
    public var pair: KinkPair
    /// Time spent sliding (in t).
    public var time: Double
    /// Sign flips while on the kink.
    public var flips: Int
  }

  /// Distinct pairs that slid.
  public var pairs: Int
  /// Σ over pairs of the time spent sliding.
  public var pairTime: Double
  /// Sign flips of pairs on the kink (chattering across z = 0).
  public var chatterFlips: Int
  /// Rejected steps / attempted steps over the run.
  public var rejectedRatio: Double
  /// The pairs that slid longest (up to 10).
  public var top: [Pair]
  public var mode: SlidingMode
  /// Filippov runs: evaluations with more candidate pairs than the slope solver holds (``FilippovCounting``).
  public var capacityOverflows = 0
  /// `--sliding exact`: the kink events its steps stopped at (nil for the other modes).
  public var events: Int? = nil
  /// `repelling_exit` `rule`: evaluations that gave a pair an exit slope from a repelling surface, and those with
  /// a unit of two or more repelling pairs in its band (`--sliding exact`: exit events and unresolved crossings
  /// of a_j = 0, ``EventDrivenStepper``; nil otherwise).
  public var repellingExits: Int? = nil
  public var unresolvedRepelling: Int? = nil
  /// `--sliding exact` under `dip_search` `interior`: steps in which the dip search found a pair past its kink
  /// (``DipSearch``; nil otherwise).
  public var dips: Int? = nil
  /// `unit_collapse` `hold`: first-layer units the crossing-corrected steps set to w_j = 0 (``UnitCollapse``; nil
  /// otherwise).
  public var collapsedUnits: Int? = nil
  /// Whether `--sliding filippov` applies to this run (ReLU with K ≥ 2, unconstrained dynamics; or the
  /// normalized dynamics with one hidden layer).
  public var canUseFilippov: Bool

  /// Sliding pairs whose sign flipped back and forth while the stepper rejected ≥ 25% of its steps.
  public var isChattering: Bool { pairs > 0 && chatterFlips >= 2 * pairs && rejectedRatio >= 0.25 }

  /// One line for the summary.
  public var text: String {
    let overflow =
      capacityOverflows > 0
      ? "; in \(capacityOverflows) evaluations more pairs were near a kink than the Filippov solver holds (the rest kept ReLU slopes)"
      : ""
    guard pairs > 0 else {
      return String(format: "no sliding pairs; %.0f%% of steps rejected", 100 * rejectedRatio) + overflow
    }
    return String(
      format:
        "the flow slides on %d (sample, unit) pairs (%@), %d chatter flips, %.0f%% of steps rejected",
      pairs, Self.pairTimeText(pairTime), chatterFlips, 100 * rejectedRatio) + overflow
  }

  /// The summed sliding time for people: in t while t is a readable number; as e^x past 1e6 (long
  /// log-t runs, where the sum approaches the largest double); past it, a bound instead of "inf".
  static func pairTimeText(_ time: Double) -> String {
    if time < 1e6 { return String(format: "%.4g pair-time units of t", time) }
    if time.isFinite { return String(format: "pair-time e^%.4g in t", Foundation.log(time)) }
    return String(format: "pair-time beyond e^%.5g in t", Foundation.log(Double.greatestFiniteMagnitude))
  }

  /// What to do about chattering (nil when the run does not chatter).
  public var advice: String? {
    guard isChattering else { return nil }
    if mode == .corrected, canUseFilippov {
      // Where the corrected steps chatter, the Filippov slopes take the sliding pairs as one system (docs/kinks.md).
      return "the crossing-corrected steps chatter across ReLU kinks (pairs re-cross after their sliding entry); "
        + "try --sliding filippov"
    }
    if mode == .off, canUseFilippov {
      return "the stepper chatters across ReLU kinks (cost ∝ 1/rtol while sliding); try --sliding filippov "
        + "(with --error-norm rms if you are not using it)"
    }
    return "the stepper chatters across ReLU kinks (cost ∝ 1/rtol while sliding); --error-norm rms tolerates "
      + "error concentrated in a few kink components; see docs/relu-kinks.md"
  }
}
