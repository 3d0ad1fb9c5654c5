import Foundation
import Testing

/// One entry of the bad-input corpus: a `gradflow` command line, extra environment, the expected exit
/// code and a phrase that the output (stderr, or stdout for notes in a summary) must contain.
///
/// In `arguments`, `@name` is the file `BadInputs/name`, `{out}` a fresh output path that does not
/// exist yet, `{nonempty}` a fresh directory holding one file. For `simulate`, unless a case sets them,
/// `--out {out}`, `--t-end 1` and `--saves 3` are appended, so that the cases that do run finish in a
/// fraction of a second (a config case gets no `--t-end`, which would override the config's).
struct BadInput: Sendable, CustomTestStringConvertible {
  let name: String
  let command: String
  let arguments: [String]
  var environment: [String: String] = [:]
  let status: Int32
  let phrase: String

  var testDescription: String { name }

  init(
    _ name: String, command: String = "simulate", _ arguments: [String],
    env: [String: String] = [:],
    exit status: Int32, _ phrase: String
  ) {
    self.name = name
    self.command = command
    self.arguments = arguments
    environment = env
    self.status = status
    self.phrase = phrase
  }
}

/// Every bad input ends with its documented exit code and a message that says what is wrong: no trap,
/// no hang, and inputs refused before the run leave no output directory behind.
@Suite struct BadInputTests {
  static let usage: Int32 = 64
  static let dataError: Int32 = 65
  static let numerical: Int32 = 1

