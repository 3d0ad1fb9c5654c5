import Foundation
import Testing

@testable import GradientFlow

/// Dataset validation, CSV writing, and CSVDatasetLoader on fixtures written into a fresh temporary
/// directory per test (removed in deinit).
@Suite final class DatasetCSVTests {
  let directory: URL

  init() throws {
    directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("GradientFlowTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(at: directory)
  }

  /// Writes `contents` byte for byte (UTF-8) to `name` in the test's directory and returns the path.
  func fixture(_ contents: String, name: String = "data.csv") throws -> String {
    let path = directory.appendingPathComponent(name).path
    try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// The DatasetError thrown by loading `contents`, or nil if loading succeeded.
  func loadError(_ contents: String, labelColumn: String? = nil) throws -> DatasetError? {
    let path = try fixture(contents)
    do {
      _ = try CSVDatasetLoader.load(path: path, labelColumn: labelColumn)
      return nil
    } catch {
      return error
    }
  }

  // MARK: Round trip

  @Test func writeThenLoadIsBitwiseIdentical() throws {
    let tricky: [Double] = [
      0.1, -0.0, 1e-300, .leastNonzeroMagnitude, 1.7976931348623157e308, Double.pi, -1.0 / 3, 123_456_789.123_456_78,
      2.0, -7, 0x1.fffffffffffffp-1, 1e22,
    ]
    let original = try Dataset(featureNames: ["a", "b", "c"], inputs: tricky, labels: [1, -1, -1, 1])
    let path = directory.appendingPathComponent("roundtrip.csv").path
    try original.write(to: path)
    let (loaded, notes) = try CSVDatasetLoader.load(path: path)
    #expect(notes.isEmpty)
    #expect(loaded.featureNames == ["a", "b", "c"])
    #expect(loaded.inputs.map(\.bitPattern) == tricky.map(\.bitPattern))
    #expect(loaded.labels == [1, -1, -1, 1])
    #expect(loaded == original)
  }

  @Test func csvTextHasHeaderAndIntegerLabels() throws {
    let dataset = try Dataset(featureNames: ["x1", "x2"], inputs: [1, 0.5, 0, -2], labels: [1, -1])
    #expect(dataset.csvText() == "x1,x2,y\n1.0,0.5,1\n0.0,-2.0,-1\n")
  }

  @Test func generatedDatasetRoundTrips() throws {
    let original = try ToyDataset.moons.generate(count: 57, seed: 3)
    let path = directory.appendingPathComponent("moons.csv").path
    try original.write(to: path)
    let loaded = try CSVDatasetLoader.load(path: path).dataset
    #expect(loaded.inputs.map(\.bitPattern) == original.inputs.map(\.bitPattern))
    #expect(loaded.labels == original.labels)
  }

  // MARK: Tolerated formatting

  @Test func crlfByteOrderMarkSpacesQuotesAndBlankTrailingLines() throws {
    let path = try fixture("\u{FEFF}x1, x2 ,\"y\"\r\n 1 ,\"2.5\",1\r\n\t3,4, -1 \r\n\r\n  \r\n")
    let (dataset, notes) = try CSVDatasetLoader.load(path: path)
    #expect(dataset.featureNames == ["x1", "x2"])
    #expect(dataset.inputs == [1, 2.5, 3, 4])
    #expect(dataset.labels == [1, -1])
    #expect(notes.isEmpty)
  }

  @Test func lineNumbersCountCRLFAndLoneCRLines() throws {
    let crlf = try loadError("x1,x2,y\r\n1,2,1\r\n3,4\r\n")
    #expect(crlf?.description.contains(":3: expected 3 fields like the header, found 2") == true)
    let cr = try loadError("x1,x2,y\r1,2,1\r\r3,4\r")
    #expect(cr?.description.contains(":4: expected 3 fields like the header, found 2") == true)
  }

  // MARK: Structural errors

  @Test func raggedRowNamesTheLine() throws {
    let error = try loadError("x1,x2,y\n1,2,1\n3,4\n")
    let path = directory.appendingPathComponent("data.csv").path
    #expect(error == .wrongFieldCount(file: path, line: 3, expected: 3, found: 2))
    #expect(
      error?.description == "\(path):3: expected 3 fields like the header, found 2; "
        + "every row needs exactly one value per header column")
  }

  @Test func nonNumericCellNamesLineAndColumn() throws {
    let error = try loadError("x1,x2,y\n1,2,1\n3,4,-1\n5,6,1\n7,abc,-1\n")
    let path = directory.appendingPathComponent("data.csv").path
    #expect(error == .notANumber(file: path, line: 5, column: "x2", index: 2, text: "abc"))
    #expect(error?.description.hasPrefix("\(path):5: column 'x2': \"abc\" is not a number") == true)
  }

  @Test func emptyCellIsReported() throws {
    let error = try loadError("x1,x2,y\n1,,1\n")
    #expect(error?.description.contains(":2: column 'x2' is empty") == true)
  }

  @Test(arguments: ["NaN", "nan", "inf", "-Infinity", "1e999"])
  func nonFiniteCellsAreRejected(cell: String) throws {
    let error = try loadError("x1,x2,y\n1,2,1\n\(cell),4,-1\n")
    let path = directory.appendingPathComponent("data.csv").path
    #expect(error == .nonFinite(file: path, line: 3, column: "x1", index: 1, text: cell))
  }

  @Test func emptyFileIsRejected() throws {
    let path = directory.appendingPathComponent("data.csv").path
    #expect(try loadError("") == .emptyFile(file: path))
    #expect(try loadError("\u{FEFF}\n \n\r\n") == .emptyFile(file: path))
  }

  @Test func headerOnlyIsRejected() throws {
    let path = directory.appendingPathComponent("data.csv").path
    #expect(try loadError("x1,x2,y\n") == .headerOnly(file: path))
    #expect(try loadError("x1,x2,y\n\n\n") == .headerOnly(file: path))
  }

  @Test func missingHeaderIsDetected() throws {
    let error = try loadError("1,2,1\n3,4,-1\n")
    let path = directory.appendingPathComponent("data.csv").path
    #expect(error == .missingHeader(file: path, line: 1, text: "1,2,1"))
  }

  @Test func duplicateHeaderNamesAreRejected() throws {
    let error = try loadError("x1,x2,x1,y\n1,2,3,1\n")
    let path = directory.appendingPathComponent("data.csv").path
    #expect(error == .duplicateColumnName(file: path, line: 1, name: "x1", columns: [1, 3]))
  }

  @Test func emptyHeaderNameIsRejected() throws {
    let error = try loadError("x1,x2,y,\n1,2,1,\n")
    let path = directory.appendingPathComponent("data.csv").path
    #expect(error == .emptyColumnName(file: path, line: 1, column: 4))
  }

  @Test func missingNamedLabelColumnListsAvailableColumns() throws {
    let error = try loadError("x1,x2,y\n1,2,1\n", labelColumn: "label")
    let path = directory.appendingPathComponent("data.csv").path
    #expect(error == .missingLabelColumn(file: path, name: "label", available: ["x1", "x2", "y"]))
    #expect(error?.description.contains("available columns: x1, x2, y") == true)
  }

  @Test func unreadableFileGivesTheSystemReason() throws {
    let missing = directory.appendingPathComponent("nope.csv").path
    #expect(throws: DatasetError.unreadable(file: missing, reason: "No such file or directory")) {
      try CSVDatasetLoader.load(path: missing)
    }
    #expect(throws: DatasetError.unreadable(file: directory.path, reason: "it is a directory, not a file")) {
      try CSVDatasetLoader.load(path: directory.path)
    }
  }

  // MARK: Labels

  @Test(arguments: [[0.0, 1, 2], [-1, 1, 3]])
  func threeClassesAreRejected(values: [Double]) throws {
    let rows = values.enumerated().map { "\($0.offset),\(DatasetError.numberText($0.element))" }
    let error = try loadError("x1,y\n" + rows.joined(separator: "\n") + "\n")
    let path = directory.appendingPathComponent("data.csv").path
    #expect(error == .tooManyLabelValues(file: path, column: "y", distinct: values))
    let list = values.map(DatasetError.numberText).joined(separator: ", ")
    #expect(
      error?.description.hasPrefix(
        "\(path): labels must be ±1 or exactly two distinct values; found 3 distinct values (\(list))") == true)
  }

  @Test func zeroOneLabelsAreMappedWithANote() throws {
    let path = try fixture("x1,x2,y\n1,2,0\n3,4,1\n5,6,0\n")
    let (dataset, notes) = try CSVDatasetLoader.load(path: path)
    #expect(dataset.labels == [-1, 1, -1])
    #expect(notes == ["labels 0/1 mapped to -1/+1"])
  }

  @Test func anyTwoValuesMapSmallerToMinusOne() throws {
    let path = try fixture("x1,y\n1,2.5\n3,-4\n")
    let (dataset, notes) = try CSVDatasetLoader.load(path: path)
    #expect(dataset.labels == [1, -1])
    #expect(notes == ["labels -4/2.5 mapped to -1/+1"])
  }

  @Test func aSingleUnmappableLabelValueIsRejected() throws {
    let error = try loadError("x1,y\n1,0\n2,0\n")
    let path = directory.appendingPathComponent("data.csv").path
    #expect(error == .allLabelsSame(file: path, column: "y", value: 0))
    #expect(error?.description.contains("all labels are the same (0)") == true)
  }

  @Test func aSingleClassAlreadyPlusMinusOneIsAcceptedWithANote() throws {
    // THEORY R3(a) is a single point with y = +1; such data must load.
    let path = try fixture("x1,x2,y\n1,0.5,1\n")
    let (dataset, notes) = try CSVDatasetLoader.load(path: path)
    #expect(dataset.labels == [1])
    #expect(notes == ["all labels are +1: the data have a single class"])
  }

  // MARK: Choosing the label column

  @Test func labelColumnIsYEvenWhenNotLast() throws {
    let path = try fixture("y,x1,x2\n1,0.5,2\n-1,3,4\n")
    let (dataset, notes) = try CSVDatasetLoader.load(path: path)
    #expect(dataset.featureNames == ["x1", "x2"])
    #expect(dataset.inputs == [0.5, 2, 3, 4])
    #expect(dataset.labels == [1, -1])
    #expect(notes.isEmpty)
  }

  @Test func labelColumnByNameAndLastColumnFallback() throws {
    let path = try fixture("a,target,b\n1,1,2\n3,-1,4\n")
    let byName = try CSVDatasetLoader.load(path: path, labelColumn: "target")
    #expect(byName.dataset.featureNames == ["a", "b"])
    #expect(byName.dataset.inputs == [1, 2, 3, 4])
    #expect(byName.dataset.labels == [1, -1])

    let fallback = try CSVDatasetLoader.load(path: path)
    #expect(fallback.dataset.featureNames == ["a", "target"])
    #expect(fallback.dataset.labels == [-1, 1])  // column b: 2/4 mapped
    #expect(
      fallback.notes == [
        "no column named 'y'; using the last column 'b' as the label", "labels 2/4 mapped to -1/+1",
      ])
  }

  // MARK: In-memory Dataset

  @Test func datasetInitValidates() {
    #expect(throws: DatasetError.inputCountMismatch(inputs: 3, points: 2, features: 2)) {
      try Dataset(featureNames: ["x1", "x2"], inputs: [1, 2, 3], labels: [1, -1])
    }
    #expect(throws: DatasetError.invalidLabel(point: 1, value: "0.0")) {
      try Dataset(featureNames: ["x1"], inputs: [1, 2], labels: [1, 0])
    }
    #expect(throws: DatasetError.nonFiniteInput(point: 1, feature: "x2", value: "nan")) {
      try Dataset(featureNames: ["x1", "x2"], inputs: [1, 2, 3, .nan], labels: [1, -1])
    }
    #expect(throws: DatasetError.noPoints) { try Dataset(featureNames: ["x1"], inputs: [], labels: []) }
    #expect(throws: DatasetError.noFeatures) { try Dataset(featureNames: [], inputs: [], labels: [1]) }
    #expect(throws: DatasetError.self) { try Dataset(featureNames: ["y"], inputs: [1], labels: [1]) }
    #expect(throws: DatasetError.self) { try Dataset(featureNames: ["a", "a"], inputs: [1, 2], labels: [1]) }
    #expect(throws: DatasetError.self) { try Dataset(featureNames: ["a,b"], inputs: [1], labels: [1]) }
  }

  @Test func biasFeatureAppendsAConstantColumn() throws {
    let dataset = try Dataset(featureNames: ["x1", "bias"], inputs: [1, 2, 3, 4], labels: [1, -1])
    let biased = dataset.withBiasFeature()
    #expect(biased.featureNames == ["x1", "bias", "bias2"])
    #expect(biased.inputs == [1, 2, 1, 3, 4, 1])
    #expect(biased.labels == dataset.labels)
    #expect(biased.count == 2 && biased.dimension == 3)
    #expect(Array(biased.input(at: 1)) == [3, 4, 1])
  }
}
