import Foundation

/// Which saved times of a run the checker certifies (`--at`).
public enum CheckSelection: Sendable, Equatable, CustomStringConvertible {
  /// The final weights (`final_weights.json`).
  case last
  /// Every time in `weights.csv`.
  case all
  /// Every k-th time in `weights.csv`, always including the last one.
  case every(Int)

  /// Parses `last`, `all` or `every:K` (K ≥ 1).
  public init?(argument: String) {
    switch argument {
    case "last": self = .last
    case "all": self = .all
    default:
      guard argument.hasPrefix("every:"), let k = Int(argument.dropFirst(6)), k >= 1 else { return nil }
      self = .every(k)
    }
  }

  public var description: String {
    switch self {
    case .last: "last"
    case .all: "all"
    case .every(let k): "every:\(k)"
    }
  }
}

extension TrajectoryCheck {
  /// Certifies the selected times of a run and runs the §6 trend tests on its trajectory.csv.
  /// `--at all` and `every:K` need the run's weights.csv (``CheckError/usage(_:)`` otherwise).
  public init(archive: RunArchive, selection: CheckSelection, options: KKTCertificate.Options) throws(CheckError) {
    let setup = archive.setup
    let architecture = setup.architecture
    let dataset = setup.dataset
    var times: [(t: Double?, logT: Double?, theta: [Double])]
    switch selection {
    case .last:
      times = [(archive.finalTime, archive.finalLogT, try archive.finalWeights())]
    case .all, .every:
      let saved = try archive.savedWeights()
      let k: Int
      if case .every(let step) = selection { k = step } else { k = 1 }
      times = stride(from: 0, to: saved.count, by: k).map { (saved[$0].t, saved[$0].logT, saved[$0].theta) }
      if (saved.count - 1) % k != 0, let last = saved.last { times.append((last.t, last.logT, last.theta)) }
    }
    let isLinear = architecture.depth == 1 || architecture.activation == .identity
    let svm =
      isLinear
      ? HardMarginSVM.solve(inputs: dataset.inputs, labels: dataset.labels, dimension: dataset.dimension) : nil
    var points: [Point] = []
    for (t, logT, theta) in times {
      do {
        let certificate = try KKTCertificate(
          architecture: architecture, inputs: dataset.inputs, labels: dataset.labels, theta: theta,
          options: options, svm: svm)
        // Past log t ≈ 709.78 t is not a double: trajectory.csv leaves its cell empty, and the report has no t
        // (JSON null; log_t carries the time).
        points.append(Point(t: t.flatMap { $0.isFinite ? $0 : nil }, logT: logT, certificate: certificate))
      } catch {
        throw .data("the weights at t = \(t.map { "\($0)" } ?? "?") do not fit the run's network: \(error)")
      }
    }
    let predictions =
      archive.trajectory.map {
        TrajectoryPredictions.evaluate(
          table: $0, loss: setup.config.loss, depth: architecture.depth, rtol: setup.config.rtol)
      } ?? []
    self.init(points: points, predictions: predictions, tolerance: options.tolerance)
  }
}
