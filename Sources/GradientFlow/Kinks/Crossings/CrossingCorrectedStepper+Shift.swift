import ODE

// Crossing times on the corrected path for ``CrossingCorrectedStepper`` (``CrossingTimes`` `shifted`): a net with
// one hidden layer, unconstrained flow.
//
// The follower takes a pair's crossing time s_i from its cubic along the frozen path θ̃(s). A crossing of unit j
// by sample k at s_k changes ẇ_j by g_k x_k (g_k = ±(1 − α) y_k ℓ-force_k a_j, ± the flip's sign), so after it
// the true path's row j is θ̃_j(s) + g_k x_k h (s − s_k) and every later z_ij of the same unit moves by
// x_i·x_k g_k h (s − s_k). Its crossing then lies at the root s_i* of
//
//   z̃_ij(s) + Σ_{k: s_k < s_i} g_k h (s − s_k) (x_i·x_k) = 0
//
// near s_i (z̃ the exact cubic on the frozen path; Newton from s_i, ``CrossingTimes/newtonSteps``), which the
// follower's pieces use instead of s_i. Without it, the correction
// of the later crossing is off by g_i x_i h (s_i* − s_i): second order in h, but with the factor
// |g_k (x_i·x_k)|/|ż_i|, large where a unit sweeps slowly across nearly parallel or antiparallel samples (the
// noisy corners of XOR), and the correction's own error estimate does not contain it.
extension CrossingCorrectedStepper {
  /// Records every flagged sample's first-layer events (``firstLayerEvents(sample:h:)``) and shifts the
  /// crossings of units crossed more than once in the step onto the corrected path. Returns false (no records:
  /// the follower computes its events itself) when the records would overflow their capacity.
  func shiftFirstLayerCrossings(h: Double) -> Bool {
    guard let shift = crossingShift else { return false }
    let width = layerWidths[0]
    var count = 0
    shift.unitCounts.update(repeating: 0, count: width)
    for n in 0..<sampleCount where flagged[n] {
      let events = firstLayerEvents(sample: n, h: h)
      guard count + events <= shift.capacity else { return false }
      shift.sampleStarts[n] = count
      shift.sampleCounts[n] = events
      guard events > 0 else { continue }
      // The sample's force y ℓ-force(q) at the step's start (first order is enough for a first-order shift).
      let m = network.frozenSlopes(ofLayer: 1) + n * width
      slopes.update(from: m, count: width)
      let y = field.label(n)
      let f = field.preActivations(start, sample: n, slopes: slopes, into: rootZ)
      let force = y * field.loss.force(margin: y * f, logTimeUnit: logTimeUnit)
      for e in 0..<events {
        let (s, u) = (eventTimes[e], eventUnits[e])
        let r = count + e
        shift.times[r] = s
        shift.units[r] = u
        shift.samples[r] = n
        // The slope before this event: the frozen one, flipped by the pair's earlier events in the step.
        var before = m[u]
        for earlier in 0..<e where eventUnits[earlier] == u {
          before = before == positiveSlope ? lowerSlope : positiveSlope
        }
        let change = (before == positiveSlope ? -1.0 : 1.0) * (1 - lowerSlope)
        shift.coefficients[r] = change * force * field.outputSignal(start, slopes: slopes, unit: u)
        shift.unitCounts[u] += 1
      }
      count += events
    }
    shift.records = count
    for u in 0..<width where shift.unitCounts[u] >= 2 { shiftUnit(u, shift: shift, h: h) }
    return true
  }

