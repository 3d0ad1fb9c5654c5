import Foundation

/// `--check-at-end`: the checker run on a finished run's final weights, as `gradflow check --at last
/// DIR` would (``RunArchive``, ``TrajectoryCheck``, default ``KKTCertificate/Options``), writing
/// `DIR/check.json` and `DIR/check.csv` so `gradflow collect` can tabulate verdicts and certificates.
public enum EndCheck {
  /// Checks the run in `directory` (whose run.json and final_weights.json are written) and returns the
  /// report. A run that cannot be checked (its data gone, unreadable files) throws ``CheckError``.
  public static func run(directory: OutputDirectory) throws(CheckError) -> CheckReport {
    let archive = try RunArchive(path: directory.path)
    let check = try TrajectoryCheck(archive: archive, selection: .last, options: KKTCertificate.Options())
    let report = CheckReport(check: check, source: archive.path, dataSource: archive.setup.dataSource)
    try report.writeCSV(to: directory.file("check.csv"))
    do throws(OutputError) {
      guard let object = try? JSONSerialization.jsonObject(with: Data(report.jsonText().utf8)) else {
        throw .cannotWrite(path: directory.file("check.json"), reason: "the report is not valid JSON")
      }
      try directory.writeJSON(object, to: "check.json")
    } catch {
      throw .output(error.description)
    }
    return report
  }
}
