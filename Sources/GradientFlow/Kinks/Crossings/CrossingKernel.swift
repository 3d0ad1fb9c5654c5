/// How ``CrossingCorrectedStepper`` computes the correction of a net with one hidden layer (config key
/// `crossing_kernel`; deeper nets use the per-sample kernel either way).
///
/// - `batched` (the default): ``ShallowCorrection``, O(d_1) per path point and two GEMMs per step.
/// - `per-sample`: ``SampleField``'s passes over θ at every path point, O(P) each; what runs recorded
///   before the key existed used, so a run.json without it replays bit for bit.
///
/// Both compute the same sums in different orders: their trajectories agree to rounding, not bit for bit.
public enum CrossingKernel: String, CaseIterable, Sendable, Codable {
  case batched
  case perSample = "per-sample"
}
