import ArgumentParser
import Foundation
import GradientFlow
import ODE

/// `gradflow simulate`: integrate the gradient flow of a network on a dataset and write
/// OUT/trajectory.csv, OUT/run.json, OUT/initial_weights.json and OUT/final_weights.json.
struct Simulate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Integrate the gradient flow of a bias-free network on a dataset.",
    discussion: """
      With no options, runs the built-in default: a 2 → 16 → 1 ReLU net on 40 separable Gaussian \
      blobs (seed 0), exponential loss, to t = 1e4. Options override a --config file (a config \
      JSON or a previous run.json), which overrides the defaults. Numeric options take the next \
      argument as their value even when it starts with '-' (--rtol -1 is an invalid tolerance).

      \(exitCodesHelp)
      """)

  @Option(help: "A config JSON or a previous run.json (flags override it).")
  var config: String?

  @OptionGroup(title: "Data") var data: DataOptions
  @OptionGroup(title: "Network and loss") var model: ModelOptions
  @OptionGroup(title: "Integration") var integration: IntegrationOptions

  @Option(help: "Output directory.")
  var out: String = "gradflow-out"

  @Flag(help: "Overwrite a non-empty output directory.")
  var force = false

  @Flag(help: "No progress display and no summary.")
  var quiet = false

  func validate() throws {
    if data.data != nil, data.generator != nil {
      throw ValidationError("give either --data or --generator, not both")
    }
    if let depth = model.depth, depth < 1 { throw ValidationError("--depth must be at least 1") }
  }

  func run() throws {
    configureThreads()
    var resolved = SimulationConfig()
    if let config {
      do { resolved = try SimulationConfig.load(path: config) } catch {
        printError(error.description)
        throw ExitCode(64)
      }
    }
    do {
      try data.apply(to: &resolved)
      try model.apply(to: &resolved)
      integration.apply(to: &resolved)
    } catch {
      printError(String(describing: error))
      throw ExitCode(64)
    }

    let simulation: Simulation
    do {
      let setup = try SimulationSetup(config: resolved)
      if !quiet { setup.notes.forEach { printNote($0) } }
      simulation = Simulation(setup: setup, outputDirectory: out)
    } catch {
      printError(error.description)
      throw ExitCode(error.exitCode)
    }
    let display = ProgressDisplay(enabled: !quiet && isatty(2) != 0, logTEnd: resolved.resolvedLogTEnd)
    simulation.progress = { logT, steps in display.update(logT: logT, steps: steps) }

    Interruption.installSignalHandlers()
    // A file-size limit (ulimit -f) then fails the write with EFBIG, reported with the path, instead
    // of killing the process with a core dump.
    signal(SIGXFSZ, SIG_IGN)
    let result: SimulationResult
    do {
      result = try simulation.run(force: force, commandLine: CommandLine.arguments)
    } catch {
      display.finish()
      printError(error.description)
      throw ExitCode(error.exitCode)
    }
    display.finish()
    if !quiet { print(Summary(setup: simulation.setup, result: result).text) }
    if resolved.stopWhenSeparated, case .reachedEnd = result.termination {
      let accuracy = result.final["accuracy"].map { String(format: "%.4g", $0) } ?? "?"
      printNote(
        "warning: --stop-when-separated: the data were never separated (accuracy \(accuracy) at t_end); they may "
          + "not be separable by this network: try --bias-feature, wider layers or a larger --t-end")
    }
    switch result.termination {
    case .reachedEnd, .stopCondition: return
    case .interrupted:
      printError(result.terminationMessage)
      throw ExitCode(130)
    default:
      printError(result.terminationMessage)
      throw ExitCode(1)
    }
  }
}

struct DataOptions: ParsableArguments {
  @Option(help: "Dataset CSV with a header: feature columns and a label column (±1 or two values).")
  var data: String?

  @Option(help: "Built-in dataset when --data is not given: blobs (default), xor, circles, moons, random-labels, r1, r2.")
  var generator: String?

  @Option(parsing: .unconditional, help: "Samples drawn by the generator (default 40).")
  var n: Int?

  @Option(parsing: .unconditional, help: "Input dimension of the generator (default 2).")
  var dimension: Int?

  @Option(parsing: .unconditional, help: "Generator noise (the generator's default when omitted).")
  var noise: Double?

  @Option(parsing: .unconditional, help: "Seed of the generator (default: --seed).")
  var dataSeed: UInt64?

  @Option(help: "Label column of the CSV (default: a column named y, else the last).")
  var labelColumn: String?

  @Flag(help: "Append a constant-1 input feature: a first-layer bias that keeps the network homogeneous.")
  var biasFeature = false

  func apply(to config: inout SimulationConfig) throws {
    if let data {
      config.data = data
      config.generator = nil
    }
    if let generator {
      config.generator = generator
      config.data = nil
    }
    if let n { config.n = n }
    if let dimension { config.dimension = dimension }
    if let noise { config.noise = noise }
    if let dataSeed { config.dataSeed = dataSeed }
    if let labelColumn { config.labelColumn = labelColumn }
    if biasFeature { config.biasFeature = true }
  }
}

