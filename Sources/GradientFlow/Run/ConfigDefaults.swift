import ODE

/// The default of every run option with one: the single table that ``RunConfig``'s initial
/// values (hence its decoder, which starts from them) and the command line's `--help` read.
/// Options without an entry have no default value: they are off, or derived from other options
/// (``RunConfig/resolvedSaveFrom``, ``KinkOptions/defaultBand(rtol:)``,
/// ``RunConfig/stepper(forClock:)``).
public enum ConfigDefaults {
  // Data
  public static let generator = ToyDataset.blobs
  public static let n = 40
  public static let dimension = 2
  public static let biasFeature = false
  // Network and loss
  /// Hidden widths when neither `widths` nor initial weights give them (one hidden layer of 16).
  public static let widths = [16]
  /// The width of each hidden layer when only the depth is given.
  public static let hiddenWidth = 16
  public static let activation = Activation.relu
  public static let leakySlope = 0.01
  public static let loss = Loss.exponential
  public static let dynamics = DynamicsKind.unconstrained
  /// Weight normalization's initial ‖v_k‖ = c_k, every layer.
  public static let wnScale = 1.0
  public static let initScale = 1.0
  public static let seed: UInt64 = 0
  // Integration
  public static let clock = Clock.t
  public static let tEnd = 1e4
  public static let saves = 50
  public static let saveSpacing = SaveSpacing.clock
  public static let rtol = 1e-8
  public static let atol = 1e-10
  public static let errorNorm = ErrorNorm.rms
  /// The stepper: rkf45 (or the kink engine) while the problem is not stiff, msbdf while it is
  /// (docs/stiff.md).
  public static let stepper = Stepper.auto
  /// The stepper of a phase of a run.json recorded without a stepper (``RunConfig/stepper(forClock:)``):
  /// a low-order pair copes best with ReLU kinks (THEORY §7.5) …
  public static let legacyStepper = Stepper.rkf45
  /// … except for the Lagrange and weight-normalized flows in the log-t and ρ clocks, where they are
  /// stiff (THEORY §7.4).
  public static let stiffStepper = Stepper.msbdf
  public static let maxSteps = 1_000_000
  /// The minimum step size; 0 is none.
  public static let hmin = 0.0
  /// OpenBLAS threads (``BLASThreads``): one, as every run before `threads` was recorded.
  public static let threads = 1
  // Kinks
  public static let sliding = SlidingMode.auto
}
