import ArgumentParser
import Foundation

/// Help text ending in "(default: VALUE)", as ArgumentParser prints it for options with a default
/// value. The run options are optional (a `--config` file may set them), so ArgumentParser cannot show
/// their defaults itself; they come from ``ConfigDefaults``, the table the config reads.
func help(_ text: String, default value: String) -> ArgumentHelp {
  ArgumentHelp(text + " (default: \(value))")
}

/// A default number in help: shortest of %g ("10000", "1e-08") and Swift's description.
func helpNumber(_ x: Double) -> String {
  let g = String(format: "%g", x)
  return Double(g) == x ? g : "\(x)"
}
