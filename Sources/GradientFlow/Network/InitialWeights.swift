import Foundation

/// Where a run's initial weights θ(0) = vec(W_1 … W_K) come from.
public enum InitialWeights {
  /// W_k[i, j] ~ N(0, scale² / d_{k−1}) independently (fan-in scaling, so each pre-activation has
  /// variance ≈ scale² · ‖h‖²/d_{k−1} at any width), drawn from ``SeededRandom`` layer by layer, row
  /// by row: the same seed gives the same weights on every machine.
  public static func gaussian(architecture: Architecture, scale: Double, seed: UInt64) -> [Double] {
    var random = SeededRandom(seed: seed)
    var theta: [Double] = []
    theta.reserveCapacity(architecture.parameterCount)
    for k in 1...architecture.depth {
      let fanIn = Double(architecture.layerSizes[k - 1])
      let std = scale / fanIn.squareRoot()
      for _ in 0..<architecture.size(ofLayer: k) { theta.append(std * random.gaussian()) }
    }
    return theta
  }

  /// Loads layer matrices from a `weights.json` (`{"arch": [d_0, …, 1], "layers": [W_1, …, W_K]}`,
  /// each W_k a list of rows; other keys are ignored) or from comma-separated CSV files, one per
  /// layer, no header, one row of W_k per line. Returns the layer sizes and θ. Files over
  /// `maximumBytes` are refused before they are read. `source` is split into files by ``paths(_:anchor:)``.
  public static func load(
    _ source: String, maximumBytes: UInt64 = CSVDatasetLoader.maximumFileSize
  ) throws(ModelError) -> (layerSizes: [Int], theta: [Double]) {
    let paths = paths(source)
    guard !paths.isEmpty else { throw .invalidWeights("--init is empty; give a weights.json or per-layer CSVs") }
    if paths.count == 1, paths[0].lowercased().hasSuffix(".json") {
      return try loadJSON(paths[0], maximumBytes: maximumBytes)
    }
    if paths.count > 1, let missing = paths.first(where: { !FileManager.default.fileExists(atPath: $0) }) {
      // Name the whole value too: it may be one file whose name has a comma (`runs,a/w.json`) that is missing.
      throw .invalidWeights(
        "no weights file '\(source)'; read as comma-separated per-layer CSVs, its part '\(missing)' does not exist")
    }
    let layers = try paths.map { path throws(ModelError) in try loadCSVMatrix(path, maximumBytes: maximumBytes) }
    return try assemble(layers, source: source)
  }

  /// The files named by an `--init` value: the whole value when it names an existing file (a path may
  /// contain a comma, `my,w.json`), otherwise its comma-separated parts, trimmed of spaces. `anchor`
  /// turns each into the path to use (e.g. absolute, or relative to a config file).
  public static func paths(_ source: String, anchor: (String) -> String = { $0 }) -> [String] {
    let whole = anchor(source.trimmingCharacters(in: .whitespaces))
    var isDirectory: ObjCBool = false
    if source.contains(","), FileManager.default.fileExists(atPath: whole, isDirectory: &isDirectory),
      !isDirectory.boolValue
    {
      return [whole]
    }
    return source.split(separator: ",").map { anchor(String($0).trimmingCharacters(in: .whitespaces)) }
  }

  /// The bytes of a weights file, or an error that says why it cannot be read.
  private static func read(_ path: String, maximumBytes: UInt64) throws(ModelError) -> [UInt8] {
    do throws(InputFile.Failure) {
      return try InputFile.read(path, limit: maximumBytes)
    } catch {
      switch error {
      case .unreadable(let reason):
        throw .invalidWeights("cannot read the weights file '\(path)': \(reason)")
      case .tooLarge(let bytes, let limit):
        throw .invalidWeights(
          "the weights file '\(path)' is \(ResourceLimits.text(bytes: Double(bytes))), more than the "
            + "\(ResourceLimits.text(bytes: Double(limit))) limit (GRADFLOW_MAX_FILE_BYTES)")
      }
    }
  }

  /// Writes θ as a `weights.json` in the layout ``load(_:)`` reads.
  public static func jsonObject(architecture: Architecture, theta: [Double]) -> [String: Any] {
    let layers = (1...architecture.depth).map { k -> [[Double]] in
      let (rows, columns) = architecture.shape(ofLayer: k)
      let offset = architecture.offset(ofLayer: k)
      return (0..<rows).map { i in Array(theta[(offset + i * columns)..<(offset + (i + 1) * columns)]) }
    }
    return ["arch": architecture.layerSizes, "layers": layers]
  }

