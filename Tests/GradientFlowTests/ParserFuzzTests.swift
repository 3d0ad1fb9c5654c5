import Foundation
import Testing

@testable import GradientFlow

/// A seeded, property-based fuzz of every input parser — the CSV dataset parser, the config decoder and the
/// weights parsers (JSON and CSV): thousands of
/// mutations of valid inputs (bit flips, truncation, inserted commas, quotes, line breaks, NUL bytes, invalid UTF-8, NaN, huge
/// numbers, byte-order marks, …). Every input must end in a value that satisfies the type's invariants
/// or in a typed error (`DatasetError`, `ConfigError`, `RunError`) — a trap would kill the test
/// process. A fourth test resolves decoded configs into a ``RunSetup`` under small resource limits,
/// so absurd sizes must be refused by the checks, not trap in an allocation or an integer overflow.
///
/// The run is deterministic: iteration i of a test uses the generator seeded with (seed, i).
/// Environment: `GRADFLOW_FUZZ_ITERATIONS` multiplies the iteration counts (default 1, about 2 s in a
/// debug build), `GRADFLOW_FUZZ_SEED` changes the seed (default 0), and `GRADFLOW_FUZZ_LAST_INPUT=path`
/// writes every input to `path.<test>` before it is parsed, so the input that crashed a long run is on disk.
@Suite struct ParserFuzzTests {
  static let environment = ProcessInfo.processInfo.environment
  static let scale = max(1, Int(environment["GRADFLOW_FUZZ_ITERATIONS"] ?? "") ?? 1)
  static let seed = UInt64(environment["GRADFLOW_FUZZ_SEED"] ?? "") ?? 0
  static let lastInputPath = environment["GRADFLOW_FUZZ_LAST_INPUT"]

  // MARK: Seeds

  static let csvSeeds: [String] = [
    "x1,x2,y\n1,2,1\n-3,-1,-1\n2,1,1\n-1,-2,-1\n",
    "x1,x2,y\r\n0.5,1e-3,0\r\n-2.5,4,1\r\n",
    "\u{FEFF}\"a\",\"b, c\",label\n1,2,3\n4,5,3\n6,7,9\n",
    "f1,f2,f3,y\n1,2,3,1\n\n4,5,6,-1\n  7 , 8 ,9 , 1\n",
    "x,y\n-0.0,1\n1.7976931348623157e308,-1\n4.9e-324,1\n",
    try! ToyDataset.blobs.generate(count: 6, seed: 1, dimension: 3).csvText(),
  ]

  static let configSeeds: [String] = [
    "{\"t_end\": 100, \"widths\": [8, 8], \"stepper\": \"rkf45\", \"seed\": 3, \"n\": 20}",
    "{\"config\": {\"generator\": \"xor\", \"noise\": 0.1, \"activation\": \"leaky-relu\", \"leaky_slope\": 0.1}}",
    "{\"rtol\": 1e-6, \"atol\": 0, \"max_steps\": 1000, \"save_from\": 0.01, \"saves\": 10, \"hmax\": \"inf\"}",
    "{\"stop_when_separated\": true, \"stop_loss\": 1e-3, \"bias_feature\": false, \"loss\": \"logistic\"}",
    "{\"data\": \"x.csv\", \"label_column\": \"y\", \"initial_weights\": \"w.json\", \"init_scale\": 0.5}",
  ]

  /// Fragments that break parsers: separators, quotes, line breaks, special and extreme numbers.
  static let tokens: [String] = [
    ",", ",,", "\"", "\"\"", "\n", "\r", "\r\n", " ", "\t", "\0", "\u{FEFF}", "NaN", "nan", "inf",
    "-inf",
    "Infinity", "1e309", "-1e309", "1e-400", "4.9e-324", "-0", "0x1p3", "99999999999999999999999",
    "1.5",
    "-1", "2", "0", "e", ".", "-", "+", "{", "}", "[", "]", ":", "null", "true", "false", "\"inf\"",
    "\"nan\"",
    "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
    "1e400",
    "\"t_end\"", "\"widths\"", "\"n\"", "\"config\"", "[[[]]]", "\u{00E9}", "\u{1F600}", "\\u0000",
    "\\", "1e308", "-1.7976931348623157e308", "1e200", "5\0abc",
  ]

  /// Byte sequences that are not UTF-8: a lone continuation byte, 0xFF, a truncated two-byte
  /// sequence, an encoded surrogate, an overlong NUL.
  static let invalidUTF8: [[UInt8]] = [[0x80], [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xC0, 0x80], [0xFE, 0xFF]]

  static let weightsJSONSeeds: [String] = [
    "{\"arch\": [2, 4, 1], \"layers\": [[[1, 0], [0, 1], [-1, 0.5], [2e-3, 1]], [[1, -1, 0.5, 2]]]}",
    "{\"layers\": [[[1.5, -2]], [[3]]]}",
    "{\"layers\": [[[1, 2, 3]]], \"note\": \"linear\"}",
  ]