  static let corpus: [BadInput] = [
    // CSV structure (exit 65, the message names file and line).
    BadInput("empty file", ["--data", "@empty.csv"], exit: dataError, "the file is empty"),
    BadInput(
      "only blank lines", ["--data", "@blank-lines-only.csv"], exit: dataError, "the file is empty"),
    BadInput(
      "only a byte-order mark", ["--data", "@bom-only.csv"], exit: dataError, "the file is empty"),
    BadInput("header only", ["--data", "@header-only.csv"], exit: dataError, "no data rows"),
    BadInput(
      "ragged row, short", ["--data", "@ragged-short-row.csv"], exit: dataError,
      "csv:3: expected 3 fields"),
    BadInput("ragged row, long", ["--data", "@ragged-long-row.csv"], exit: dataError, "found 4"),
    BadInput(
      "non-numeric cell", ["--data", "@non-numeric-cell.csv"], exit: dataError,
      "\"abc\" is not a number"),
    BadInput("empty cell", ["--data", "@empty-cell.csv"], exit: dataError, "column 'x2' is empty"),
    BadInput(
      "NaN cell", ["--data", "@nan-cell.csv"], exit: dataError, "\"NaN\" is not a finite number"),
    BadInput(
      "-inf cell", ["--data", "@inf-cell.csv"], exit: dataError, "\"-inf\" is not a finite number"),
    BadInput(
      "overflowing cell", ["--data", "@overflow-cell.csv"], exit: dataError,
      "\"1e999\" is not a finite"),
    BadInput(
      "binary garbage", ["--data", "@binary-garbage.csv"], exit: dataError, "binary-garbage.csv:2"),
    BadInput(
      "duplicate header names", ["--data", "@duplicate-header.csv"], exit: dataError,
      "'x1' appears more than once"),
    BadInput(
      "no header", ["--data", "@no-header.csv"], exit: dataError, "looks like data, not a header"),
    BadInput(
      "empty header name", ["--data", "@trailing-comma-header.csv"], exit: dataError,
      "column 4 of the header"),
    BadInput(
      "label column only", ["--data", "@label-only.csv"], exit: dataError,
      "only column is the label"),
    BadInput(
      "missing label column", ["--data", "@valid.csv", "--label-column", "target"], exit: dataError,
      "no column named 'target'"),
    BadInput("directory as data", ["--data", "@"], exit: dataError, "it is a directory"),
    BadInput(
      "missing data file", ["--data", "@no-such-file.csv"], exit: dataError,
      "No such file or directory"),
    // Strict cells (issue #20): a NUL byte no longer ends the number, hex floats are not decimals, an
    // open quote is named as such, and a message quotes at most a short escaped fragment of a file.
    BadInput(
      "NUL byte inside a cell", ["--data", "@nul-in-cell.csv"], exit: dataError,
      "nul-in-cell.csv:2: column 'x2': \"5\\0abc\" is not a number"),
    BadInput(
      "hexadecimal float cell", ["--data", "@hex-float-cell.csv"], exit: dataError,
      "\"0x1p3\" is not a number"),
    BadInput(
      "unbalanced quote", ["--data", "@unbalanced-quote.csv"], exit: dataError,
      "unbalanced-quote.csv:2: a double quote opens a cell that the line does not close"),
    BadInput(
      "invalid UTF-8 in a cell", ["--data", "@invalid-utf8-cell.csv"], exit: dataError,
      "invalid-utf8-cell.csv:3: column 'y': \"\\u{FFFD}\\u{FFFD}\" is not a number"),
    BadInput(
      "system file as data: a short escaped fragment", ["--data", "@long-line-system-file.csv"],
      exit: dataError, "'root:x:0:0:AAAAAAAAAAAAAAAAAAAAA…'"),
    // Streams and devices are refused before a byte is read; a FIFO without a writer never blocks.
    BadInput(
      "FIFO as data", ["--data", "{fifo}"], exit: dataError,
      "it is a named pipe (FIFO), not a regular file"),
    BadInput(
      "/dev/zero as data", ["--data", "/dev/zero"], exit: dataError,
      "it is a character device, not a regular file"),
    BadInput(
      "FIFO as config", ["--config", "{fifo}"], exit: usage, "it is a named pipe (FIFO)"),
    BadInput(
      "FIFO as initial weights", ["--init", "{fifo}"], exit: dataError, "it is a named pipe (FIFO)"),

    // Labels.
    BadInput(
      "three label values", ["--data", "@labels-three-values.csv"], exit: dataError,
      "3 distinct values"),
    BadInput(
      "labels ±1 and 2", ["--data", "@labels-pm1-and-2.csv"], exit: dataError, "3 distinct values"),
    BadInput(
      "all labels 0", ["--data", "@labels-all-zero.csv"], exit: dataError,
      "all labels are the same (0)"),
    BadInput(
      "all labels +1 (works)", ["--data", "@labels-single-class.csv"], exit: 0, "single class"),
    BadInput(
      "labels 0/1 (works)", ["--data", "@labels-zero-one.csv"], exit: 0,
      "labels 0/1 mapped to -1/+1"),
    BadInput(
      "labels 2/5 (works)", ["--data", "@labels-two-and-five.csv"], exit: 0,
      "labels 2/5 mapped to -1/+1"),
    BadInput(
      "no column y (works)", ["--data", "@no-y-column.csv"], exit: 0,
      "using the last column 'label'"),

    // Encodings that must work.
    BadInput(
      "CRLF line endings (works)", ["--data", "@crlf.csv"], exit: 0, "reached the end time"),
    BadInput(
      "UTF-8 byte-order mark (works)", ["--data", "@utf8-bom.csv"], exit: 0, "reached the end time"),
    BadInput(
      "CR line endings (works)", ["--data", "@cr-only.csv"], exit: 0, "reached the end time"),
    BadInput(
      "quoted, spaced cells (works)", ["--data", "@quoted-and-spaced.csv"], exit: 0,
      "reached the end time"),
    BadInput(
      "blank lines between rows (works)", ["--data", "@blank-lines-between.csv"], exit: 0,
      "skipped 2 blank lines"),

    // Size and memory limits (the "huge file" and "million rows" cases, with the limits set low).
    BadInput(
      "file over the size limit", ["--data", "@valid.csv"], env: ["GRADFLOW_MAX_FILE_BYTES": "16"],
      exit: dataError, "larger than the 16 B limit (GRADFLOW_MAX_FILE_BYTES)"),
    BadInput(
      "million rows over the memory limit", ["--generator", "blobs", "--n", "1000000"],
      env: ["GRADFLOW_MAX_MEMORY": "64M"], exit: usage, "needs an estimated 2.25 GiB of memory"),
    BadInput("10^12 samples", ["--n", "1000000000000"], exit: usage, "more than the limit"),
    BadInput(
      "10^12 input dimensions", ["--dimension", "1000000000000"], exit: usage, "more than the limit"
    ),
    BadInput("width 10^11", ["--widths", "100000000000"], exit: usage, "more than the limit"),
    BadInput("10^11 saves", ["--saves", "100000000000"], exit: usage, "lower --saves"),
    BadInput(
      "bad memory limit variable", [], env: ["GRADFLOW_MAX_MEMORY": "lots"], exit: usage,
      "GRADFLOW_MAX_MEMORY='lots'"),

    // The start (issue #20): a velocity that overflows is refused naming the inputs; a stationary start
    // is a warning (stderr and run.json), and warnings are printed even with --quiet.
    BadInput(
      "features 1e308", ["--data", "@huge-features.csv"], exit: dataError,
      "largest |feature| 1e+308 in"),
    BadInput(
      "features 1e200", ["--data", "@huge-features-1e200.csv"], exit: dataError,
      "rescale the features (e.g. standardize each column of"),
    BadInput(
      "initial weights 1e200", ["--data", "@valid.csv", "--init", "@init-huge.json"], exit: dataError,
      "rescale the initial weights in"),
    BadInput("init scale 1e200", ["--init-scale", "1e200"], exit: usage, "lower --init-scale"),
    BadInput(
      "all-zero initial weights (runs, warns)", ["--data", "@valid.csv", "--init", "@init-zero.json", "--quiet"],
      exit: 0, "stationary point of the flow: its velocity is exactly zero (every initial weight is zero)"),
    BadInput(
      "underflowed initial weights (runs, warns)",
      ["--data", "@valid.csv", "--init", "@init-underflow.json", "--quiet"], exit: 0,
      "the product of the layer norms underflows to 0"),
    BadInput(
      "single class with --quiet (works, warns)", ["--data", "@labels-single-class.csv", "--quiet"], exit: 0,
      "single class"),
    BadInput(
      "rho clock ending below rho(0)", ["--clock", "rho", "--rho-end", "0.5"], exit: usage,
      "--rho-end 0.5 is not above ρ(0)"),
    BadInput("rho stop below rho(0)", ["--rho-end", "0.5"], exit: usage, "so the run would end at once"),

    // Network options.
    BadInput("width 0", ["--widths", "0"], exit: usage, "'0' is not a positive integer"),
    BadInput("negative width", ["--widths", "-3"], exit: usage, "'-3' is not a positive integer"),
    BadInput(
      "empty width in list", ["--widths", "16,,16"], exit: usage, "'' is not a positive integer"),
    BadInput(
      "width not a number", ["--widths", "wide"], exit: usage, "'wide' is not a positive integer"),
    BadInput("depth 0", ["--depth", "0"], exit: usage, "--depth must be at least 1"),
    // compare shares the option groups, and their checks (it trapped on --depth 0 before).
    BadInput("compare: depth 0", command: "compare", ["--depth", "0"], exit: usage, "--depth must be at least 1"),
    BadInput(
      "compare: data and generator", command: "compare", ["--data", "@valid.csv", "--generator", "xor"],
      exit: usage, "not both"),
    BadInput(
      "leaky slope 2", ["--activation", "leaky-relu", "--leaky-slope", "2"], exit: usage,
      "slope must lie in (0, 1)"),
    BadInput("init scale 0", ["--init-scale", "0"], exit: usage, "--init-scale must be positive"),
    BadInput("unknown activation", ["--activation", "tanh"], exit: usage, "relu"),
    BadInput("smooth-relu without a width", ["--activation", "smooth-relu"], exit: usage, "smooth-relu:EPS"),
    BadInput("smooth-relu width 0", ["--activation", "smooth-relu:0"], exit: usage, "smooth-relu:EPS"),
    BadInput("smooth-relu width not a number", ["--activation", "smooth-relu:wide"], exit: usage, "smooth-relu:EPS"),
    BadInput("relu with a width", ["--activation", "relu:0.1"], exit: usage, "smooth-relu:EPS"),
    BadInput(
      "smooth-relu width below 1e-12", ["--activation", "smooth-relu:1e-320"], exit: usage,
      "must be a number ≥ 1e-12"),
    BadInput(
      "config: smooth-relu without gate_width", ["--config", "@config-smooth-no-width.json"], exit: usage,
      "needs the gate's width"),
    BadInput(
      "config: smooth-relu with a negative width", ["--config", "@config-smooth-negative-width.json"], exit: usage,
      "must be a number ≥ 1e-12"),
    BadInput(
      "check: smooth-relu without a width", command: "check",
      ["--weights", "@init-2-4-1.json", "--data", "@valid.csv", "--activation", "smooth-relu"], exit: usage,
      "smooth-relu:EPS"),

    // Integration options.
    BadInput("rtol 0", ["--rtol", "0"], exit: usage, "--rtol must be positive"),
    BadInput("rtol negative", ["--rtol", "-1"], exit: usage, "--rtol must be positive (got -1.0)"),
    BadInput("atol negative", ["--atol", "-1e-10"], exit: usage, "--atol must be non-negative"),
    BadInput("t-end 0", ["--t-end", "0"], exit: usage, "greater than the start time t = 0"),
    BadInput(
      "t-end negative", ["--t-end", "-5"], exit: usage,
      "greater than the start time t = 0 (got -5.0)"),
    BadInput("t-end infinite", ["--t-end", "inf"], exit: usage, "--t-end must be a finite number"),
    BadInput("t-end NaN", ["--t-end", "nan"], exit: usage, "--t-end must be a finite number"),
    BadInput("saves 0", ["--saves", "0"], exit: usage, "--saves must be at least 1"),
    BadInput(
      "t-end 5e-324", ["--t-end", "5e-324"], exit: usage,
      "--t-end 5e-324 is too small: the first save, t-end/100, underflows to 0"),
    BadInput("rtol 10", ["--rtol", "10"], exit: usage, "--rtol must be below 1 (got 10.0)"),
    BadInput("hmin above t-end", ["--hmin", "10"], exit: usage, "--hmin 10.0 is not below t-end 1.0"),
    BadInput("negative wn-scale", ["--wn-scale", "-1"], exit: usage, "--wn-scale: '-1' is not a positive number"),
    BadInput(
      "t-end 1e308 in the t clock", ["--t-end", "1e308"], exit: numerical,
      "for an end this far (t-end 1e+308) use --clock log-t or auto"),
    BadInput("max steps 0", ["--max-steps", "0"], exit: usage, "--max-steps must be at least 1"),
    BadInput(
      "wall-clock limit 0", ["--max-wall-seconds", "0"], exit: usage,
      "--max-wall-seconds must be positive"),
    BadInput(
      "hmin above hmax", ["--hmin", "1", "--hmax", "0.5"], exit: usage,
      "--hmin 1.0 exceeds --hmax 0.5"),
    BadInput(
      "stop loss 0", ["--stop-loss", "0"], exit: usage, "--stop-loss must be a positive number"),
    BadInput("unknown stepper", ["--stepper", "euler"], exit: usage, "rkf45"),
    BadInput(
      "msbdf, finite-difference Jacobian (works)", ["--stepper", "msbdf"], exit: 0,
      "reached the end time"),
    BadInput(
      "bsimp, finite-difference Jacobian (works)", ["--stepper", "bsimp"], exit: 0,
      "reached the end time"),
    BadInput(
      "rk4imp, finite-difference Jacobian (works)", ["--stepper", "rk4imp"], exit: 0,
      "reached the end time"),

    // Gradient descent (issue #20 defects 3, 4): t_end/η checked in floating point, before any integer
    // conversion (it trapped); a diverged run is a failure that names --gd-step.
    BadInput("gd-step 1e-300", ["--gd-step", "1e-300"], exit: usage, "needs 1e+300 iterations"),
    BadInput(
      "gd-step 1e-19, default t-end", ["--gd-step", "1e-19", "--t-end", "1e4"], exit: usage,
      "needs 1e+23 iterations"),
    BadInput("gd-step 5e-324", ["--gd-step", "5e-324"], exit: usage, "needs inf iterations"),
    BadInput(
      "config gd_step 1e-300", ["--config", "@config-gd-step-tiny.json"], exit: usage,
      "--gd-step 1e-300 needs 1e+300 iterations"),
    BadInput(
      "compare: gd-step 1e-300", command: "compare", ["--gd-step", "1e-300", "--t-end", "1"], exit: usage,
      "needs 1e+300 iterations"),
    BadInput("gd-step 0", ["--gd-step", "0"], exit: usage, "--gd-step must be a positive, finite"),
    BadInput(
      "gd-step with a stepper", ["--gd-step", "0.1", "--stepper", "msbdf"], exit: usage,
      "--stepper msbdf does not apply to --gd-step"),
    BadInput(
      "gd-step 10 diverges", ["--gd-step", "10"], exit: numerical,
      "gradient descent diverged: the loss or the weights stopped being finite at t=10.0 (iteration 1); lower --gd-step"
    ),
    BadInput(
      "gd-step 1e300 diverges", ["--gd-step", "1e300"], exit: numerical, "lower --gd-step (now 1e+300)"),
    BadInput(
      "gd-step 0.1 (works)", ["--gd-step", "0.1"], exit: 0, "reached the end time t=1"),

    // Data options.
    BadInput(
      "unknown generator", ["--generator", "spirals"], exit: usage, "'spirals' is invalid for '--generator"),
    BadInput(
      "data and generator", ["--data", "@valid.csv", "--generator", "xor"], exit: usage, "not both"),
    BadInput("n 0", ["--n", "0"], exit: usage, "--n must be at least 1"),
    BadInput("dimension 0", ["--dimension", "0"], exit: usage, "dimension must be at least 1"),
    BadInput("negative noise", ["--noise", "-1"], exit: usage, "noise must be a finite number"),
    BadInput("negative seed", ["--seed", "-1"], exit: usage, "'-1' is invalid for '--seed"),

    // Stops and limits at run time (exit 1 for limits, 0 for an unmet stop condition).
    BadInput(
      "non-separable with --stop-when-separated",
      [
        "--generator", "random-labels", "--n", "20", "--widths", "", "--stop-when-separated",
        "--t-end", "10",
      ],
      exit: 0, "never separated"),
    BadInput("max steps reached", ["--max-steps", "3"], exit: numerical, "raise --max-steps"),
    // rkf45 held at its stability limit near the minimizer of non-separable data: more steps would not help.
    BadInput(
      "max steps reached by a stiff explicit run",
      [
        "--generator", "random-labels", "--n", "20", "--widths", "", "--stepper", "rkf45", "--t-end", "1e6",
        "--max-steps", "300",
      ],
      exit: numerical, "the problem is stiff here; use --stepper auto (the default) or --stepper msbdf"),
    BadInput(
      "wall-clock limit reached",
      ["--generator", "moons", "--n", "40", "--t-end", "1e6", "--max-wall-seconds", "0.3"],
      exit: numerical,
      "raise --max-wall-seconds"),
    // Stability-limited corrected steps: the advice names what reached t = 1e4 on this problem (docs/stiff.md).
    BadInput(
      "stiff under the corrected steps",
      ["--generator", "moons", "--n", "40", "--t-end", "1e4", "--max-steps", "3000"],
      exit: numerical,
      "try --sliding filippov --stepper msbdf"),

    // Initial weights (exit 65: the file does not fit).
    BadInput(
      "missing init file", ["--init", "@no-such-weights.json"], exit: dataError,
      "No such file or directory"),
    BadInput("init is a directory", ["--init", "@"], exit: dataError, "it is a directory"),
    BadInput(
      "truncated init JSON", ["--init", "@init-truncated.json"], exit: dataError,
      "is not valid JSON (unexpected end of file"),
    BadInput(
      "init entry not a number", ["--init", "@init-string-entry.json"], exit: dataError,
      "layer 1, row 2, column 2 is not a number"),
    BadInput(
      "init for 3 inputs on 2 features", ["--data", "@valid.csv", "--init", "@init-3-inputs.json"],
      exit: dataError, "expect 3 inputs but the data have 2 features"),
    BadInput(
      "init widths differ from --widths", ["--init", "@init-2-4-1.json", "--widths", "8"],
      exit: dataError,
      "does not match the initial weights' hidden widths [4]"),
    BadInput(
      "init with two outputs", ["--init", "@init-two-outputs.json"], exit: dataError,
      "must have one row"),
    BadInput(
      "init layers do not chain", ["--init", "@init-chain-mismatch.json"], exit: dataError,
      "3 columns but layer 1 has 2 rows"),
    BadInput(
      "init CSV with NaN", ["--init", "@init-W1-nan.csv,@init-W2.csv"], exit: dataError,
      "init-W1-nan.csv:2: column 1: \"nan\" is not a finite number; the weights contain NaN or Inf"),
    BadInput(
      "init CSV with a NUL byte", ["--init", "@init-W1-nul.csv,@init-W2.csv"], exit: dataError,
      "init-W1-nul.csv:2: column 1: \"5\\0abc\" is not a number"),
    BadInput(
      "init JSON with NaN", ["--init", "@init-nan-literal.json"], exit: dataError,
      "is not valid JSON (invalid value at line 1, column 23)"),
    BadInput(
      "init JSON with 1e999", ["--init", "@init-overflow.json"], exit: dataError,
      "number 1e999 at line 2, column 5 is beyond the largest double"),
    BadInput(
      "init JSON with trailing garbage", ["--init", "@init-trailing-garbage.json"], exit: dataError,
      "is not valid JSON (invalid value at line 2, column 1)"),
    BadInput(
      "init matching the data (works)", ["--data", "@valid.csv", "--init", "@init-2-4-1.json"],
      exit: 0, "reached the end time"),

    // Output directory (exit 64, checked before the run).
    BadInput(
      "existing non-empty output", ["--out", "{nonempty}"], exit: usage, "pass --force to overwrite"
    ),
    BadInput(
      "existing non-empty output, --force (works)", ["--out", "{nonempty}", "--force"], exit: 0,
      "reached the end time"),
    BadInput("empty --out", ["--out", ""], exit: usage, "--out is empty"),
    BadInput("blank --out", ["--out", "  "], exit: usage, "--out is empty"),
    BadInput(
      "check: --out under a file", command: "check",
      ["--weights", "@init-2-4-1.json", "--data", "@valid.csv", "--out", "@valid.csv/x"], exit: usage,
      "valid.csv' exists and is not a directory; choose another --out"),
    BadInput(
      "data: a full disk", command: "data", ["blobs", "-o", "/dev/full"], exit: numerical,
      "cannot write '/dev/full': No space left on device"),
    BadInput(
      "output is a file", ["--out", "@valid.csv"], exit: usage, "exists and is not a directory"),
    BadInput(
      "output under a file", ["--out", "@valid.csv/run"], exit: usage,
      "cannot create the output directory"),

    // Config files (exit 64, the message names the key).
    BadInput(
      "config unknown key", ["--config", "@config-unknown-key.json"], exit: usage,
      "unknown key \"tend\" (did you mean \"t_end\"?)"),
    BadInput(
      "config t_end a string", ["--config", "@config-t-end-string.json"], exit: usage,
      "key \"t_end\": expected a number"),
    BadInput(
      "config widths a number", ["--config", "@config-widths-number.json"], exit: usage,
      "key \"widths\": expected a list"),
    BadInput(
      "config n a fraction", ["--config", "@config-n-fraction.json"], exit: usage,
      "key \"n\": expected an integer, got 1.5"),
    BadInput(
      "config seed negative", ["--config", "@config-seed-negative.json"], exit: usage,
      "key \"seed\": expected a non-negative"),
    BadInput(
      "config unknown stepper", ["--config", "@config-unknown-stepper.json"], exit: usage,
      "key \"stepper\": expected one of"),
    BadInput(
      "config bool as string", ["--config", "@config-bool-string.json"], exit: usage,
      "key \"stop_when_separated\": expected true or false"),
    BadInput(
      "config width 0", ["--config", "@config-width-zero.json"], exit: usage, "hidden width 1 is 0"),
    BadInput(
      "config rtol NaN", ["--config", "@config-rtol-nan.json"], exit: usage,
      "--rtol must be positive (got nan)"),
    BadInput(
      "config truncated", ["--config", "@config-truncated.json"], exit: usage, "not valid JSON"),
    BadInput(
      "config with a NaN literal", ["--config", "@config-nan-literal.json"], exit: usage,
      "not valid JSON (invalid value at line 2, column 10)"),
    BadInput("config empty", ["--config", "@config-empty.json"], exit: usage, "not valid JSON"),
    BadInput(
      "config an array", ["--config", "@config-array.json"], exit: usage, "expected a JSON object"),
    BadInput(
      "config with a bad run.json config", ["--config", "@config-run-json-bad.json"], exit: usage,
      "key \"config\""),
    BadInput(
      "config missing", ["--config", "@no-such-config.json"], exit: usage,
      "No such file or directory"),
    BadInput("config is a directory", ["--config", "@"], exit: usage, "it is a directory"),

    // gradflow data.
    BadInput(
      "data: 10^12 samples", command: "data", ["blobs", "--n", "1000000000000"], exit: usage,
      "lower --n"),
    BadInput(
      "data: dimension 0", command: "data", ["blobs", "--dimension", "0"], exit: usage,
      "dimension must be at least 1"),
    BadInput("data: unknown dataset", command: "data", ["spirals"], exit: usage, "blobs"),
    BadInput(
      "data: unwritable output", command: "data", ["xor", "-o", "@valid.csv/x.csv"], exit: usage,
      "x.csv': Not a directory; choose another -o"),

    // Command-line grammar.
    BadInput(
      "unknown option", ["--no-such-option"], exit: usage, "Unknown option '--no-such-option'"),
    BadInput("missing option value", ["--data"], exit: usage, "Missing value for '--data"),
  ]

