/// Whether `--sliding exact` looks inside each accepted step for a pair that crosses its kink and comes back
/// before the step's end, or a sliding share that leaves (0, 1) and comes back (config key `dip_search`;
/// ``EventDrivenStepper``).
///
/// Between events a pair's z follows the frozen pattern's smooth field, which knows nothing of the kink: a pair
/// whose z dips across 0 and back within one step is on the wrong side for part of it, a path no Filippov
/// solution takes (at its first zero the box LCP decides whether it crosses or slides). Whether a step's end
/// lands inside the dip depends on the step sizes, so on rtol: on benchmarks/problems/S_s0 pair (8, 3) dips to
/// −2.3e-5 relative inside one step of 7.5e-3 at t ≈ 0.19 with rtol 1e-12, while steps at 1e-13 end in the dip,
/// the LCP puts it on a sliding surface for 2.1e-3, and the run lands on the reference's branch (docs/kinks.md).
///
/// - `interior` (the default): a pair whose z, by the cubic Hermite interpolant of z and ż at the step's ends,
///   has a minimum inside the step that comes near 0 is minimised along the step (``EventDrivenStepper``'s
///   dip search); a minimum below −1e-13 relative is an event located like a crossing at a step's end. So is a
///   sliding share whose distance to {0, 1} dips near 0 over the step's Runge–Kutta stages and reaches it
///   (a surface left inside the step: random problem 26 of `audit.py --count 40 --seed 1000` at rtol 1e-8,
///   docs/kinks.md).
/// - `step-ends`: only the step's end is checked (the events of a dip the step's end does not land in are
///   missed); what runs recorded before the key used (a run.json without it replays so, bit for bit).
public enum DipSearch: String, CaseIterable, Sendable, Codable {
  case interior
  case stepEnds = "step-ends"
}
