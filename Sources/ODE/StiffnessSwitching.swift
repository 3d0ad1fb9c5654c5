/// When ``Stepper/auto`` (``StiffnessSwitchingEngine``) tests for stiffness, how many stiff verdicts in a row
/// switch it to its implicit method, and what switches it back (``SolverOptions/switching``).
///
/// A stiffness check estimates ρ(J) of ∂f/∂y by power iteration (``StiffnessEstimator``) and calls the
/// explicit method's steps *stiff* when h·ρ(J) ≥ 1.5 (its stability limit β ≈ 3 on the negative real axis,
/// with margin for the controller's oscillation below it). Two rules use that verdict:
///
/// - ``smooth`` (the default): checks from the first step; 3 stiff checks in a row switch to msbdf, 5 checks
///   with h·ρ(J) ≤ 0.5 in a row switch back. Right for smooth right-hand sides.
/// - ``kinked``: for a ReLU net's Filippov flow, whose right-hand side is only piecewise smooth. Near a kink
///   the difference quotient of the power iteration can see the jump of the field across it instead of its
///   slope, so a single verdict is unreliable, and a BDF method's Newton iteration and history suffer at every
///   crossing. So: no checks during the first ``warmUpSteps`` accepted steps (a problem that finishes within
///   them is integrated exactly as by the explicit method alone, bit for bit); then ``stiffChecks`` = 50 stiff
///   verdicts in a row switch; and the way back is decided by cost, not by ρ(J): the implicit method
///   returns to the explicit one as soon as it needs more right-hand-side evaluations per unit of the solve's
///   time than the explicit method needed over its last stiff stretch (``SwitchBack/cost``). msbdf steps
///   with tolerances 100 times tighter than the run's (``implicitToleranceScale``): at the run's own rtol
///   its final loss on the zoo's switched problems was less accurate than the explicit steps'
///   (which propagate the fifth-order solution of a 4(5) pair), 6.4e-6 from the reference in log L on
///   xor4_w8_s1e-3 against their 1.0e-7; at a hundredth every switched zoo problem ends within 6e-7 of its
///   reference in log L, at up to
///   1.6 times the evaluations at the run's own tolerances (docs/stiff.md).
public struct StiffnessSwitching: Sendable, Equatable {
  /// What switches the implicit method back to the explicit one.
  public enum SwitchBack: Sendable, Equatable {
    /// After this many checks in a row with h·ρ(J) ≤ 0.5 (an explicit method could take the implicit
    /// method's steps with a wide stability margin).
    case nonStiffChecks(Int)
    /// When the evaluations per unit of time of the implicit method over a window of ``costWindow``
    /// accepted steps (counted after its first ``costGrace`` steps, while msbdf builds up its order)
    /// exceed those of the explicit method over its stiff stretch before the switch. Evaluations, not
    /// seconds, so the decision is the same on every machine and a run replays bit for bit.
    case cost
  }

  /// Accepted steps before the first check (0: check from the start).
  public var warmUpSteps: Int
  /// Consecutive stiff verdicts that switch to the implicit method.
  public var stiffChecks: Int
  public var switchBack: SwitchBack
  /// The implicit method's relative and absolute tolerances as a multiple of the solve's (1: the same).
  public var implicitToleranceScale: Double
  /// Whether the explicit method returns to the implicit one by cost after a hand-back (``ImplicitReturn``).
  public var implicitReturn: ImplicitReturn
  /// Which h·ρ(J) a check's verdict is taken from (``StiffnessVerdict``).
  public var verdict: StiffnessVerdict

  public init(
    warmUpSteps: Int, stiffChecks: Int, switchBack: SwitchBack, implicitToleranceScale: Double = 1,
    implicitReturn: ImplicitReturn = .verdicts, verdict: StiffnessVerdict = .single
  ) {
    self.verdict = verdict
    self.warmUpSteps = warmUpSteps
    self.stiffChecks = stiffChecks
    self.switchBack = switchBack
    self.implicitToleranceScale = implicitToleranceScale
    self.implicitReturn = implicitReturn
  }

  /// The implicit method's tolerances: the solve's scaled by ``implicitToleranceScale``, the relative one
  /// no tighter than 1e-13 (a few hundred ulps: msbdf's error test cannot go further).
  func implicitTolerances(_ tolerances: Tolerances) -> Tolerances {
    guard implicitToleranceScale != 1 else { return tolerances }
    var scaled = tolerances
    scaled.relative = max(tolerances.relative * implicitToleranceScale, min(tolerances.relative, 1e-13))
    scaled.absolute = tolerances.absolute * implicitToleranceScale
    return scaled
  }

  /// The rule for smooth right-hand sides (linear models, deep linear nets, the smooth gate).
  public static let smooth = StiffnessSwitching(warmUpSteps: 0, stiffChecks: 3, switchBack: .nonStiffChecks(5))

  /// The rule for ReLU nets' Filippov flows (config key `stiff_kinks` = `switch`). 2,000 accepted steps are
  /// 12,000 evaluations of a 4(5) pair: of the conformance zoo's one-hidden-layer ReLU problems, all but four
  /// finish their t phase within them (and run unchanged), while the stiff ones run 10⁵–10⁶ explicit steps.
  /// At a check every 20 steps, 50 verdicts span at least 1,000 steps of a stiff stretch (docs/stiff.md,
  /// "Stiff kinks: switching").
  public static let kinked = StiffnessSwitching(
    warmUpSteps: 2_000, stiffChecks: 50, switchBack: .cost, implicitToleranceScale: 0.01)

  /// Explicit steps after a hand-back by cost before ``ImplicitReturn/cost`` compares costs (the length of a stiff
  /// stretch of 50 verdicts, one every 20 steps).
  public static let returnSteps = 1_000
  /// How many times the implicit method's cost over its last window the explicit method's cost since the hand-back
  /// must exceed for ``ImplicitReturn/cost`` to return (a margin against ping-pong between two near costs).
  public static let returnFactor = 2.0

  /// Implicit steps between two cost comparisons (``SwitchBack/cost``).
  public static let costWindow = 50
  /// Implicit steps after a switch before the first cost window starts (msbdf starts at order 1 with a
  /// new Jacobian and grows its steps and order over its first tens of steps).
  public static let costGrace = 50
}
