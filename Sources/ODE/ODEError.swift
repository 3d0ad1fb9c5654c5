import CGSL

/// Errors raised before a solve starts: impossible options or a failed GSL allocation.
/// (Problems during a solve end it with a ``Termination`` instead, keeping what was computed.)
public enum ODEError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Options that cannot work together; the message names the option.
  case invalidOptions(String)
  /// A GSL call failed; carries GSL's status code and its own message.
  case gsl(status: Int32, message: String)

  public var description: String {
    switch self {
    case .invalidOptions(let message): message
    case .gsl(let status, let message): "GSL error \(status): \(message)"
    }
  }

  static func gsl(_ status: Int32, context: String) -> ODEError {
    .gsl(status: status, message: "\(context): \(GSLRuntime.message(for: status))")
  }
}
