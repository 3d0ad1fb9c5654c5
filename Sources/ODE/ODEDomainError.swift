/// An error a right-hand side throws for a state outside its domain, where a smaller step would stay inside
/// it: ``SystemBridge`` answers GSL as for a non-finite derivative (`GSL_FAILURE`), so GSL retries the step
/// with half the size instead of ending the solve. Only a state the step size cannot bring back (the
/// solve's own state) ends it, with the error's message. Every other error a system throws ends the solve
/// at once.
///
/// The ρ clock's `RhoClockError` is one: at the hand-over from t (L just below 1) an explicit trial stage
/// can overshoot to L ≥ 1, where dρ/dt ≤ 0 (three raw real datasets, e.g. wine classes 0 and 1 unscaled,
/// ended with that error on their first ρ step).
public protocol ODEDomainError: Error {}
