/// What the crossing-corrected steps do with the pairs that slide at a step's end (config key
/// `sliding_correction`, docs/kinks.md "Projected sliding").
///
/// A sliding pair (n, j) of a one-hidden-layer net lies on its kink surface w_j·x_n = 0, and the Filippov
/// slopes keep ż_nj = 0 (up to the pull-back −κ z_nj) at every evaluation. A step's end still carries the
/// step's local error in z_nj, O(rtol)‖w_j‖‖x_n‖, and the sliding motion that follows starts from it: the
/// pull-back removes it only at the unit's own rate, so over many steps the offsets add up in the loss.
///
/// - `resolved` (the default for new runs): `kept`, with each pair's slope re-solved for the crossings and the pair held only while that
///   slope stays in [α, 1]. The cancellation of `kept` assumes the sliding pair keeps sliding after the other
///   sample's flip; when its re-solved slope leaves the box it leaves its kink at the bound instead (e.g. a
///   sample that enters the unit's kink takes its place there). Per unit j, with δ_j the correction, ℓ_j the lever
///   ∫ (t_1 − t) ΔF_j dt, and for each pair p of unit j that slides at the frozen step's end or started to slide
///   in the step (``ShallowCorrection/addSliding``) its slope term U_p and bound L_p (ẇ_j = … + U_p x_p with
///   U_p ∈ [L_p, 0]; ``FilippovFlow/slidingRate(_:)``), δ_j ← δ_j + X_Pᵀ g with g the box QP
///
///     min ½ gᵀ G g + z(θ̃_1 + δ)_Pᵀ g,   τ_p (L_p − U_p) ≤ g_p ≤ −τ_p U_p,   G = X_P X_Pᵀ,
///
///   the Filippov QP (``FilippovSlopeSolver``) of the slopes' change ν_p = g_p/τ_p over the time τ_p it acts:
///   (1 − s_e)h for a pair that entered at s_e, and for the sliding ones τ = 2 (X_S ℓ_j)·(X_S δ_j)/‖X_S δ_j‖²
///   (exact when the crossings change ẇ_j by a constant Δ from t_1 − τ on: then δ_j = Δτ and ℓ_j = Δτ²/2),
///   within (0, h], else h. Pairs with g inside the box end on their kinks (z_p = 0); the others get their bound
///   and leave. Inside the box this is `kept`'s cancellation plus the end-of-step projection of `projected`.
/// - `kept`: `projected`, and inside a step with crossings the correction keeps the sliding
///   pairs on their surfaces. A pair (m, j) slides because its Filippov slope makes x_m·ẇ_j = 0; when another
///   sample n crosses unit j's kink inside the step, the correction δ adds n's force to w_j, and with the
///   slopes re-solved (to first order) the part of δ_j along the sliding samples' inputs is cancelled:
///   δ_j ← δ_j − X_Sᵀ(X_S X_Sᵀ)⁻¹X_S δ_j, X_S the inputs of unit j's sliding pairs at the frozen step's end
///   (``SlidingProjection``'s operator applied to δ_j). Without it such a crossing knocks the sliding pair off
///   its kink by far more than the band (2.5e-5 relative on a moons net, docs/kinks.md "Crossings next to
///   sliding pairs"), the pair leaves the sliding set and the run follows another branch. The default from
///   its session until `resolved`; what run.json files recorded with it replay with.
/// - `projected`: at each accepted step's end the first-layer rows of the sliding pairs are
///   projected back onto their surfaces (``SlidingProjection``), so every step starts on them to round-off.
///   On the zoo's random labels this took the final loss from 3.5e-6 to below 1e-6 of the reference. What
///   run.json files recorded with this value replay with.
/// - `free`: no projection, what runs recorded before the key used (a run.json without it replays so, bit
///   for bit).
public enum SlidingCorrection: String, CaseIterable, Sendable, Codable {
  case resolved
  case kept
  case projected
  case free
}
