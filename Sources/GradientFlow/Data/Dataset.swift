import Foundation

/// A binary classification dataset {(x_n, y_n)}, n = 1…N, with x_n ∈ ℝ^d and y_n ∈ {−1, +1} (THEORY §0).
///
/// The margins of a homogeneous network are q_n(W) = y_n f(W; x_n), so labels must be **exactly** ±1:
/// any other encoding would rescale the margins and change the max-margin problem (THEORY §5.3).
/// Inputs are stored row-major in one flat array, `inputs[n * dimension + i]` = (x_n)_i, which is the
/// layout the network evaluator reads without copying.
///
/// Invariants, checked by ``init(featureNames:inputs:labels:)``: at least one point and one feature,
/// `inputs.count == count * dimension`, every input finite, every label −1 or +1, and feature names that
/// survive a CSV round trip (non-empty, unique, no commas, quotes, line breaks or surrounding spaces, and
/// not `y`, which ``csvText()`` uses for the label column).
public struct Dataset: Sendable, Equatable {
  /// Column names of the features, one per input coordinate (`x1`, …, `xd` for generated data).
  public let featureNames: [String]
  /// The inputs, row-major: point n occupies `inputs[n * dimension ..< (n + 1) * dimension]`.
  public let inputs: [Double]
  /// The labels y_n, each exactly −1 or +1.
  public let labels: [Double]

  /// N, the number of points.
  public var count: Int { labels.count }
  /// d, the input dimension (number of features).
  public var dimension: Int { featureNames.count }

  /// Builds a dataset after checking every invariant listed on the type; throws a ``DatasetError``
  /// naming the first violation (the offending point, feature or name).
  public init(featureNames: [String], inputs: [Double], labels: [Double]) throws {
    try self.init(checking: featureNames, inputs: inputs, labels: labels)
  }

  /// The same checks with a typed error, for callers that throw `DatasetError` themselves.
  init(checking featureNames: [String], inputs: [Double], labels: [Double]) throws(DatasetError) {
    try Self.validate(featureNames: featureNames, inputs: inputs, labels: labels)
    self.featureNames = featureNames
    self.inputs = inputs
    self.labels = labels
  }

  /// The input x_n of point `n` (0-based), a view into ``inputs``.
  public func input(at n: Int) -> ArraySlice<Double> {
    inputs[n * dimension..<(n + 1) * dimension]
  }

  /// The same data with a constant coordinate appended: x ↦ (x, 1).
  ///
  /// This is the only way to give a GradientFlow network a bias: the first layer's weights on the constant
  /// column act as first-layer biases, while f stays exactly positively homogeneous in the weights, so the
  /// identities of THEORY §0–§1 (Euler's theorem, the conservation laws) hold unchanged. Hidden-layer biases
  /// would break homogeneity. The new column is named `bias` (or `bias2`, `bias3`, … if that name is taken).
  public func withBiasFeature() -> Dataset {
    var name = "bias"
    var suffix = 2
    while featureNames.contains(name) {
      name = "bias\(suffix)"
      suffix += 1
    }
    var extended: [Double] = []
    extended.reserveCapacity(count * (dimension + 1))
    for n in 0..<count {
      extended.append(contentsOf: input(at: n))
      extended.append(1)
    }
    // Appending a finite column and a fresh unique name keeps every invariant.
    return Dataset(unchecked: featureNames + [name], inputs: extended, labels: labels)
  }

  /// The dataset as CSV text that `pandas.read_csv` and ``CSVDatasetLoader`` read back exactly.
  ///
  /// Header `x1,…,xd,y` (the feature names, then `y`), then one line per point, `\n` line endings and a
  /// trailing newline. Inputs use Swift's shortest round-trip representation (`"\(double)"`), so
  /// parsing them gives back the identical bits (including −0.0); labels are written `1` and `-1`.
  public func csvText() -> String {
    var text = featureNames.joined(separator: ",") + ",y\n"
    for n in 0..<count {
      for value in input(at: n) {
        text += "\(value),"
      }
      text += labels[n] > 0 ? "1\n" : "-1\n"
    }
    return text
  }

  /// Writes ``csvText()`` to `path` with ``AtomicFile`` (a partial file is never left behind; a
  /// device such as /dev/full is written directly and its errors are reported). Throws the
  /// ``OutputError`` with the path and the system's reason.
  public func write(to path: String) throws(OutputError) {
    try AtomicFile.write(Array(csvText().utf8), to: path)
  }

  private init(unchecked featureNames: [String], inputs: [Double], labels: [Double]) {
    self.featureNames = featureNames
    self.inputs = inputs
    self.labels = labels
  }

  private static func validate(
    featureNames: [String], inputs: [Double], labels: [Double]
  ) throws(DatasetError) {
    guard !labels.isEmpty else { throw .noPoints }
    guard !featureNames.isEmpty else { throw .noFeatures }
    var seen = Set<String>()
    for name in featureNames {
      if let reason = problem(withName: name) {
        throw .invalidFeatureName(name: name, reason: reason)
      }
      guard seen.insert(name).inserted else {
        throw .invalidFeatureName(name: name, reason: "it occurs more than once; feature names must be unique")
      }
    }
    let dimension = featureNames.count
    guard inputs.count == labels.count * dimension else {
      throw .inputCountMismatch(inputs: inputs.count, points: labels.count, features: dimension)
    }
    for (index, value) in inputs.enumerated() where !value.isFinite {
      throw .nonFiniteInput(point: index / dimension, feature: featureNames[index % dimension], value: "\(value)")
    }
    for (point, label) in labels.enumerated() where label != 1 && label != -1 {
      throw .invalidLabel(point: point, value: "\(label)")
    }
  }

  /// Why `name` cannot be a feature name, or nil if it can.
  private static func problem(withName name: String) -> String? {
    if name.isEmpty { return "it is empty; every feature needs a name" }
    if name == "y" { return "'y' is reserved for the label column written by csvText(); rename the feature" }
    if name.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) {
      return "it contains a comma, a double quote or a line break, which a CSV header cannot hold unquoted"
    }
    if let first = name.first, let last = name.last, first.isWhitespace || last.isWhitespace {
      return "it starts or ends with whitespace, which the CSV loader trims"
    }
    return nil
  }
}