  static let corpusDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("BadInputs")

  @Test(arguments: corpus)
  func badInputEndsWithItsExitCodeAndMessage(_ item: BadInput) throws {
    let scratch = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let out = scratch.appendingPathComponent("out").path
    var arguments = try item.arguments.map { argument -> String in
      if argument == "{out}" { return out }
      if argument == "{fifo}" {  // a named pipe that no process writes to
        let fifo = scratch.appendingPathComponent("fifo").path
        if !FileManager.default.fileExists(atPath: fifo) { #expect(mkfifo(fifo, 0o600) == 0) }
        return fifo
      }
      if argument == "{nonempty}" {
        _ = try writeFile("earlier-run.txt", "x", in: scratch)
        return scratch.path
      }
      // "@a,@b" (per-layer weight CSVs) expands every element.
      return argument.split(separator: ",", omittingEmptySubsequences: false).map { part in
        part.hasPrefix("@")
          ? Self.corpusDirectory.appendingPathComponent(String(part.dropFirst())).path
          : String(part)
      }.joined(separator: ",")
    }
    if item.command == "simulate" {
      if !arguments.contains("--out") { arguments += ["--out", out] }
      if !arguments.contains("--t-end"), !arguments.contains("--config") {
        arguments += ["--t-end", "1"]
      }
      if !arguments.contains("--saves") { arguments += ["--saves", "3"] }
    }

    let result = try gradflow([item.command] + arguments, environment: item.environment)
    let output = result.stderr + result.stdout
    #expect(result.status == item.status, "\(item.name): exit \(result.status)\n\(result.stderr)")
    #expect(output.contains(item.phrase), "\(item.name): expected \"\(item.phrase)\" in\n\(output)")
    #expect(
      !result.stderr.contains("Fatal error") && !result.stderr.contains("Backtrace"),
      "\(item.name) trapped")
    if item.status == Self.usage || item.status == Self.dataError {
      #expect(
        result.stderr.hasPrefix("gradflow: error: "),
        "\(item.name): an error message comes first\n\(result.stderr)")
      if item.arguments.contains("--out") == false {
        #expect(
          !FileManager.default.fileExists(atPath: out),
          "\(item.name): refused up front, nothing written")
      }
    }
    if item.status == 0, item.command == "simulate" {
      let outputDirectory = arguments[arguments.lastIndex(of: "--out")! + 1]
      #expect(
        FileManager.default.fileExists(atPath: outputDirectory + "/trajectory.csv"), "\(item.name)")
    }
  }

  @Test func theCorpusIsLargeAndEveryFileIsUsed() throws {
    #expect(Self.corpus.count >= 40)
    #expect(Set(Self.corpus.map(\.name)).count == Self.corpus.count, "case names are unique")
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpusDirectory.path)
    let mentioned = Self.corpus.flatMap(\.arguments).joined(separator: ",")
    for file in files {
      #expect(mentioned.contains("@\(file)"), "BadInputs/\(file) is not used by any case")
    }
  }
}