  private static func loadJSON(
    _ path: String, maximumBytes: UInt64
  ) throws(ModelError) -> (layerSizes: [Int], theta: [Double]) {
    let data = Data(try read(path, maximumBytes: maximumBytes))
    let parsed: Any
    do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
      throw .invalidWeights(
        "'\(path)' is not valid JSON (\(JSONErrorText.describe(error, in: data))); expected an object "
          + "{\"layers\": [W_1, …, W_K]} with finite numbers (JSON has no NaN or Infinity)")
    }
    guard let object = parsed as? [String: Any] else {
      throw .invalidWeights(
        "'\(path)' is not a JSON object with \"layers\" (and optionally \"arch\"); expected {\"layers\": [W_1, …, W_K]}"
      )
    }
    guard let rawLayers = object["layers"] as? [Any] else {
      throw .invalidWeights("'\(path)': missing \"layers\", a list of layer matrices [W_1, …, W_K]")
    }
    var layers: [[[Double]]] = []
    for (k, rawLayer) in rawLayers.enumerated() {
      guard let rows = rawLayer as? [[Any]] else {
        throw .invalidWeights("'\(path)': layer \(k + 1) is not a list of rows")
      }
      var matrix: [[Double]] = []
      for (i, row) in rows.enumerated() {
        var values: [Double] = []
        for (j, cell) in row.enumerated() {
          // JSON true/false are NSNumbers of type "c" (char); `cell is Bool` would also match 0 and 1.
          guard let number = cell as? NSNumber, String(cString: number.objCType) != "c" else {
            throw .invalidWeights("'\(path)': layer \(k + 1), row \(i + 1), column \(j + 1) is not a number")
          }
          guard number.doubleValue.isFinite else {
            throw .invalidWeights(
              "'\(path)': layer \(k + 1), row \(i + 1), column \(j + 1) is not a finite number; the weights contain NaN or Inf"
            )
          }
          values.append(number.doubleValue)
        }
        matrix.append(values)
      }
      layers.append(matrix)
    }
    let result = try assemble(layers, source: path)
    if let arch = object["arch"] as? [Int], arch != result.layerSizes {
      throw .invalidWeights(
        "'\(path)': \"arch\" says \(arch) but the layer matrices have sizes \(result.layerSizes)")
    }
    return result
  }

  /// One layer from a CSV file: no header, one row of W_k per line, cells by ``NumberText``'s strict
  /// decimal grammar; errors name the file, line and column and quote at most a short escaped fragment.
  private static func loadCSVMatrix(_ path: String, maximumBytes: UInt64) throws(ModelError) -> [[Double]] {
    let bytes = try read(path, maximumBytes: maximumBytes)
    var lines = CSVDatasetLoader.LineCursor(bytes: bytes)
    var rows: [[Double]] = []
    while let line = lines.next() {
      let text = bytes[line.range]
      if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
      var row: [Double] = []
      for (j, cell) in text.split(separator: 0x2C, omittingEmptySubsequences: false).enumerated() {
        let trimmed = cell.drop(while: { $0 == 0x20 || $0 == 0x09 }).reversed().drop(while: { $0 == 0x20 || $0 == 0x09 }
        )
        .reversed()
        let quoted = Fragment.quoted(String(decoding: trimmed, as: UTF8.self))
        switch NumberText.parse(bytes: trimmed) {
        case .finite(let value): row.append(value)
        case .nonFinite:
          throw .invalidWeights(
            "\(path):\(line.number): column \(j + 1): \(quoted) is not a finite number; the weights contain NaN or Inf")
        case .invalid:
          throw .invalidWeights(
            "\(path):\(line.number): column \(j + 1): \(quoted) is not a number; cells must be decimal numbers such as 0.5 or -1e-3"
          )
        }
      }
      rows.append(row)
    }
    return rows
  }

  /// Checks the shapes chain (W_k has d_{k−1} columns and W_{k+1} has d_k columns, d_K = 1) and flattens.
  private static func assemble(_ layers: [[[Double]]], source: String) throws(ModelError) -> (
    layerSizes: [Int], theta: [Double]
  ) {
    guard !layers.isEmpty else { throw .invalidWeights("'\(source)' contains no layers") }
    var sizes: [Int] = []
    var theta: [Double] = []
    for (k, matrix) in layers.enumerated() {
      guard let first = matrix.first, !first.isEmpty else {
        throw .invalidWeights("'\(source)': layer \(k + 1) is empty")
      }
      guard matrix.allSatisfy({ $0.count == first.count }) else {
        throw .invalidWeights("'\(source)': layer \(k + 1) has rows of different lengths")
      }
      if k == 0 {
        sizes.append(first.count)
      } else if first.count != sizes[k] {
        throw .invalidWeights(
          "'\(source)': layer \(k + 1) has \(first.count) columns but layer \(k) has \(sizes[k]) rows")
      }
      sizes.append(matrix.count)
      for row in matrix {
        for value in row where !value.isFinite {
          throw .invalidWeights("'\(source)': layer \(k + 1) contains NaN or Inf")
        }
        theta += row
      }
    }
    guard sizes.last == 1 else {
      throw .invalidWeights("'\(source)': the last layer must have one row (scalar output), it has \(sizes.last!)")
    }
    return (sizes, theta)
  }
}