  static let weightsCSVSeeds: [String] = ["1,0\n0,1\n-1,0.5\n", "0.25, -3e-2\r\n1e10,4\r\n", "1\n"]

  // MARK: Tests

  @Test func csvParserReturnsADatasetOrADatasetError() throws {
    var parsed = 0
    for i in 0..<(3500 * Self.scale) {
      var random = Self.random(test: 1, iteration: i)
      let input = Self.mutate(
        Array(Self.csvSeeds[Int(random.next() % UInt64(Self.csvSeeds.count))].utf8), &random)
      let label: String? = [nil, "y", "x1", "label", ""][Int(random.next() % 5)]
      Self.record(input, test: "csv")
      do {
        let (dataset, _) = try CSVDatasetLoader.parse(
          bytes: input, file: "fuzz.csv", labelColumn: label)
        parsed += 1
        #expect(dataset.count >= 1 && dataset.dimension >= 1)
        #expect(dataset.inputs.count == dataset.count * dataset.dimension)
        #expect(dataset.inputs.allSatisfy { $0.isFinite })
        #expect(dataset.labels.allSatisfy { $0 == 1 || $0 == -1 })
      } catch {
        #expect(!error.description.isEmpty)  // typed: a DatasetError, with a message
        #expect(Self.isShortAndPrintable(error.description), "\(error.description)")
      }
    }
    #expect(parsed > 100, "the mutations are mild enough that many inputs still parse (\(parsed))")
  }

  @Test func configDecoderReturnsAConfigOrAConfigError() throws {
    var decoded = 0
    for i in 0..<(2000 * Self.scale) {
      var random = Self.random(test: 2, iteration: i)
      let input = Self.mutate(
        Array(Self.configSeeds[Int(random.next() % UInt64(Self.configSeeds.count))].utf8), &random)
      Self.record(input, test: "config")
      do {
        _ = try RunConfig.decode(Data(input), source: "fuzz.json")
        decoded += 1
      } catch {
        #expect(error.description.hasPrefix("config 'fuzz.json': "))
        #expect(Self.isShortAndPrintable(error.description), "\(error.description)")
      }
    }
    #expect(decoded > 20, "some mutated configs still decode (\(decoded))")
  }

  /// Well-formed JSON with random keys and values of random types: errors must name the key.
  @Test func configErrorsNameTheKey() throws {
    let keys = RunConfig.CodingKeys.allCases.map(\.stringValue)
    for i in 0..<(1000 * Self.scale) {
      var random = Self.random(test: 3, iteration: i)
      let key = keys[Int(random.next() % UInt64(keys.count))]
      let value = Self.randomJSONValue(&random)
      let text = "{\"\(key)\": \(value)}"
      Self.record(Array(text.utf8), test: "key")
      do {
        _ = try RunConfig.decode(Data(text.utf8), source: "fuzz.json")
      } catch {
        if error.description.contains("not valid JSON") { continue }  // e.g. 1e400
        #expect(error.description.contains("key \"\(key)\""), "\(text): \(error)")
      }
    }
  }

  /// Decoded configs with random sizes resolve to a setup or a RunError under small limits.
  @Test func setupRefusesWhatItCannotHold() throws {
    let limits = ResourceLimits(maximumFileBytes: 1 << 16, maximumMemoryBytes: 64 << 20)
    let sizes = ["0", "-1", "1", "2", "3", "40", "100000", "1000000000000", "9223372036854775807"]
    for i in 0..<(300 * Self.scale) {
      var random = Self.random(test: 4, iteration: i)
      func size() -> String { sizes[Int(random.next() % UInt64(sizes.count))] }
      let generator = ToyDataset.allCases[Int(random.next() % UInt64(ToyDataset.allCases.count))]
        .rawValue
      let stepper = ["rkf45", "msbdf", "rk4imp"][Int(random.next() % 3)]
      let text = """
        {"generator": "\(generator)", "n": \(size()), "dimension": \(size()), "widths": [\(size()), \(size())],
         "saves": \(size()), "stepper": "\(stepper)", "bias_feature": \(random.next() % 2 == 0)}
        """
      Self.record(Array(text.utf8), test: "setup")
      do {
        let config = try RunConfig.decode(Data(text.utf8), source: "fuzz.json")
        let setup = try RunSetup(config: config, limits: limits)
        #expect(setup.initialWeights.count == setup.architecture.parameterCount)
      } catch let error as ConfigError {
        #expect(!error.description.isEmpty)
      } catch let error as RunError {
        #expect(!error.description.isEmpty)
      }
    }
  }

