import Foundation

/// Runs the built `gradflow` binary and captures its exit code and output.
struct CommandResult {
  let status: Int32
  let stdout: String
  let stderr: String
}

/// The `gradflow` executable next to the test bundle (SwiftPM builds it because the test target depends on it).
let gradflowBinary: URL = {
  let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  let candidate = here.appendingPathComponent("gradflow")
  if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  return root.appendingPathComponent(".build/debug/gradflow")
}()

/// `environment` entries are added to (or override) the test process's environment; the variables named in
/// `unsetting` are removed from it.
func gradflow(
  _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:], unsetting: [String] = []
) throws -> CommandResult {
  try runProcess(gradflowBinary, arguments, in: directory, environment: environment, unsetting: unsetting)
}

/// Runs an executable and captures its exit code and output; `environment` entries are added to this
/// process's environment, and the variables named in `unsetting` removed from it.
func runProcess(
  _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
  unsetting: [String] = []
) throws -> CommandResult {
  let process = Process()
  process.executableURL = executable
  process.arguments = arguments
  if let directory { process.currentDirectoryURL = directory }
  if !environment.isEmpty || !unsetting.isEmpty {
    var merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    for name in unsetting { merged[name] = nil }
    process.environment = merged
  }
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  let errData = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return CommandResult(
    status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
    stderr: String(decoding: errData, as: UTF8.self))
}

/// A fresh temporary directory.
func temporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("gradflow-cli-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// Writes text to a file in `directory` and returns its path.
func writeFile(_ name: String, _ text: String, in directory: URL) throws -> String {
  let url = directory.appendingPathComponent(name)
  try text.write(to: url, atomically: true, encoding: .utf8)
  return url.path
}
