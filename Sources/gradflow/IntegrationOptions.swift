import ArgumentParser
import Foundation
import GradientFlow
import ODE

/// The clock, end, saves, solver, stop and output-detail options shared by simulate and compare.
struct IntegrationOptions: ParsableArguments {
  @Option(
    help:
      "Clock: t; log-t (s = log t after t = 1); rho (ρ after L < 1); auto (t until t ≥ 1 and L < 1, then log t). Default t."
  )
  var clock: Clock?

  @Option(parsing: .unconditional, help: "End time (default 1e4).")
  var tEnd: Double?

  @Option(parsing: .unconditional, help: "End as log t (for ends past t ≈ 1e308); overrides --t-end.")
  var logTEnd: Double?

  @Option(
    parsing: .unconditional, help: "End at this product norm ρ (the rho clock's end; a stop condition otherwise).")
  var rhoEnd: Double?

  @Option(parsing: .unconditional, help: "Number of log-spaced saves (default 50), plus t = 0.")
  var saves: Int?

  @Option(parsing: .unconditional, help: "First log-spaced save time (default min(1e-2, t-end/100)).")
  var saveFrom: Double?

  @Option(
    parsing: .unconditional, help: "Gradient descent with learning rate η instead of the flow (iterate k at t = kη).")
  var gdStep: Double?

  @Option(
    help:
      "GSL stepper, or auto: rkf45 (or the --sliding corrected steps) while the problem is not stiff, msbdf with a finite-difference Jacobian while it is, switching by a stiffness test (h·ρ(J) from power iterations); run.json records every switch. Default auto."
  )
  var stepper: Stepper?

  @Option(parsing: .unconditional, help: "Relative tolerance (default 1e-8).")
  var rtol: Double?

  @Option(parsing: .unconditional, help: "Absolute tolerance (default 1e-10).")
  var atol: Double?

  @Option(
    help:
      "Error norm of the step-size control: rms (scipy/diffrax, the benchmark protocol; accepts steps whose error sits in a few of many components) or max (GSL's, every component within tolerance). Default rms."
  )
  var errorNorm: ErrorNorm?

  @Option(parsing: .unconditional, help: "Limit on accepted steps (default 1000000).")
  var maxSteps: Int?

  @Option(parsing: .unconditional, help: "Wall-clock limit in seconds.")
  var maxWallSeconds: Double?

  @Option(parsing: .unconditional, help: "Minimum step size (default 0: none).")
  var hmin: Double?

  @Option(parsing: .unconditional, help: "Maximum step size.")
  var hmax: Double?

  @Option(parsing: .unconditional, help: "First trial step (default 1e-6).")
  var initialStep: Double?

  @Flag(help: "Stop when every sample is classified correctly (min q_n ≥ 0).")
  var stopWhenSeparated = false

  @Option(parsing: .unconditional, help: "Stop when the loss falls to this value.")
  var stopLoss: Double?

  @Option(parsing: .unconditional, help: "Stop when the normalized margin min_n q_n(V) reaches this value.")
  var stopMargin: Double?

  @Option(
    parsing: .unconditional,
    help: "Stop at the first save where the KKT certificate (see gradflow check) is within this tolerance.")
  var stopAtKkt: Double?

  @Flag(help: "Also write the weights at every save to weights.csv (t,layer,row,col,value).")
  var saveWeights = false

  @Option(
    help:
      "ReLU kinks: corrected (each step integrates one activation pattern and is corrected, sample by sample, for the pattern changes inside it; Filippov slopes on sliding pairs; relu or leaky-relu nets with a hidden layer, unconstrained flow, t clock), filippov (Filippov slopes on sliding pairs, GSL steps across crossings; relu nets), off (σ'(0) = 0; a stepper chatters where the flow slides along z = 0), or auto (corrected where it applies, else off). Default auto."
  )
  var sliding: SlidingMode?

  @Option(
    parsing: .unconditional,
    help:
      "Relative kink band η of --sliding filippov and corrected: pairs with |w_j·x_n| ≤ η‖w_j‖‖x_n‖ (default 100·rtol)."
  )
  var slidingBand: Double?

  func apply(to config: inout SimulationConfig) {
    if let clock { config.clock = clock }
    if let tEnd {
      config.tEnd = tEnd
      config.logTEnd = nil
    }
    if let logTEnd { config.logTEnd = logTEnd }
    if let rhoEnd { config.rhoEnd = rhoEnd }
    if let stopMargin { config.stopMargin = stopMargin }
    if let stopAtKkt { config.stopAtKkt = stopAtKkt }
    if let saves { config.saves = saves }
    if let saveFrom { config.saveFrom = saveFrom }
    if let stepper { config.stepper = stepper }
    if let gdStep { config.gdStep = gdStep }
    if let rtol { config.rtol = rtol }
    if let atol { config.atol = atol }
    if let errorNorm { config.errorNorm = errorNorm }
    if let maxSteps { config.maxSteps = maxSteps }
    if let maxWallSeconds { config.maxWallSeconds = maxWallSeconds }
    if let hmin { config.hmin = hmin }
    if let hmax { config.hmax = hmax }
    if let initialStep { config.initialStep = initialStep }
    if stopWhenSeparated { config.stopWhenSeparated = true }
    if let stopLoss { config.stopLoss = stopLoss }
    if saveWeights { config.saveWeights = true }
    if let sliding { config.sliding = sliding }
    if let slidingBand { config.slidingBand = slidingBand }
  }
}
