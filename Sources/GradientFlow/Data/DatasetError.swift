/// Everything that can go wrong when building, loading, writing or generating a ``Dataset``.
///
/// Each case carries where the problem is (file, 1-based line with the header on line 1, column name and
/// 1-based column index) and its ``description`` says what is wrong and what to change, in the
/// compiler-style `file:line: message` form, e.g.
/// `data.csv:5: column 'x2': "abc" is not a number; …`.
/// Cases are `Equatable` so tests can match exact errors; floating-point payloads that could be NaN are
/// stored as text so that equality stays reflexive.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
  // MARK: Reading and writing files

  /// The file could not be opened or read; `reason` is the system's (e.g. "No such file or directory").
  case unreadable(file: String, reason: String)
  /// The file could not be written; `reason` is the system's.
  case unwritable(file: String, reason: String)
  /// The file is larger than the loader's limit (``ResourceLimits/maximumFileBytes``).
  case fileTooLarge(file: String, bytes: UInt64, limit: UInt64)

  // MARK: CSV structure

  /// The file has no content (zero bytes, or only blank lines / a byte-order mark).
  case emptyFile(file: String)
  /// The file has a header line but no data rows.
  case headerOnly(file: String)
  /// The first non-blank line consists of numbers only: the header is missing.
  case missingHeader(file: String, line: Int, text: String)
  /// A header cell is empty (often a trailing comma); `column` is 1-based.
  case emptyColumnName(file: String, line: Int, column: Int)
  /// A header name occurs more than once; `columns` are the 1-based positions where it occurs.
  case duplicateColumnName(file: String, line: Int, name: String, columns: [Int])
  /// The requested label column is not in the header.
  case missingLabelColumn(file: String, name: String, available: [String])
  /// The header has only the label column, so there are no input features.
  case noFeatureColumns(file: String, labelColumn: String)
  /// A double quote opens a cell that the line does not close.
  case unbalancedQuote(file: String, line: Int)
  /// A data row has a different number of fields than the header.
  case wrongFieldCount(file: String, line: Int, expected: Int, found: Int)
  /// A cell is not a decimal number (or is empty, when `text` is ""); `column` is the header name,
  /// `index` its 1-based position.
  case notANumber(file: String, line: Int, column: String, index: Int, text: String)
  /// A cell parses as NaN or ±Inf (or overflows a Double).
  case nonFinite(file: String, line: Int, column: String, index: Int, text: String)
  /// The label column has more than two distinct values and they are not all ±1.
  /// `distinct` is sorted ascending and complete.
  case tooManyLabelValues(file: String, column: String, distinct: [Double])
  /// Every label has the same value, and it is not ±1, so it cannot be mapped to a class.
  case allLabelsSame(file: String, column: String, value: Double)

  // MARK: In-memory datasets

  /// A dataset needs at least one point.
  case noPoints
  /// A dataset needs at least one feature.
  case noFeatures
  /// `inputs.count` is not `labels.count × featureNames.count` (inputs are row-major).
  case inputCountMismatch(inputs: Int, points: Int, features: Int)
  /// An input is NaN or ±Inf; `point` is the 0-based row index.
  case nonFiniteInput(point: Int, feature: String, value: String)
  /// A label is not exactly −1 or +1; `point` is the 0-based row index.
  case invalidLabel(point: Int, value: String)
  /// A feature name cannot be written to and read back from a CSV header unchanged.
  case invalidFeatureName(name: String, reason: String)

  // MARK: Toy datasets

  /// A ``ToyDataset`` was asked for an impossible count, dimension or noise level.
  case invalidToyParameter(dataset: String, message: String)

  public var description: String {
    switch self {
    case .unreadable(let file, let reason):
      reason.hasPrefix("it is ")
        ? "\(file): cannot read the file: \(Self.sentence(reason))"
        : "\(file): cannot read the file: \(Self.sentence(reason)); check the path and its permissions"
    case .unwritable(let file, let reason):
      "\(file): cannot write the file: \(Self.sentence(reason)); check that the directory exists and is writable"
    case .fileTooLarge(let file, let bytes, let limit):
      "\(file): the file is \(ResourceLimits.text(bytes: Double(bytes))), larger than the "
        + "\(ResourceLimits.text(bytes: Double(limit))) limit (GRADFLOW_MAX_FILE_BYTES); "
        + "subsample it (e.g. keep the header and a random subset of rows) before loading"
    case .emptyFile(let file):
      "\(file): the file is empty; expected a header line such as 'x1,x2,y' followed by one row per point"
    case .headerOnly(let file):
      "\(file): the file has a header but no data rows; add at least one row of numbers"
    case .missingHeader(let file, let line, let text):
      "\(file):\(line): the first line \(Fragment.quoted(text)) looks like data, not a header; "
        + "add a header line naming the columns, such as 'x1,x2,y'"
    case .emptyColumnName(let file, let line, let column):
      "\(file):\(line): column \(column) of the header has an empty name; "
        + "name every column (a trailing comma adds an empty column)"
    case .duplicateColumnName(let file, let line, let name, let columns):
      "\(file):\(line): column name '\(Fragment.escaped(name))' appears more than once (columns \(Self.andList(columns))); "
        + "rename the columns so every name is unique"
    case .missingLabelColumn(let file, let name, let available):
      "\(file): there is no column named '\(name)' to use as the label; available columns: "
        + available.prefix(20).map { Fragment.escaped($0) }.joined(separator: ", ")
        + (available.count > 20 ? ", … (\(available.count - 20) more)" : "") + "; pass one of these as the label column"
    case .noFeatureColumns(let file, let labelColumn):
      "\(file): the only column is the label column '\(Fragment.escaped(labelColumn))'; add at least one input feature column"
    case .unbalancedQuote(let file, let line):
      "\(file):\(line): a double quote opens a cell that the line does not close; "
        + "close the quote (a quote inside a quoted cell is written \"\")"
    case .wrongFieldCount(let file, let line, let expected, let found):
      "\(file):\(line): expected \(expected) fields like the header, found \(found); "
        + "every row needs exactly one value per header column"
    case .notANumber(let file, let line, let column, _, let text):
      text.isEmpty
        ? "\(file):\(line): column '\(Fragment.escaped(column))' is empty; every cell must hold a number"
        : "\(file):\(line): column '\(Fragment.escaped(column))': \(Fragment.quoted(text)) is not a number; "
          + "cells must be decimal numbers such as 0.5, -2 or 1e-3"
    case .nonFinite(let file, let line, let column, _, let text):
      "\(file):\(line): column '\(Fragment.escaped(column))': \(Fragment.quoted(text)) is not a finite number; "
        + "NaN and infinite values are not allowed, remove or fill in that row"
    case .tooManyLabelValues(let file, let column, let distinct):
      "\(file): labels must be ±1 or exactly two distinct values; found \(distinct.count) distinct values ("
        + Self.valueList(distinct) + ") in column '\(column)'; "
        + "make the labels binary (e.g. one class against the rest) or choose another label column"
    case .allLabelsSame(let file, let column, let value):
      "\(file): all labels are the same (\(Self.numberText(value))) in column '\(column)', so they cannot be mapped "
        + "to -1/+1; binary classification needs two classes (or labels that are already ±1)"
    case .noPoints:
      "the dataset has no points; at least one point is needed"
    case .noFeatures:
      "the dataset has no features; at least one input feature is needed"
    case .inputCountMismatch(let inputs, let points, let features):
      "dataset shape mismatch: inputs has \(inputs) values, but \(points) labels × \(features) features need "
        + "\(points * features) (inputs are row-major, one row of features per label)"
    case .nonFiniteInput(let point, let feature, let value):
      "dataset point \(point) (0-based), feature '\(feature)', is \(value); inputs must be finite numbers"
    case .invalidLabel(let point, let value):
      "dataset point \(point) (0-based) has label \(value); labels must be exactly -1 or +1 "
        + "(map the classes to -1/+1 first)"
    case .invalidFeatureName(let name, let reason):
      "invalid feature name '\(Fragment.escaped(name))': \(reason)"
    case .invalidToyParameter(let dataset, let message):
      "toy dataset '\(dataset)': \(message)"
    }
  }

  /// At most the first 10 values, then an ellipsis with the number left out.
  private static func valueList(_ values: [Double]) -> String {
    let shown = values.prefix(10).map(Self.numberText).joined(separator: ", ")
    return values.count > 10 ? shown + ", … (\(values.count - 10) more)" : shown
  }

  /// "1 and 3", "1, 3 and 5".
  private static func andList(_ columns: [Int]) -> String {
    let words = columns.map(String.init)
    guard words.count > 1 else { return words.joined() }
    return words.dropLast().joined(separator: ", ") + " and " + words[words.count - 1]
  }

  /// A system message without its final period, so it can continue a sentence.
  private static func sentence(_ reason: String) -> String {
    reason.hasSuffix(".") ? String(reason.dropLast()) : reason
  }

  /// Short text for a number in messages: integers without a trailing ".0" (`0`, `-1`, `2`), anything
  /// else in Swift's round-trip form (`0.5`, `1e-07`).
  static func numberText(_ value: Double) -> String {
    if value.isFinite && value == value.rounded() && abs(value) < 1e15 {
      return String(Int64(value))
    }
    return "\(value)"
  }
}
