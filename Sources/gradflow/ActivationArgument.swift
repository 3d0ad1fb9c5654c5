import ArgumentParser
import GradientFlow

/// `--activation`: relu, identity, leaky-relu, or smooth-relu:EPS (the smooth homogeneous gate of width
/// ε, ``SmoothGate``: a different model, so its width is part of the name and has no default).
struct ActivationArgument: ExpressibleByArgument, CustomStringConvertible {
  let activation: Activation
  let gateWidth: Double?

  init?(argument: String) {
    let parts = argument.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
    guard let activation = Activation(rawValue: String(parts[0])) else { return nil }
    if activation == .smoothRelu {
      guard parts.count == 2, let width = Double(parts[1]), width > 0, width.isFinite else { return nil }
      gateWidth = width
    } else {
      guard parts.count == 1 else { return nil }
      gateWidth = nil
    }
    self.activation = activation
  }

  var description: String { activation.rawValue + (gateWidth.map { ":\($0)" } ?? "") }

  static var allValueStrings: [String] { ["relu", "identity", "leaky-relu", "smooth-relu:EPS"] }

  static let helpText =
    "Hidden activation: relu, identity, leaky-relu, or smooth-relu:EPS — the smooth, exactly homogeneous gate (w·h)·S((w·h)/(EPS‖w‖‖h‖)), S logistic (a different model from relu; EPS > 0, e.g. 0.1)."
}