struct ModelOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Hidden widths, comma-separated: 16 (two layers), 32,32 (three), \"\" (linear model). Default 16.")
  var widths: String?

  @Option(parsing: .unconditional, help: "Number of layers K; --depth 1 is a linear model; K > 1 without --widths uses width 16.")
  var depth: Int?

  @Option(help: "Hidden activation.")
  var activation: Activation?

  @Option(parsing: .unconditional, help: "Negative slope of leaky-relu (default 0.01).")
  var leakySlope: Double?

  @Option(help: "Loss.")
  var loss: Loss?

  @Option(help: "Dynamics: unconstrained (dW/dt = −∇L), lagrange ((ρ_k, V_k), ‖V_k‖ = 1 by a multiplier), weightnorm (W_k = g_k v_k/‖v_k‖).")
  var dynamics: DynamicsKind?

  @Option(help: "Weight normalization's initial ‖v_k‖ = c_k: one value or one per layer, comma-separated (default 1).")
  var wnScale: String?

  @Option(help: "Initial weights: a weights.json ({\"arch\": […], \"layers\": [W1, …]}) or comma-separated per-layer CSVs.")
  var `init`: String?

  @Option(parsing: .unconditional, help: "Gaussian initialization scale: W_k ~ N(0, scale²/fan_in) (default 1).")
  var initScale: Double?

  @Option(parsing: .unconditional, help: "Seed of the Gaussian initialization (default 0).")
  var seed: UInt64?

  func apply(to config: inout SimulationConfig) throws {
    if let widths { config.widths = try Self.parseWidths(widths) }
    if let depth {
      if let widths = config.widths, widths.count != depth - 1, self.widths != nil {
        throw ValidationError("--depth \(depth) needs \(depth - 1) hidden widths, --widths gives \(widths.count)")
      }
      if self.widths == nil { config.widths = Array(repeating: 16, count: depth - 1) }
    }
    if let activation { config.activation = activation }
    if let leakySlope { config.leakySlope = leakySlope }
    if let loss { config.loss = loss }
    if let dynamics { config.dynamics = dynamics }
    if let wnScale {
      config.wnScale = try wnScale.split(separator: ",").map { part in
        guard let value = Double(part.trimmingCharacters(in: .whitespaces)), value > 0 else {
          throw ValidationError("--wn-scale: '\(part)' is not a positive number")
        }
        return value
      }
    }
    if let initPath = `init` { config.initialWeights = initPath }
    if let initScale { config.initScale = initScale }
    if let seed { config.seed = seed }
  }

  static func parseWidths(_ text: String) throws -> [Int] {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.isEmpty { return [] }
    return try trimmed.split(separator: ",", omittingEmptySubsequences: false).map { part in
      guard let width = Int(part.trimmingCharacters(in: .whitespaces)), width > 0 else {
        throw ValidationError("--widths: '\(part)' is not a positive integer (e.g. --widths 16 or --widths 32,32)")
      }
      return width
    }
  }
}

struct IntegrationOptions: ParsableArguments {
  @Option(help: "Clock: t; log-t (s = log t after t = 1); rho (ρ after L < 1); auto (t until t ≥ 1 and L < 1, then log t). Default t.")
  var clock: Clock?

  @Option(parsing: .unconditional, help: "End time (default 1e4).")
  var tEnd: Double?

  @Option(parsing: .unconditional, help: "End as log t (for ends past t ≈ 1e308); overrides --t-end.")
  var logTEnd: Double?

  @Option(parsing: .unconditional, help: "End at this product norm ρ (the rho clock's end; a stop condition otherwise).")
  var rhoEnd: Double?

  @Option(parsing: .unconditional, help: "Number of log-spaced saves (default 50), plus t = 0.")
  var saves: Int?

  @Option(parsing: .unconditional, help: "First log-spaced save time (default min(1e-2, t-end/100)).")
  var saveFrom: Double?

  @Option(parsing: .unconditional, help: "Gradient descent with learning rate η instead of the flow (iterate k at t = kη).")
  var gdStep: Double?

  @Option(help: "GSL stepper. Default rkf45 (a low-order pair copes best with ReLU kinks); msbdf for lagrange/weightnorm in the log-t and rho phases (stiff there).")
  var stepper: Stepper?

  @Option(parsing: .unconditional, help: "Relative tolerance (default 1e-8).")
  var rtol: Double?

  @Option(parsing: .unconditional, help: "Absolute tolerance (default 1e-10).")
  var atol: Double?

  @Option(help: "Error norm of the step-size control: max (GSL's, every component within tolerance) or rms (scipy/diffrax, the benchmark protocol; accepts steps whose error sits in a few of many components). Default max.")
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

  @Option(parsing: .unconditional, help: "Stop at the first save where the KKT certificate (see gradflow check) is within this tolerance.")
  var stopAtKkt: Double?

  @Flag(help: "Also write the weights at every save to weights.csv (t,layer,row,col,value).")
  var saveWeights = false

  @Option(help: "ReLU sliding modes: off (σ'(0) = 0; a stepper chatters where the flow slides along z = 0) or filippov (Filippov slopes on sliding pairs; two-layer ReLU, unconstrained). Default off.")
  var sliding: SlidingMode?

  @Option(parsing: .unconditional, help: "Relative kink band η of --sliding filippov: pairs with |w_j·x_n| ≤ η‖w_j‖‖x_n‖ (default 1e-7).")
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
