/// How the integration treats ReLU kinks: crossings of z_nj = 0 and sliding along it (`--sliding`, THEORY
/// §7.1; README "ReLU kinks").
///
/// - `off`: backprop with σ'(0) = 0. Where the flow is pushed onto z_nj = 0 from both sides an
///   adaptive explicit stepper chatters across the surface: the local error is first order in h there,
///   so the cost grows like 1/tol and about half of all steps are rejected.
/// - `filippov`: pairs near the kink (``SlidingPairDetector``) get the Filippov convex-combination slope
///   that keeps z_nj = 0 (``FilippovFlow``): the same trajectory as the exact Filippov solution, with the
///   sliding stretches smooth for the stepper (``DeepFilippovFlow`` for K ≥ 3). GSL's steps still cross
///   kinks, each crossing costing small steps. ReLU nets, every dynamics.
/// - `corrected`: steps that integrate one activation pattern and correct for the pattern changes
///   inside them, sample by sample (``CrossingCorrectedStepper``), with the Filippov slopes of `filippov` on
///   sliding pairs (ReLU): crossings no longer limit the step. Unconstrained flow of a relu or leaky-relu net
///   with a hidden layer, and the Lagrange and weight-normalized flows of a ReLU net with one hidden layer
///   (stepped in W, ``NormalizedCrossingStepper``), in the t clock; later log-t or ρ phases integrate the
///   `filippov` flow (ReLU, and leaky ReLU with one hidden layer under `leaky_sliding`) or one-sided slopes
///   (deeper leaky ReLU) with GSL. A pair of the unconstrained flow that chatters is held on its kink
///   (``ChatterMonitor``, config key `chatter`).
/// - `auto` (the default): `corrected` where it applies — the unconstrained flow (not gradient descent) of
///   a relu or leaky-relu net with a hidden layer — and `off` otherwise; but `filippov` for a ReLU net with
///   one hidden layer on data whose kink surfaces coincide (parallel inputs such as x and −x,
///   ``CoincidentKinks``) unless the corrected steps merge such a class's crossings (``CoincidentEntries``
///   `merged`, batched kernel, unconstrained flow: the default for new runs): followed sample by sample, two
///   samples crossing one surface together get two independent sliding shares, overshoot it and chatter
///   (docs/kinks.md).
///   ``RunSetup`` resolves it, so a
///   run.json records `corrected`, `filippov` or `off`. The Lagrange and weight-normalized flows of a ReLU net
///   with one hidden layer get `corrected`, on coincident surfaces too when their corrected steps project and
///   hold sliding pairs (`normalized_kinks` `shared` or `relaxed`, ``SolveOptions``), else `filippov` there
///   (before `corrected` applied to them they got `filippov`, which their recorded runs replay); those of a
///   ReLU net with two or more hidden layers get `filippov` (``DeepFilippovFlow`` with the flows' layer metric;
///   before 2026-12-06 they got `off`, which their recorded runs replay); every other normalized flow gets `off`.
public enum SlidingMode: String, CaseIterable, Sendable, Codable {
  case off
  case filippov
  case corrected
  case auto
  /// The event-driven reference (``EventDrivenStepper``): every switch located to round-off, each pattern's
  /// piece integrated by an embedded Runge–Kutta pair, sliding by the Filippov equivalent control on the
  /// surfaces the box LCP picks. Unconstrained flow of a relu or leaky-relu net with one hidden layer, in the t,
  /// log-t and auto clocks (the log-t phases step in t: ``LogClockEngine``).
  /// Never chosen by `auto`.
  case exact

  /// `auto` resolved for a run: `corrected` for the unconstrained flow of a relu or leaky-relu net with K ≥ 2
  /// and for the normalized flows of a ReLU net with K = 2, `filippov` instead for ReLU with K = 2 when
  /// `coincidentSurfaces` (some inputs are parallel and the corrected steps would not merge their entries:
  /// ``SolveOptions``), and `filippov` for the normalized flows of a ReLU net with K ≥ 3 (``DeepFilippovFlow``
  /// with their layer metric).
  public func resolved(
    architecture: Architecture, dynamics: DynamicsKind, gradientDescent: Bool, coincidentSurfaces: Bool = false
  ) -> SlidingMode {
    guard self == .auto else { return self }
    if dynamics != .unconstrained {
      guard architecture.activation == .relu, architecture.depth >= 2, !gradientDescent else { return .off }
      guard architecture.depth == 2 else { return .filippov }
      return coincidentSurfaces ? .filippov : .corrected
    }
    let piecewiseLinear = architecture.activation == .relu || architecture.activation == .leakyRelu
    let applies = architecture.depth >= 2 && piecewiseLinear && dynamics == .unconstrained && !gradientDescent
    guard applies else { return .off }
    if coincidentSurfaces, architecture.depth == 2, architecture.activation == .relu { return .filippov }
    return .corrected
  }
}
