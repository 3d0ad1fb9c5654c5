import ArgumentParser
import Foundation
import GradientFlow
import ODE

/// The clock, end, saves, solver, stop and output-detail options shared by simulate and compare.
struct IntegrationOptions: ParsableArguments {
  @Option(
    help: help(
      "Clock: t; log-t (s = log t after t = 1); rho (ρ after L < 1); auto (t until t ≥ 1 and L < 1, then log t).",
      default: ConfigDefaults.clock.rawValue))
  var clock: Clock?

  @Option(parsing: .unconditional, help: help("End time.", default: helpNumber(ConfigDefaults.tEnd)))
  var tEnd: Double?

  @Option(
    parsing: .unconditional,
    help: help("End as log t (for ends past t ≈ 1e308); overrides --t-end.", default: "log of --t-end"))
  var logTEnd: Double?

  @Option(
    parsing: .unconditional,
    help: help("End at this product norm ρ (the rho clock's end; a stop condition otherwise).", default: "none"))
  var rhoEnd: Double?

  @Option(
    parsing: .unconditional,
    help: help(
      "Number of saves, log-spaced in the clock's own variable from its start, plus t = 0.",
      default: "\(ConfigDefaults.saves)"))
  var saves: Int?

  @Option(
    parsing: .unconditional, help: help("First log-spaced save time.", default: "min(1e-2, t-end/100)"))
  var saveFrom: Double?

  @Option(
    parsing: .unconditional,
    help: help(
      "Gradient descent with learning rate η instead of the flow (iterate k at t = kη).", default: "none: the flow"))
  var gdStep: Double?

  @Option(
    help: help(
      "GSL stepper, or auto: rkf45 (or the --sliding corrected steps) while the problem is not stiff, msbdf with the finite-difference Jacobian while it is, switching by a stiffness test (h·ρ(J) from power iterations) and back; run.json records every switch (docs/stiff.md).",
      default: ConfigDefaults.stepper.rawValue
    ))
  var stepper: Stepper?

  @Option(parsing: .unconditional, help: help("Relative tolerance.", default: helpNumber(ConfigDefaults.rtol)))
  var rtol: Double?

  @Option(parsing: .unconditional, help: help("Absolute tolerance.", default: helpNumber(ConfigDefaults.atol)))
  var atol: Double?

  @Option(
    help: help(
      "Error norm of the step-size control: rms (scipy/diffrax, the benchmark protocol; accepts steps whose error sits in a few of many components) or max (GSL's, every component within tolerance).",
      default: ConfigDefaults.errorNorm.rawValue))
  var errorNorm: ErrorNorm?

  @Option(
    parsing: .unconditional, help: help("Limit on accepted steps.", default: "\(ConfigDefaults.maxSteps)"))
  var maxSteps: Int?

  @Option(parsing: .unconditional, help: help("Wall-clock limit in seconds.", default: "none"))
  var maxWallSeconds: Double?

  @Option(
    parsing: .unconditional,
    help: help("Minimum step size; 0 is none.", default: helpNumber(ConfigDefaults.hmin)))
  var hmin: Double?

  @Option(parsing: .unconditional, help: help("Maximum step size.", default: "none"))
  var hmax: Double?

  @Option(parsing: .unconditional, help: help("First trial step.", default: "1e-6·max(1, |t0|)"))
  var initialStep: Double?

  @Option(
    parsing: .unconditional,
    help: help(
      "OpenBLAS threads for the dense products (wide nets, many samples); results agree with one thread's to rounding (summation order), not bit for bit. OPENBLAS_NUM_THREADS is not read.",
      default: "\(ConfigDefaults.threads)"))
  var threads: Int?

  @Flag(help: "Stop when every sample is classified correctly (min q_n ≥ 0).")
  var stopWhenSeparated = false

  @Option(parsing: .unconditional, help: help("Stop when the loss falls to this value.", default: "none"))
  var stopLoss: Double?