  /// Shifts the crossings of unit u (two or more records) in time order; a pair crossed more than once in the
  /// step, an event at s = 0 (a stale slope) and a shift beyond ``CrossingTimes/largestShift`` keep their times.
  private func shiftUnit(_ u: Int, shift: CrossingShift, h: Double) {
    let d = layerSizes[0]
    var m = 0
    for r in 0..<shift.records where shift.units[r] == u {
      guard m < CrossingTimes.largestGroup else { return }
      // Insert by time.
      var i = m
      while i > 0, shift.times[shift.group[i - 1]] > shift.times[r] {
        shift.group[i] = shift.group[i - 1]
        i -= 1
      }
      shift.group[i] = r
      m += 1
    }
    for i in 1..<m {
      let r = shift.group[i]
      let (s, n) = (shift.times[r], shift.samples[r])
      guard s > 0, crossesOnce(sample: n, unit: u, shift: shift) else { continue }
      let x = field.input(n)
      // δz = Σ_k g_k h (s − s_k)(x·x_k) over the earlier crossings (at their shifted times).
      var (moved, movedRate) = (0.0, 0.0)
      for k in 0..<i {
        let earlier = shift.group[k]
        let xk = field.input(shift.samples[earlier])
        var dot = 0.0
        for c in 0..<d { dot += x[c] * xk[c] }
        moved += shift.coefficients[earlier] * h * (s - shift.times[earlier]) * dot
        movedRate += shift.coefficients[earlier] * h * dot
      }
      // Newton on z̃(σ) + δz(σ) = 0 from σ = s, where z̃(s) = 0 (δz is linear in σ, z̃ the exact cubic).
      var sigma = s
      var value = moved
      for _ in 0..<CrossingTimes.newtonSteps {
        let rate = firstLayerSlope(sample: n, unit: u, at: sigma, h: h) + movedRate
        let next = sigma - value / rate
        guard next.isFinite, abs(next - s) <= CrossingTimes.largestShift else {
          sigma = s
          break
        }
        sigma = next
        value = firstLayerValue(sample: n, unit: u, at: sigma, h: h) + moved + movedRate * (sigma - s)
      }
      shift.times[r] = min(max(sigma, 0), 1)
    }
  }

  /// z̃ of first-layer pair (n, j) at s along the frozen path: its exact cubic Hermite.
  func firstLayerValue(sample n: Int, unit j: Int, at s: Double, h: Double) -> Double {
    let index = n * layerWidths[0] + j
    let (z0, z1) = (startZ[index], endZ[index])
    let (r0, r1) = (h * startRateZ[index], h * endRateZ[index])
    let s2 = s * s
    let s3 = s2 * s
    return (2 * s3 - 3 * s2 + 1) * z0 + (s3 - 2 * s2 + s) * r0 + (-2 * s3 + 3 * s2) * z1 + (s3 - s2) * r1
  }

  /// Whether sample n crosses unit u exactly once in the step (its records).
  private func crossesOnce(sample n: Int, unit u: Int, shift: CrossingShift) -> Bool {
    let first = shift.sampleStarts[n]
    var seen = 0
    for r in first..<(first + shift.sampleCounts[n]) where shift.units[r] == u { seen += 1 }
    return seen == 1
  }

  /// Sample n's recorded events, shifted, in time order into `eventTimes`/`eventUnits`; returns their count.
  func shiftedEvents(sample n: Int) -> Int {
    guard let shift = crossingShift else { return 0 }
    let (first, count) = (shift.sampleStarts[n], shift.sampleCounts[n])
    for e in 0..<count { insertEvent(time: shift.times[first + e], unit: shift.units[first + e], among: e) }
    return count
  }
}

/// The records of ``CrossingCorrectedStepper/shiftFirstLayerCrossings(h:)``: one per first-layer event of the
/// flagged samples (preallocated; a step with more events keeps the frozen path's times).
final class CrossingShift {
  let capacity: Int
  let times: UnsafeMutablePointer<Double>
  let units: UnsafeMutablePointer<Int>
  let samples: UnsafeMutablePointer<Int>
  /// g of each event: the event changes ẇ_u by g·x_n.
  let coefficients: UnsafeMutablePointer<Double>
  let sampleStarts: UnsafeMutablePointer<Int>
  let sampleCounts: UnsafeMutablePointer<Int>
  let unitCounts: UnsafeMutablePointer<Int>
  /// One unit's records in time order (scratch).
  let group: UnsafeMutablePointer<Int>
  var records = 0

  init(arena: ScratchArena, samples sampleCount: Int, width: Int) {
    capacity = max(1024, 8 * width)
    times = arena.buffer(Double.self, count: capacity)
    units = arena.buffer(Int.self, count: capacity)
    samples = arena.buffer(Int.self, count: capacity)
    coefficients = arena.buffer(Double.self, count: capacity)
    sampleStarts = arena.buffer(Int.self, count: max(sampleCount, 1))
    sampleCounts = arena.buffer(Int.self, count: max(sampleCount, 1))
    unitCounts = arena.buffer(Int.self, count: width)
    group = arena.buffer(Int.self, count: CrossingTimes.largestGroup)
  }
}
