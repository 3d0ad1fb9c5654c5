import ODE

/// Counts changes of the ReLU activation pattern: the (sample, hidden unit) pairs whose
/// pre-activation z_nj = w_j·h_n changed side of the kink (z > 0 active, z ≤ 0 inactive, matching
/// σ'(0) = 0) since the last ``update(from:)``. Called after every accepted step, it counts the
/// switches the solver stepped across, including back-and-forth chattering of sliding modes
/// (THEORY §7.1(c)); between two saves it gives the `pattern_changes` column.
public final class ActivationPatternTracker {
  /// Owns the buffers of this type (freed with it).
  private let arena = ScratchArena()
  private let pattern: UnsafeMutablePointer<Bool>
  private let size: Int
  private var initialized = false
  /// Switches counted since the last ``takeCount()``.
  public private(set) var count = 0
  /// Switches counted over the whole run.
  public private(set) var total = 0

  public init(architecture: Architecture, sampleCount: Int) {
    size = architecture.hiddenUnitCount * sampleCount
    pattern = arena.buffer(count: size)
  }

  /// Compares the pattern of `network`'s last forward pass with the stored one and stores it.
  public func update(from network: NetworkEvaluator) {
    guard size > 0, network.architecture.activation.hasKink else { return }
    let sizes = network.architecture.layerSizes
    var index = 0
    var changes = 0
    for k in 1..<network.architecture.depth {
      let z = network.preActivations(ofLayer: k)
      for i in 0..<(network.sampleCount * sizes[k]) {
        let active = z[i] > 0
        if initialized, active != pattern[index] { changes += 1 }
        pattern[index] = active
        index += 1
      }
    }
    initialized = true
    count += changes
    total += changes
  }

  /// Returns the switches counted since the previous call and restarts the count.
  public func takeCount() -> Int {
    defer { count = 0 }
    return count
  }
}
