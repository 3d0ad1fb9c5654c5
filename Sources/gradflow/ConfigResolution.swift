import ArgumentParser
import GradientFlow

/// The config a run command uses: the defaults, overridden by `--config` (a config JSON or a
/// run.json), overridden by the flags. Any problem is a one-line usage error (exit 64).
func resolveConfig(
  path: String?, data: DataOptions, model: ModelOptions, dynamics: DynamicsOption? = nil,
  integration: IntegrationOptions
) throws -> RunConfig {
  var resolved = RunConfig()
  do {
    if let path { resolved = try RunConfig.load(path: path) }
    try data.apply(to: &resolved)
    try model.apply(to: &resolved)
    dynamics?.apply(to: &resolved)
    integration.apply(to: &resolved)
  } catch {
    printError(String(describing: error))
    throw ExitCode(64)
  }
  return resolved
}
