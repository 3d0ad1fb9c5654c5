import Foundation

/// A run directory read back for the checker: `run.json` (whose `config` rebuilds the dataset and the
/// architecture through ``RunSetup``), `trajectory.csv`, `final_weights.json` and, when the run
/// used `--save-weights`, `weights.csv` (long format `save,t,log_t,layer,row,col,value`, 1-based row and
/// column; runs written before the save index had `t,layer,row,col,value`).
public struct RunArchive {
  /// The directory (absolute).
  public let path: String
  /// The run's problem, rebuilt from its config.
  public let setup: RunSetup
  /// `trajectory.csv`, when present.
  public let trajectory: TrajectoryTable?
  /// Where the run ended (run.json `termination.t`, else the last trajectory row).
  public let finalTime: Double?
  /// log of ``finalTime`` (from trajectory.csv's `log_t` when t overflowed to `inf`).
  public let finalLogT: Double?

  /// Reads `run.json` and `trajectory.csv` of a run directory and rebuilds its setup.
  public init(path: String) throws(CheckError) {
    let directory = URL(fileURLWithPath: path).standardizedFileURL.path
    self.path = directory
    let runJSON = (directory as NSString).appendingPathComponent("run.json")
    guard FileManager.default.fileExists(atPath: runJSON) else {
      throw .usage("'\(directory)' has no run.json; give the output directory of `gradflow simulate`")
    }
    let record: RunRecord
    do { record = try RunRecord.load(path: runJSON) } catch {
      throw .data(String(describing: error))
    }
    var config = record.config
    // The run recorded its initial weights; use them rather than a path that may have moved.
    let initial = (directory as NSString).appendingPathComponent("initial_weights.json")
    if FileManager.default.fileExists(atPath: initial) { config.initialWeights = initial }
    do { setup = try RunSetup(config: config) } catch {
      throw .data("cannot rebuild the run's dataset and network from \(runJSON): \(error)")
    }
    let trajectoryPath = (directory as NSString).appendingPathComponent("trajectory.csv")
    trajectory =
      FileManager.default.fileExists(atPath: trajectoryPath) ? try TrajectoryTable.load(path: trajectoryPath) : nil
    // A non-finite end (t overflowed past log t ≈ 709.78) is recorded as a string; use the trajectory's.
    let end = record.termination.t.isFinite ? record.termination.t : nil
    let lastT = end ?? trajectory?.column("t")?.last
    finalTime = lastT
    finalLogT = lastT.flatMap { $0.isFinite ? Foundation.log($0) : nil } ?? trajectory?.column("log_t")?.last
  }

  /// `weights.csv` exists.
  public var hasSavedWeights: Bool {
    FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("weights.csv"))
  }

  /// θ from `final_weights.json`.
  public func finalWeights() throws(CheckError) -> [Double] {
    let file = (path as NSString).appendingPathComponent("final_weights.json")
    let loaded: (layerSizes: [Int], theta: [Double])
    guard FileManager.default.fileExists(atPath: file) else {
      throw .data(
        "'\(path)' has no final_weights.json: the run did not record its end (a run.json still saying "
          + "\"running\" belongs to a run that was killed, e.g. by SIGKILL, or is still going); check its saved "
          + "weights with --at all (if it ran with --save-weights) or rerun it")
    }
    do { loaded = try InitialWeights.load(file) } catch { throw .data(error.description) }
    guard loaded.layerSizes == setup.architecture.layerSizes else {
      throw .data(
        "'\(file)' has layer sizes \(loaded.layerSizes) but the run's network is \(setup.architecture.layerSizes)")
    }
    return loaded.theta
  }

  /// Every saved (t, log t, θ) of `weights.csv`, in file order.
  ///
  /// Each save is a block of P lines (one per weight) with one t. In the log-t and ρ clocks t itself
  /// overflows to `inf` beyond log t ≈ 709.78, so log t is read from the file's `log_t` column, or, in
  /// files without it, taken from the matching row of trajectory.csv (both files get one entry per save)
  /// whenever the two have the same number of saves.
  public func savedWeights() throws(CheckError) -> [(t: Double, logT: Double, theta: [Double])] {
    let file = (path as NSString).appendingPathComponent("weights.csv")
    guard hasSavedWeights else {
      throw .usage(
        "'\(path)' has no weights.csv, so only the final weights can be checked: use --at last, or rerun the simulation with --save-weights"
      )
    }
    let text: String
    do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
      throw .data("cannot read '\(file)': \(error.localizedDescription)")
    }
    let architecture = setup.architecture
    let p = architecture.parameterCount
    var blocks: [(t: Double, logT: Double?, theta: [Double])] = []
    var theta = [Double](repeating: 0, count: p)
    var filled = 0
    var blockTime = 0.0
    var blockLogT: Double?
    let lines = text.split(whereSeparator: \.isNewline)
    let header = lines.first.map { $0.split(separator: ",").map(String.init) } ?? []
    let hasLogT = header == SaveTables.weightsHeader
    let expected = hasLogT ? SaveTables.weightsHeader : ["t", "layer", "row", "col", "value"]
    let skip = hasLogT ? 1 : 0  // the save index
    for (index, line) in lines.enumerated() where index > 0 {
      let cells = line.split(separator: ",", omittingEmptySubsequences: false).dropFirst(skip).map { $0 }
      guard cells.count == expected.count - skip, let t = Double(cells[0]),
        let layer = Int(cells[cells.count - 4]), let row = Int(cells[cells.count - 3]),
        let column = Int(cells[cells.count - 2]), let value = Double(cells[cells.count - 1]), layer >= 1,
        layer <= architecture.depth
      else { throw .data("'\(file)', line \(index + 1): expected \(expected.joined(separator: ","))") }
      let logT = hasLogT ? Double(cells[1]) : nil
      let (rows, columns) = architecture.shape(ofLayer: layer)
      guard row >= 1, row <= rows, column >= 1, column <= columns else {
        throw .data("'\(file)', line \(index + 1): entry (\(row), \(column)) outside W_\(layer) (\(rows)×\(columns))")
      }
      if filled == 0 {
        blockTime = t
        blockLogT = logT
      } else if t != blockTime || logT != blockLogT {
        throw .data(
          "'\(file)', line \(index + 1): t = \(t) inside the block of t = \(blockTime) (\(filled) of \(p) weights read)"
        )
      }
      theta[architecture.offset(ofLayer: layer) + (row - 1) * columns + (column - 1)] = value
      filled += 1
      if filled == p {
        blocks.append((blockTime, blockLogT, theta))
        filled = 0
      }
    }
    guard filled == 0 else {
      throw .data("'\(file)': the last save (t = \(blockTime)) has \(filled) weights; the network has \(p)")
    }
    guard !blocks.isEmpty else { throw .data("'\(file)' holds no weights") }
    let logTimes = trajectory?.column("log_t")
    return blocks.enumerated().map { index, block in
      let logT =
        block.logT ?? logTimes.flatMap { $0.count == blocks.count ? $0[index] : nil } ?? Foundation.log(block.t)
      return (block.t, logT, block.theta)
    }
  }
}
