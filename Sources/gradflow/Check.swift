import ArgumentParser
import Foundation
import GradientFlow

/// `gradflow check`: the KKT certificate of the max-margin problem for a run (at its saved times) or
/// for a weights file on a dataset, with a verdict whose exit code scripts can branch on.
struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Decide, with numbers, whether the weights reached a KKT point of the max-margin problem.",
    discussion: """
      Normalizes the layers, takes gamma = min_n q_n(V), rescales to margin 1 and fits KKT multipliers
      lambda >= 0 by non-negative least squares (Clarke-aware at ReLU kinks; the exact SVM for linear
      models). Reports eps_rel (stationarity), delta_rel (complementary slackness), the Lambda-ratio
      gamma^(2/K) sum(lambda) (1 at KKT), the support and gamma in both normalizations; along a run it
      also tests the trends of THEORY §6 and writes check.csv and check.json.
      Verdicts and exit codes:
        0    kkt             eps_rel, delta_rel, |Lambda-ratio - 1| <= --tol and trending down
        2    converging      trending down, not yet within --tol
        3    not-converged   not within --tol and not trending down
        4    kink-ambiguous  K >= 3 and ReLU kinks leave the answer open
        5    not-separable   the weights do not separate the data (min margin <= 0)
        64   usage error (e.g. --at all without weights.csv), 65 unusable data or weights file,
        1    check.csv/check.json could not be written
      A kkt verdict means "KKT point", never "global max margin" unless a closed form is known.
      """)

  @Argument(help: "A run directory written by `gradflow simulate`.")
  var runDirectory: String?

  @Option(
    help:
      "Saved times to check: last (final_weights.json), all or every:K (these need the run's weights.csv, from simulate --save-weights)."
  )
  var at: String = "last"

  @Option(help: "Tolerance on eps_rel, delta_rel and |Lambda-ratio - 1|.")
  var tol: Double = 1e-2

  @Option(
    help:
      "Kink band tau: pair (n, j) with |z| <= tau * |w_j| * |h_n| counts as on a ReLU kink (the runs' sliding-pair test)."
  )
  var kinkTol: Double = 1e-3

  @Flag(help: "Print the JSON report instead of the table.")
  var json = false

  @Option(help: "Directory for check.csv and check.json (default: the run directory; with --data, none unless given).")
  var out: String?

  @Option(help: "Dataset CSV (with --weights, instead of a run directory).")
  var data: String?

  @Option(help: "Label column of the CSV (default: a column named y, else the last).")
  var labelColumn: String?

  @Flag(help: "Append a constant-1 input feature (as simulate --bias-feature).")
  var biasFeature = false

  @Option(help: "Weights in the simulate --init layout: weights.json or comma-separated per-layer CSVs.")
  var weights: String?

  @Option(help: "Hidden activation of the network the weights belong to (with --weights); as simulate's.")
  var activation = ActivationArgument(argument: "relu")!

  @Option(help: "Negative slope of leaky-relu (with --weights).")
  var leakySlope: Double = 0.01

  @Option(
    help:
      "Rescaling to margin 1: balanced (every layer gamma^(-1/K) V_k) or as-is (Lyu-Li's theta / q_min^(1/K), keeps the imbalance)."
  )
  var rescale: String = "balanced"

  func validate() throws {
    if runDirectory != nil, data != nil || weights != nil {
      throw ValidationError("give either a run directory or --data with --weights, not both")
    }
    if runDirectory == nil, data == nil || weights == nil {
      throw ValidationError("give a run directory, or --data FILE.csv with --weights weights.json")
    }
    if CheckSelection(argument: at) == nil {
      throw ValidationError("--at must be last, all or every:K with K >= 1 (got '\(at)')")
    }
    if runDirectory == nil, at != "last" {
      throw ValidationError("--at needs a run directory; a weights file is a single point")
    }
    if !(tol > 0 && tol.isFinite) { throw ValidationError("--tol must be a positive number (got \(tol))") }
    if !(kinkTol >= 0 && kinkTol < 1) { throw ValidationError("--kink-tol must lie in [0, 1) (got \(kinkTol))") }
    if KKTCertificate.Rescale(rawValue: rescale) == nil {
      throw ValidationError("--rescale must be balanced or as-is (got '\(rescale)')")
    }
  }

  func run() throws {
    configureThreads()
    prepareProcess()
    var options = KKTCertificate.Options()
    options.tolerance = tol
    options.kinkBand = kinkTol
    options.rescale = KKTCertificate.Rescale(rawValue: rescale) ?? .balanced
    let report: CheckReport
    var outputDirectory = out
    do throws(CheckError) {
      if let runDirectory {
        let archive = try RunArchive(path: runDirectory)
        let check = try TrajectoryCheck(archive: archive, selection: CheckSelection(argument: at)!, options: options)
        report = CheckReport(check: check, source: archive.path, dataSource: archive.setup.dataSource)
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
    let code = report.check.verdict.exitCode
    if code != 0 { throw ExitCode(code) }
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
    return CheckReport(check: check, source: "\(weights) on \(data)", dataSource: data)
  }
}
