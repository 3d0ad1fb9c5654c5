/// The step of the finite-difference Jacobian that the implicit steppers (msbdf, bsimp, rk*imp) get on a
/// ReLU net with Filippov slopes (`--sliding filippov`, and the log-t and ρ phases of `corrected`;
/// config key `kink_jacobian`).
///
/// The Filippov flow is smooth on each side of a kink and, for a sliding pair, inside its band
/// |z| ≤ η‖w‖‖x‖ (η = 100·rtol), where the slopes hold the pair on z = 0. A central difference whose step
/// carries z out of the band on one side measures the jump of the field across the kink divided by the
/// step, not the field's slope: with the default step ε^{1/3} ≈ 6e-6 against η = 1e-6 the Jacobian of
/// every sliding pair is wrong by orders of magnitude, msbdf's Newton iteration stops converging, and the
/// solver re-evaluates the Jacobian at nearly every step. The normalized flows in the log-t clock, stiff
/// and sliding, then crawl (docs/kinks.md, "Long log-t runs of the normalized flows").
///
/// - `in-band` (the default): the relative step is min(ε^{1/3}, η/100). A weight entry of size
///   |y_j| ≤ 1 (the unit directions V_k of the normalized flows) then moves a pre-activation of the unit
///   by at most η/100·ρ_1‖x‖, inside the band of any unit whose direction row has ‖V_1[j, :]‖ ≥ 1/100; the
///   central difference's rounding error, about ε/step ≈ 2e-8 relative at rtol 1e-8, is far below what a
///   Newton iteration needs.
/// - `cube-root`: ε^{1/3} everywhere, what runs recorded before the key existed used (a run.json without
///   it replays bit for bit).
///
/// Nets without Filippov slopes (smooth, linear, `--sliding off`) keep ε^{1/3} under either value.
public enum KinkJacobian: String, CaseIterable, Sendable, Codable {
  case inBand = "in-band"
  case cubeRoot = "cube-root"
}
