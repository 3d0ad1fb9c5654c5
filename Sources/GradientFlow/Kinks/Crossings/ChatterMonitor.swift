import ODE

/// Finds the first-layer pairs that chatter under ``CrossingCorrectedStepper`` (config key `chatter`,
/// docs/kinks.md): pairs that cross their kink again and again in successive accepted steps.
///
/// A pair (n, j) that enters its kink surface inside a step gets the Filippov share of its flip for the
/// rest of the step, which should leave it on z_nj = 0 (within the band |z| ≤ η‖w_j‖‖x_n‖) for the next
/// step's Filippov slopes. The share is integrated with a few Gauss points and a first-order Jacobian term,
/// so the pair can land just outside the band, cross back, enter again, and so on: every round trip costs
/// a corrected crossing and often a rejected step. A pair that crossed in one of the last ``window``
/// accepted steps and crosses again counts a repeat; at ``repeatsToHold`` repeat it is handed to the
/// sliding set: its band is widened (``FilippovFlow/widen(sample:unit:band:)``) to ``widening`` × its
/// distance from the kink at the start of the next step (at least ``floor`` η), so the Filippov slopes hold it there and their
/// pull-back takes it to z = 0 (a pair that is not attracted there keeps its ReLU slope: only pairs with
/// a_j c_n < 0 are candidates).
///
/// A held pair found outside its wider band at a later step's start has left its kink: it gets η back and
/// counts afresh (``release(where:)``). The wider band holds a pair only while a_j y_n < 0.
///
/// Crossings of rejected attempts are discarded; everything is allocated once.
final class ChatterMonitor {
  /// Accepted steps within which a second crossing of a pair is a repeat.
  static let window = 2
  /// Repeats after which a pair is held: one, a pair that crosses back within ``window`` steps. (Two held
  /// later and cost more on the zoo's random labels, 4,982 evaluations against 4,853, docs/kinks.md; a pair
  /// that is held but not attracted to its kink keeps its ReLU slope, so an early hold costs little.)
  static let repeatsToHold: UInt8 = 1
  /// The widened band as a multiple of the pair's distance from its kink, |z|/(‖w‖‖x‖), at the start of
  /// the step after the repeat: wide enough that the next entries land inside.
  static let widening = 4.0
  /// The narrowest widened band, in units of η (with a hold after two repeats, 1 and 3 held too narrowly on the zoo's
  /// random labels and chattered on: 49,467 and 10,224 evaluations against 4,982 with 10, docs/kinks.md).
  static let floor = 10.0
  /// The widest band a pair gets (the Filippov band's own cap, ``KinkOptions/defaultBand(rtol:)``).
  static let widestBand = 1e-2

  let width: Int
  private let lastCrossing: UnsafeMutablePointer<Int>
  private let repeats: UnsafeMutablePointer<UInt8>
  private let pending: UnsafeMutablePointer<Int>
  private let capacity: Int
  private var pendingCount = 0
  private var acceptedSteps = 0
  /// The held pairs (n·width + j).
  private let held: UnsafeMutablePointer<Int>
  /// Owns the buffers above (zero-filled).
  private let arena = ScratchArena()
  private var heldCount = 0
  /// Pairs handed to the sliding set so far.
  private(set) var heldPairs = 0

  init(samples: Int, width: Int) {
    self.width = width
    let pairs = max(samples * width, 1)
    lastCrossing = arena.buffer(count: pairs)
    lastCrossing.update(repeating: Int.min / 2, count: pairs)
    repeats = arena.buffer(count: pairs)
    capacity = 4 * samples + 64
    pending = arena.buffer(count: capacity)
    held = arena.buffer(count: pairs)
  }

  /// Forgets the crossings of the previous (rejected) attempt.
  func beginAttempt() { pendingCount = 0 }

  /// A crossing of first-layer pair (n, j) in the current attempt.
  func record(sample n: Int, unit j: Int) {
    guard pendingCount < capacity else { return }
    pending[pendingCount] = n * width + j
    pendingCount += 1
  }

  /// The attempt was accepted: counts its crossings and calls `hold(n, j)` for each pair that reaches
  /// ``repeatsToHold`` repeats (once per pair and step).
  func accept(hold: (Int, Int) -> Void) {
    acceptedSteps += 1
    for p in 0..<pendingCount {
      let pair = pending[p]
      if lastCrossing[pair] != acceptedSteps, lastCrossing[pair] >= acceptedSteps - Self.window {
        if repeats[pair] < UInt8.max { repeats[pair] += 1 }
        if repeats[pair] >= Self.repeatsToHold {
          if repeats[pair] == Self.repeatsToHold {
            heldPairs += 1
            held[heldCount] = pair
            heldCount += 1
          }
          hold(pair / width, pair % width)
        }
      }
      lastCrossing[pair] = acceptedSteps
    }
    pendingCount = 0
  }

  /// Releases every held pair for which `departed(n, j)` (it left its wider band: it no longer slides), so
  /// it counts its repeats afresh.
  func release(where departed: (Int, Int) -> Bool) {
    var kept = 0
    for p in 0..<heldCount {
      let pair = held[p]
      if departed(pair / width, pair % width) {
        repeats[pair] = 0
      } else {
        held[kept] = pair
        kept += 1
      }
    }
    heldCount = kept
  }
}
