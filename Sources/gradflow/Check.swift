import ArgumentParser
import Foundation
import GradientFlow

/// `gradflow check`: the KKT certificate of the max-margin problem for a run (at its saved times) or
/// for a weights file on a dataset, with a verdict; it exits 0 on every completed analysis unless
/// `--fail-unless-kkt` asks for the verdict's exit code.
struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Decide, with numbers, whether the weights reached a KKT point of the max-margin problem.",
    discussion: """
      Normalizes the layers, takes gamma = min_n q_n(V), rescales to margin 1 and fits KKT multipliers \
      lambda >= 0 by non-negative least squares (Clarke-aware at ReLU kinks; the exact SVM for linear \
      models). Reports eps_rel (stationarity), delta_rel (complementary slackness), the Lambda-ratio \
      gamma^(2/K) sum(lambda) (1 at KKT), the support and gamma in both normalizations; along a run it \
      also tests the trajectory's predictions P1-P5 and writes check.csv and check.json.

      The verdict depends only on the last checked state and the run's trajectory.csv (the same with \
      --at last and --at all); the certificate's trend over the checked times is reported, not decisive.
      Verdicts (and their exit codes with --fail-unless-kkt):
        kkt             (0) eps_rel, delta_rel, |Lambda-ratio - 1| <= --tol
        converging      (2) not within --tol, but P1 passed: L < 1 and the
                            smoothed margin never decreased since
        not-converged   (3) neither, or a decisive diagnostic (P1, P5) failed
        kink-ambiguous  (4) K >= 3 and ReLU kinks leave the answer open
        not-separable   (5) the weights do not separate the data (margin <= 0)
      A kkt verdict means "KKT point", never "global max margin" unless a closed form is known.

      Exit codes:
        0    the analysis completed (any verdict, unless --fail-unless-kkt)
        2-5  --fail-unless-kkt and the verdict above is not kkt
        64   usage error (e.g. --at all without weights.csv)
        65   unusable data, weights or run file
        1    check.csv/check.json could not be written
      """)

  @Argument(help: "A run directory written by `gradflow simulate`.")
  var runDirectory: String?

  @Option(
    help:
      "Saved times to check: last (final_weights.json), all or every:K (these need the run's weights.csv, from simulate --save-weights)."
  )
  var at: CheckSelection = .last

  @Flag(help: "Exit with the verdict's code (2-5, see above) unless the verdict is kkt.")
  var failUnlessKkt = false

  @Option(help: "Tolerance on eps_rel, delta_rel and |Lambda-ratio - 1|.")
  var tol: Double = 1e-2

  @Option(
    help: help(
      "Kink band tau: pair (n, j) with |z| <= tau * |w_j| * |h_n| counts as on a ReLU kink (the runs' sliding-pair test).",
      default: "\(KKTCertificate.Options().kinkBand)"))
  var kinkBand: Double?

  /// `--kink-band`'s name before one word per concept (issue #16); still read, not listed.
  @Option(name: .customLong("kink-tol"), help: .hidden)
  var kinkTol: Double?

  @Flag(help: "Print the JSON report instead of the table.")
  var json = false

  @Option(
    help: help(
      "Directory for check.csv and check.json.", default: "the run directory; with --data, none"))
  var out: String?

  @Option(help: help("Dataset CSV (with --weights, instead of a run directory).", default: "none"))
  var data: String?

  @Option(help: help("Label column of the CSV.", default: "a column named y, else the last"))
  var labelColumn: String?

  @Flag(help: "Append a constant-1 input feature (as simulate --bias-feature).")
  var biasFeature = false

  @Option(
    help: help(
      "Weights in the simulate --init layout: weights.json or comma-separated per-layer CSVs.", default: "none"))
  var weights: String?

  @Option(help: "Hidden activation of the network the weights belong to (with --weights); as simulate's.")
  var activation = ActivationArgument(argument: "relu")!

  @Option(help: "Negative slope of leaky-relu (with --weights).")
  var leakySlope: Double = 0.01

  @Option(
    help:
      "Rescaling to margin 1: balanced (every layer gamma^(-1/K) V_k) or as-is (Lyu-Li's theta / q_min^(1/K), keeps the imbalance)."
  )
  var rescale: KKTCertificate.Rescale = .balanced

  /// τ as given (`--kink-band`, or its old name `--kink-tol`), else the checker's default.
  private var band: Double { kinkBand ?? kinkTol ?? KKTCertificate.Options().kinkBand }

  func validate() throws {
    if runDirectory != nil, data != nil || weights != nil {
      throw ValidationError("give either a run directory or --data with --weights, not both")
    }
    if runDirectory == nil, data == nil || weights == nil {
      throw ValidationError("give a run directory, or --data FILE.csv with --weights weights.json")
    }
    if runDirectory == nil, at != .last {
      throw ValidationError("--at needs a run directory; a weights file is a single point")
    }
    if !(tol > 0 && tol.isFinite) { throw ValidationError("--tol must be a positive number (got \(tol))") }
    if kinkTol != nil, kinkBand != nil { throw ValidationError("give --kink-band only (--kink-tol is its old name)") }
    if !(band >= 0 && band < 1) { throw ValidationError("--kink-band must lie in [0, 1) (got \(band))") }
  }

  func run() throws {
    prepareProcess()
    var options = KKTCertificate.Options()
    options.tolerance = tol
    options.kinkBand = band
    options.rescale = rescale
    let report: CheckReport
    var outputDirectory = out
    do throws(CheckError) {
      if let runDirectory {
        let archive = try RunArchive(path: runDirectory)
        let check = try TrajectoryCheck(archive: archive, selection: at, options: options)
        report = CheckReport(
          check: check, source: archive.path, dataSource: archive.setup.dataSource, failUnlessKKT: failUnlessKkt)
        outputDirectory = outputDirectory ?? archive.path
      } else {
        report = try singlePoint(options: options)
      }
      if let outputDirectory {
        try OutputDirectory.createForCheck(outputDirectory)
        try report.writeCSV(to: (outputDirectory as NSString).appendingPathComponent("check.csv"))
        try report.writeJSON(to: (outputDirectory as NSString).appendingPathComponent("check.json"))
      }
    } catch {
      printError(error.description)
      throw ExitCode(error.exitCode)
    }
    try emit((json ? report.jsonText() : report.text) + "\n")
    if report.exitCode != 0 { throw ExitCode(report.exitCode) }
  }

  /// `--data FILE.csv --weights weights.json`: one certificate, no trajectory.
  private func singlePoint(options: KKTCertificate.Options) throws(CheckError) -> CheckReport {
    guard let data, let weights else { throw .usage("--data and --weights are both required") }
    var dataset: Dataset
    do {
      let loaded = try CSVDatasetLoader.load(path: data, labelColumn: labelColumn)
      dataset = loaded.dataset
      for note in loaded.notes where !json { printNote(note) }
    } catch {
      throw .data(String(describing: error))
    }
    if biasFeature { dataset = dataset.withBiasFeature() }
    let certificate: KKTCertificate
    do throws(ModelError) {
      let loaded = try InitialWeights.load(weights)
      guard loaded.layerSizes[0] == dataset.dimension else {
        throw ModelError.invalidWeights(
          "the weights expect \(loaded.layerSizes[0]) inputs but the data have \(dataset.dimension) features"
            + (biasFeature ? " (including the bias feature)" : " (a first-layer bias needs --bias-feature)"))
      }
      let architecture = try Architecture(
        inputDimension: dataset.dimension, hiddenWidths: Array(loaded.layerSizes.dropFirst().dropLast()),
        activation: activation.activation, leakySlope: leakySlope, gateWidth: activation.gateWidth)
      certificate = try KKTCertificate(
        architecture: architecture, dataset: dataset, theta: loaded.theta, options: options)
    } catch {
      throw .data(error.description)
    }
    let check = TrajectoryCheck(points: [.init(t: nil, certificate: certificate)], tolerance: options.tolerance)
    return CheckReport(check: check, source: "\(weights) on \(data)", dataSource: data, failUnlessKKT: failUnlessKkt)
  }
}

/// `--at last|all|every:K`: listed in `--help`; a bad value is a usage error naming the choices.
extension KKTCertificate.Rescale: ExpressibleByArgument {}

extension CheckSelection: ExpressibleByArgument {
  public static var allValueStrings: [String] { ["last", "all", "every:K"] }
}