  @Option(
    parsing: .unconditional,
    help: help("Stop when the normalized margin min_n q_n(V) reaches this value.", default: "none"))
  var stopMargin: Double?

  @Option(
    parsing: .unconditional,
    help: help(
      "Stop at the first save where the KKT certificate (see gradflow check) is within this tolerance.",
      default: "none"))
  var stopAtKkt: Double?

  @Flag(help: "Also write the weights at every save to weights.csv (save,t,log_t,layer,row,col,value).")
  var saveWeights = false

  @Flag(help: "Also write every sample's margin at saves to margins.csv (save,t,log_t,sample,y,q,q_over_rho).")
  var saveMargins = false

  @Option(
    help: help("With --save-margins: margins at every K-th save (save index divisible by K).", default: "1"))
  var marginsEvery: Int?

  @Flag(help: "Check the final weights with the KKT checker at the end of the run (check.json, check.csv).")
  var checkAtEnd = false

  @Option(
    help: help(
      "ReLU kinks: corrected (each step integrates one activation pattern and is corrected, sample by sample, for the pattern changes inside it; Filippov slopes on sliding pairs; relu or leaky-relu nets with a hidden layer, unconstrained flow, t clock), filippov (Filippov slopes on sliding pairs, coincident kink surfaces as one, GSL steps across crossings; relu nets, every dynamics; for lagrange and weightnorm with two or more hidden layers the slopes under their layer metric), off (σ'(0) = 0; a stepper chatters where the flow slides along z = 0), exact (the event-driven reference: every activation switch located to round-off, each pattern's piece integrated by rk8pd or --stepper's explicit pair (or bsimp, implicit, for stiff pieces), sliding by the Filippov equivalent control, coincident surfaces as one; relu or leaky-relu nets with one hidden layer, unconstrained flow, clocks t, log-t, auto; never chosen by auto), or auto (filippov for one hidden relu layer on data with parallel inputs such as x and −x, and for lagrange/weightnorm with two or more hidden relu layers; else corrected where it applies; else off).",
      default: ConfigDefaults.sliding.rawValue))
  var sliding: SlidingMode?

  @Option(
    parsing: .unconditional,
    help: help(
      "Relative kink band η of --sliding filippov and corrected: pairs with |w_j·x_n| ≤ η‖w_j‖‖x_n‖.",
      default: "min(100·rtol, 1e-2)"))
  var kinkBand: Double?

  @Option(
    parsing: .unconditional,
    help: help(
      "--sliding corrected: the share of the second correction term in a step's error estimate; smaller takes longer steps across crossings at a larger correction error (docs/kinks.md).",
      default:
        "\(CrossingCorrectedStepper.defaultCorrectionWeight); \(NormalizedKinks.relaxed.correctionWeight) for the Lagrange and weight-normalized flows"
    ))
  var correctionWeight: Double?

  /// `--kink-band`'s name before one word per concept (issue #16); still read, not listed.
  @Option(name: .customLong("sliding-band"), parsing: .unconditional, help: .hidden)
  var slidingBand: Double?

  func validate() throws {
    if kinkBand != nil, slidingBand != nil {
      throw ValidationError("give --kink-band only (--sliding-band is its old name)")
    }
  }

  func apply(to config: inout RunConfig) {
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
    if let threads { config.threads = threads }
    if stopWhenSeparated { config.stopWhenSeparated = true }
    if let stopLoss { config.stopLoss = stopLoss }
    if saveWeights { config.saveWeights = true }
    if saveMargins { config.saveMargins = true }
    if let marginsEvery { config.marginsEvery = marginsEvery }
    if checkAtEnd { config.checkAtEnd = true }
    if let sliding { config.sliding = sliding }
    if let band = kinkBand ?? slidingBand { config.kinkBand = band }
    if let correctionWeight { config.correctionWeight = correctionWeight }
  }
}