  /// The weights parsers (`--init` JSON, and a one-file CSV — a single layer, so a linear model when it
  /// has one row) return chained finite layers or a
  /// ModelError whose message is short and printable.
  @Test(arguments: [true, false])
  func weightsParsersReturnLayersOrAModelError(json: Bool) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gradflow-fuzz-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let seeds = json ? Self.weightsJSONSeeds : Self.weightsCSVSeeds
    let file = directory.appendingPathComponent(json ? "w.json" : "w1.csv").path
    var loaded = 0
    for i in 0..<(1000 * Self.scale) {
      var random = Self.random(test: json ? 5 : 6, iteration: i)
      let input = Self.mutate(Array(seeds[Int(random.next() % UInt64(seeds.count))].utf8), &random)
      Self.record(input, test: json ? "weights-json" : "weights-csv")
      try Data(input).write(to: URL(fileURLWithPath: file))
      do {
        let result = try InitialWeights.load(file)
        loaded += 1
        #expect(result.layerSizes.last == 1)
        #expect(result.theta.allSatisfy { $0.isFinite })
        var p = 0
        for k in 1..<result.layerSizes.count { p += result.layerSizes[k] * result.layerSizes[k - 1] }
        #expect(result.theta.count == p)
      } catch {
        #expect(Self.isShortAndPrintable(error.description, allowing: file.count), "\(error.description)")
      }
    }
    #expect(loaded > 20, "some mutated weights still load (\(loaded))")
  }

  /// An error message without control characters (a NUL or a line of a binary file would be one) and
  /// of bounded length: at most 120 characters besides the list of known keys a config error names
  /// (``knownKeysLength``, which grows with each config key) and `allowing` (a path it names). (120: "config
  /// 'fuzz.json': unknown key ", the key shortened to 60 characters and quoted, "; known keys: " take 111.)
  static func isShortAndPrintable(_ message: String, allowing: Int = 0) -> Bool {
    message.count <= 120 + knownKeysLength + allowing
      && !message.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
  }

  /// The length of "k1, k2, …": the known keys as a config error lists them.
  static var knownKeysLength: Int {
    RunConfig.CodingKeys.allCases.map(\.stringValue).joined(separator: ", ").count
  }

  // MARK: Mutations

  static func random(test: UInt64, iteration: Int) -> SeededRandom {
    SeededRandom(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ test << 40 &+ UInt64(iteration))
  }

  /// One to four mutations of `bytes`.
  static func mutate(_ bytes: [UInt8], _ random: inout SeededRandom) -> [UInt8] {
    var bytes = bytes
    for _ in 0...(random.next() % 4) {
      let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count + 1))
      switch random.next() % 9 {
      case 0:  // flip a bit
        if position < bytes.count { bytes[position] ^= 1 << UInt8(random.next() % 8) }
      case 1:  // truncate
        bytes.removeLast(bytes.count - position)
      case 2, 3:  // insert a token
        bytes.insert(
          contentsOf: Array(tokens[Int(random.next() % UInt64(tokens.count))].utf8), at: position)
      case 4:  // replace a byte with a token
        if position < bytes.count {
          bytes.replaceSubrange(
            position...position, with: Array(tokens[Int(random.next() % UInt64(tokens.count))].utf8)
          )
        }
      case 5:  // delete a range
        let end = min(bytes.count, position + Int(random.next() % 8))
        bytes.removeSubrange(position..<end)
      case 6:  // duplicate a range
        let end = min(bytes.count, position + Int(random.next() % 32))
        bytes.insert(contentsOf: Array(bytes[position..<end]), at: position)
      case 7:  // bytes that are not UTF-8
        bytes.insert(contentsOf: invalidUTF8[Int(random.next() % UInt64(invalidUTF8.count))], at: position)
      default:  // a random byte
        bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
      }
    }
    return bytes
  }

  /// A JSON value of a random type, possibly nested once.
  static func randomJSONValue(_ random: inout SeededRandom) -> String {
    let scalars = [
      "0", "1", "-1", "1.5", "1e300", "-1e-300", "9223372036854775807", "18446744073709551615",
      "true", "false",
      "null", "\"\"", "\"inf\"", "\"nan\"", "\"rkf45\"", "\"relu\"", "\"abc\"", "{}", "[]",
    ]
    let scalar = scalars[Int(random.next() % UInt64(scalars.count))]
    switch random.next() % 3 {
    case 0: return "[\(scalar), \(scalars[Int(random.next() % UInt64(scalars.count))])]"
    case 1: return "{\"k\": \(scalar)}"
    default: return scalar
    }
  }

  /// Writes `input` to `<GRADFLOW_FUZZ_LAST_INPUT>.<test>` when that variable is set (one file per
  /// test, since the tests run in parallel).
  static func record(_ input: [UInt8], test: String) {
    guard let lastInputPath else { return }
    // Not atomic (no temporary file and rename): this runs once per input.
    try? Data(input).write(to: URL(fileURLWithPath: lastInputPath + "." + test))
  }
}
