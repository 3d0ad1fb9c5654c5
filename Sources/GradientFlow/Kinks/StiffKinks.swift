import ODE

/// Whether `--stepper auto` switches to an implicit method in the t phases of a relu or leaky-relu net with one
/// hidden layer (config key `stiff_kinks`; leaky ReLU since the log-t phases step in t too, ``LogTimeKinks``:
/// docs/kinks.md, "Kinks in the log-t clock").
///
/// There the kink treatment (`corrected`: the crossing-corrected steps; `filippov`: rkf45 on the Filippov
/// flow) is explicit, so on stiff data — real features over several decades, non-separable data whose flow
/// converges to a finite minimizer — its steps sit at the explicit pair's stability limit h·ρ(J) ≈ 3 and the
/// run crawls (docs/stiff.md, "Stiff kinks").
///
/// - `escalate` (the default for new runs): as `switch`, and when msbdf has been handed back as costlier at every
///   switch up to the last one allowed, the unconstrained flow goes on with the exact engine of `exact` instead of
///   ending on the explicit steps held by stability (``StiffnessSwitchingEngine``). A run that never uses up its
///   switches — every stiff problem of the conformance zoo — is integrated exactly as under `switch`, bit for bit;
///   on the diabetes example, where msbdf stalls on the sliding pairs, the run finishes (docs/stiff.md, "Stiff
///   kinks: the exact engine").
/// - `switch` (the default of runs recorded before `escalate`, which replay with it): `auto` keeps the kink
///   treatment as its explicit method and may switch to msbdf on the Filippov flow, with a finite-difference
///   Jacobian whose steps stay inside the kink band (``KinkJacobian``), under the rule for kinked right-hand sides
///   (``StiffnessSwitching/kinked``): no stiffness checks in the first 2,000 accepted steps, 50 stiff verdicts in a
///   row to switch, and back when msbdf costs more evaluations per unit t than the explicit steps did.
/// - `exact` (opt-in: 1.7–2.4 times msbdf's evaluations on the zoo's switched problems, docs/stiff.md): as
///   `switch`, but the unconstrained flow switches to the event-driven exact engine with bsimp pieces
///   (``EventDrivenStepper``: the activation pattern frozen between located events, each piece integrated by
///   GSL's implicit Bulirsch–Stoer method) instead of msbdf on the band-regularized Filippov flow, whose Newton
///   iteration stalls on the band where the flow slides (docs/stiff.md, "Stiff kinks: the exact engine"). The
///   normalized flows, which the exact engine does not integrate, switch to msbdf as under `switch`.
/// - `explicit`: never switches (what runs recorded before the key existed did, so a run.json without it
///   replays bit for bit).
public enum StiffKinks: String, CaseIterable, Sendable, Codable {
  case escalate
  case `switch`
  case exact
  case explicit

  /// Whether a phase switches: `escalate`, `switch` or `exact`, `--stepper auto`, one hidden relu or leaky-relu
  /// layer (no smooth gate), the unconstrained flow, the flow (not gradient descent) and a kink treatment with a
  /// Filippov flow (`corrected` or `filippov`).
  static func applies(
    _ value: StiffKinks, stepper: Stepper, architecture: Architecture, dynamics: DynamicsKind, sliding: SlidingMode,
    gradientDescent: Bool
  ) -> Bool {
    switchable(value, stepper: stepper, architecture: architecture, gradientDescent: gradientDescent)
      && dynamics == .unconstrained && (sliding == .corrected || sliding == .filippov)
  }

  /// Where the switch for kinked right-hand sides can run at all: any value but `explicit`, `--stepper auto`, one
  /// hidden relu or leaky-relu layer without the smooth gate, the flow (not gradient descent). ``applies`` adds the
  /// unconstrained flow's t phases; ``LogTimeKinks`` the normalized flows' log-t phases.
  static func switchable(
    _ value: StiffKinks, stepper: Stepper, architecture: Architecture, gradientDescent: Bool
  ) -> Bool {
    value != .explicit && stepper == .auto && architecture.depth == 2
      && (architecture.activation == .relu || architecture.activation == .leakyRelu)
      && architecture.smoothGate == nil && !gradientDescent
  }
}
