import CGSL

/// Process-wide GSL settings.
public enum GSLRuntime {
  /// GSL's default error handler aborts the process; GradientFlow never wants that. Every
  /// status is instead returned to the caller and mapped to an ``ODEError`` or a ``Termination``.
  /// Called by every solver; idempotent and thread-safe (a single store of a function pointer).
  public static func disableAbortOnError() {
    _ = disabled
  }

  private static let disabled: Bool = {
    gsl_set_error_handler_off()
    return true
  }()

  /// The version string of the GSL library in use, e.g. "2.7.1".
  public static var version: String { String(cString: gf_gsl_version()) }

  /// GSL's own message for a status code (`gsl_strerror`).
  public static func message(for status: Int32) -> String { String(cString: gsl_strerror(status)) }
}
