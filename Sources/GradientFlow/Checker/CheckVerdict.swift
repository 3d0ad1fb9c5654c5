/// The checker's answer to "did V reach a KKT point of the max-margin problem?" (THEORY §5.5 item 8, §6).
///
/// One rule for one state (``TrajectoryCheck``): the verdict depends on the last checked state and the
/// run's trajectory, not on which other times were checked.
///
/// | verdict | meaning | `--fail-unless-kkt` exit code |
/// |---|---|---|
/// | `kkt` | ε_rel, δ_rel and abs(Λ-ratio − 1) ≤ tolerance at the last checked time and no decisive §6 diagnostic (P1, P5) failed | 0 |
/// | `converging` | not within the tolerance, but P1 passed: L < 1 with a non-decreasing smoothed margin (THEORY §5.4) | 2 |
/// | `not-converged` | not within the tolerance and not in that regime, or a decisive diagnostic failed | 3 |
/// | `kink-ambiguous` | K ≥ 3 and ReLU kinks leave the answer open (THEORY §5.5 item 6) | 4 |
/// | `not-separable` | the last weights do not separate the data (γ ≤ 0), so no certificate exists | 5 |
///
/// `gradflow check` exits 0 on every completed analysis; only with `--fail-unless-kkt` does a verdict
/// other than `kkt` exit with its code. Exit codes 1 (write error), 64 (usage error) and 65 (unusable
/// data or weights file) keep their meaning from the rest of `gradflow`.
/// A `kkt` verdict means "KKT point" (first-order stationarity), never "global max margin".
public enum CheckVerdict: String, Sendable, CaseIterable {
  case kkt
  case converging
  case notConverged = "not-converged"
  case kinkAmbiguous = "kink-ambiguous"
  case notSeparable = "not-separable"

  /// The exit code of `gradflow check --fail-unless-kkt` for this verdict (without the flag: 0).
  public var exitCode: Int32 {
    switch self {
    case .kkt: 0
    case .converging: 2
    case .notConverged: 3
    case .kinkAmbiguous: 4
    case .notSeparable: 5
    }
  }

  /// One line for people.
  public var meaning: String {
    switch self {
    case .kkt:
      "approximate KKT point of the max-margin problem (within tolerance)"
    case .converging: "not yet within tolerance, in the regime where the flow's direction converges to a KKT point"
    case .notConverged: "not within tolerance and not shown to be in the converging regime"
    case .kinkAmbiguous: "ReLU kinks (K >= 3) leave open whether this is a KKT point"
    case .notSeparable: "the weights do not separate the data (min margin <= 0): no max-margin certificate exists"
    }
  }
}

/// Why a check could not be run; ``exitCode`` follows sysexits like the rest of `gradflow`.
public enum CheckError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Impossible options or a missing input (exit 64), e.g. `--at all` without weights.csv.
  case usage(String)
  /// A dataset, weights or run file that cannot be read or does not fit (exit 65).
  case data(String)
  /// An output file could not be written (exit 1).
  case output(String)

  public var description: String {
    switch self {
    case .usage(let message), .data(let message), .output(let message): message
    }
  }

  public var exitCode: Int32 {
    switch self {
    case .usage: 64
    case .data: 65
    case .output: 1
    }
  }
}
