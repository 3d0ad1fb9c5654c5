import ArgumentParser
import Foundation
import ODE

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// What every subcommand sets up before it writes anything: a file-size limit (`ulimit -f`) or a
/// reader that closed the pipe makes the write fail with EFBIG or EPIPE — reported with the path by
/// the writers — instead of killing the process with SIGXFSZ (and a core dump) or SIGPIPE mid-row.
/// Until a run installs its handlers, SIGINT, SIGTERM and SIGHUP end the process (nothing is
/// written yet), even when it was started with them ignored or blocked.
func prepareProcess() {
  signal(SIGXFSZ, SIG_IGN)
  signal(SIGPIPE, SIG_IGN)
  Interruption.terminateOnSignals()
}

/// Writes `text` to standard output with `write(2)`, checking every call: a full disk (/dev/full), a
/// file-size limit or a closed pipe ends the command with exit 1 and a message, never a silent success.
func emit(_ text: String) throws {
  var text = text
  var failure: String?
  text.withUTF8 { bytes in
    var offset = 0
    while offset < bytes.count {
      let result = write(1, bytes.baseAddress! + offset, bytes.count - offset)
      if result < 0 {
        if errno == EINTR { continue }
        failure = String(cString: strerror(errno))
        return
      }
      offset += result
    }
  }
  if let failure {
    printError("cannot write to standard output: \(failure)")
    throw ExitCode(1)
  }
}
