import Foundation
import Testing

/// `--help` shows every option's default and every closed set of choices, exactly as written here
/// (the values are the documented defaults, typed here independently of the code's defaults table).
@Suite struct HelpTests {
  /// The help text at ArgumentParser's 80-column layout.
  private func help(_ command: String) throws -> String {
    let result = try gradflow([command, "--help"], environment: ["COLUMNS": "80"])
    #expect(result.status == 0)
    return result.stdout
  }

  @Test func simulateShowsTheDefaultsAndChoices() throws {
    let text = try help("simulate")
    for block in [
      "  --generator <generator> Built-in dataset when --data is not given. (default:\n"
        + "                          blobs) (values: blobs, xor, circles, moons,\n"
        + "                          random-labels, r1, r2)\n",
      "  --n <n>                 Samples drawn by the generator. (default: 40)\n",
      "  --noise <noise>         Generator noise. (default: the generator's: blobs 1,\n"
        + "                          xor 0.1, circles 0.05, moons 0.1)\n",
      "  --widths <widths>       Hidden widths, comma-separated: 16 (two layers),\n"
        + "                          32,32 (three), \"\" (linear model). (default: 16)\n",
      "  --loss <loss>           Loss. (default: exponential) (values: exponential,\n"
        + "                          logistic, square)\n",
      "                          (default: relu) (values: relu, identity, leaky-relu,\n"
        + "                          smooth-relu:EPS)\n",
      "                          (W_k = g_k v_k/‖v_k‖). (default: unconstrained)\n"
        + "                          (values: unconstrained, lagrange, weightnorm)\n",
      "  --leaky-slope <leaky-slope>\n                          Negative slope of leaky-relu. (default: 0.01)\n",
      "  --seed <seed>           Seed of the Gaussian initialization. (default: 0)\n",
      "                          (default: t) (values: t, log-t, rho, auto)\n",
      "  --t-end <t-end>         End time. (default: 10000)\n",
      "  --rtol <rtol>           Relative tolerance. (default: 1e-08)\n",
      "  --atol <atol>           Absolute tolerance. (default: 1e-10)\n",
      "                          rms) (values: max, rms)\n",
      "  --max-steps <max-steps> Limit on accepted steps. (default: 1000000)\n",
      "  --hmin <hmin>           Minimum step size; 0 is none. (default: 0)\n",
      "  --hmax <hmax>           Maximum step size. (default: none)\n",
      "                          (docs/stiff.md). (default: auto) (values: rk2, rk4,\n"
        + "                          rkf45, rkck, rk8pd, rk1imp, rk2imp, rk4imp, bsimp,\n"
        + "                          msadams, msbdf, auto)\n",
      "                          else off). (default: auto) (values: off, filippov,\n"
        + "                          corrected, auto, exact)\n",
      "  --out <out>             Output directory. (default: gradflow-out)\n",
    ] {
      #expect(text.contains(block), "simulate --help lacks\n\(block)")
    }
  }

  @Test func everyValuedOptionShowsADefault() throws {
    // Every option that takes a value says its default (flags are off by default).
    for command in ["simulate", "compare", "check", "data"] {
      let text = try help(command)
      let options = text.components(separatedBy: "\n  -").dropFirst()
      for option in options where option.contains("<") && !option.hasPrefix("h, --help") {
        let name = option.prefix { $0 != " " && $0 != "\n" }
        if option.hasPrefix("-config") { continue }  // no config unless given
        #expect(option.contains("default:"), "\(command) -\(name) shows no default")
      }
    }
  }

  @Test func compareOffersNoDynamicsAndSaysWhereItCompares() throws {
    let text = try help("compare")
    #expect(!text.contains("--dynamics"))
    #expect(text.contains("  --at <at>               Compare the final states at equal t or at equal\n"))
    #expect(text.contains("                          product norm rho. (values: t, rho; default: t)\n"))
    // The overview is wrapped once: within a paragraph only the last line is short.
    let overview = text.components(separatedBy: "USAGE:")[0].components(separatedBy: "\n")
    for (line, next) in zip(overview, overview.dropFirst()) where !next.isEmpty {
      #expect(line.isEmpty || line.count >= 60, "ragged line '\(line)'")
    }
  }

  @Test func checkListsItsSelectionsAndStrictFlag() throws {
    let text = try help("check")
    #expect(
      text.contains("simulate --save-weights). (values: last, all,\n                          every:K; default: last)"))
    #expect(text.contains("  --fail-unless-kkt       Exit with the verdict's code (2-5, see above) unless"))
  }
}

/// Every error, the argument parser's included, starts with `gradflow: error:` and exits with its
/// documented code.
@Suite struct ErrorPrefixTests {
  @Test func argumentParserErrorsUseTheGradflowPrefix() throws {
    for (arguments, code) in [
      (["simulate", "--no-such-option"], Int32(64)),
      (["simulate", "--loss", "hinge"], 64),
      (["simulate", "--rtol"], 64),
      (["simulate", "--widths", "0"], 64),
      (["check"], 64),
      (["check", "run", "--at", "sometimes"], 64),
      (["compare", "--dynamics", "lagrange"], 64),
      (["data", "spirals"], 64),
      (["no-such-command"], 64),
    ] {
      let result = try gradflow(arguments)
      #expect(result.status == code, "\(arguments): \(result.stderr)")
      #expect(result.stderr.hasPrefix("gradflow: error: "), "\(arguments): \(result.stderr)")
      #expect(!result.stderr.contains("\nError:"))
    }
  }

  @Test func aLinearModelIsSummarizedAsLinear() throws {
    let dir = try temporaryDirectory()
    let result = try gradflow(["simulate", "--generator", "r1", "--depth", "1", "--t-end", "10", "--out", dir.path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("flow, 2 → 1 linear, exponential loss"), "\(result.stdout)")
  }

  @Test func runtimeErrorsUseTheGradflowPrefix() throws {
    let dir = try temporaryDirectory()
    let result = try gradflow(["simulate", "--max-steps", "3", "--out", dir.path, "--quiet"])
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("gradflow: error: max steps 3 reached at t="), "\(result.stderr)")
    #expect(result.stderr.contains("raise --max-steps, or loosen --rtol/--atol"))
    let missing = try gradflow(["check", dir.appendingPathComponent("nothing").path])
    #expect(missing.status == 64)
    #expect(missing.stderr.hasPrefix("gradflow: error: "))
  }
}

/// One word per concept (issue #16): the kink band is `--kink-band` in simulate and check; the old
/// names `--sliding-band`, `--kink-tol` and the config key `sliding_band` still read but are not listed.
@Suite struct RenamedOptionTests {
  @Test func helpListsTheNewNamesOnlyAndRescaleItsChoices() throws {
    let simulate = try gradflow(["simulate", "--help"], environment: ["COLUMNS": "80"]).stdout
    #expect(simulate.contains("--kink-band <kink-band>") && !simulate.contains("--sliding-band"))
    let check = try gradflow(["check", "--help"], environment: ["COLUMNS": "80"]).stdout
    #expect(check.contains("--kink-band <kink-band>") && !check.contains("--kink-tol"))
    #expect(check.contains("(values: balanced,\n                          as-is; default: balanced)"))
  }

  @Test func oldFlagAndKeyGiveTheNewKey() throws {
    let dir = try temporaryDirectory()
    let base = [
      "simulate", "--generator", "xor", "--n", "8", "--widths", "4", "--t-end", "1", "--saves", "2", "--quiet",
    ]
    let new = try gradflow(base + ["--kink-band", "1e-4", "--out", dir.path + "/new"])
    let old = try gradflow(base + ["--sliding-band", "1e-4", "--out", dir.path + "/old"])
    #expect(new.status == 0 && old.status == 0, "\(new.stderr)\(old.stderr)")
    for name in ["new", "old"] {
      let text = try String(contentsOfFile: dir.path + "/\(name)/run.json", encoding: .utf8)
      #expect(text.contains("\"kink_band\" : 0.0001") && !text.contains("sliding_band"), "\(name)")
    }
    #expect(
      try Data(contentsOf: dir.appendingPathComponent("new/trajectory.csv"))
        == Data(contentsOf: dir.appendingPathComponent("old/trajectory.csv")))
    let both = try gradflow(base + ["--kink-band", "1e-4", "--sliding-band", "1e-4", "--out", dir.path + "/both"])
    #expect(both.status == 64 && both.stderr.contains("--sliding-band is its old name"))

    let config = try writeFile("old.json", #"{"sliding_band": 0.001, "t_end": 1, "widths": [4], "n": 8}"#, in: dir)
    let replay = try gradflow(["simulate", "--config", config, "--quiet", "--out", dir.path + "/config"])
    #expect(replay.status == 0, "\(replay.stderr)")
    let text = try String(contentsOfFile: dir.path + "/config/run.json", encoding: .utf8)
    #expect(text.contains("\"kink_band\" : 0.001"))
    let clash = try writeFile("clash.json", #"{"sliding_band": 0.001, "kink_band": 0.001}"#, in: dir)
    let refused = try gradflow(["simulate", "--config", clash, "--quiet", "--out", dir.path + "/clash"])
    #expect(refused.status == 64 && refused.stderr.contains("keep \"kink_band\""), "\(refused.stderr)")
  }

  @Test func checkReadsTheOldKinkTolFlag() throws {
    let dir = try temporaryDirectory()
    let run = try gradflow([
      "simulate", "--generator", "xor", "--n", "8", "--widths", "4", "--t-end", "50", "--saves", "2", "--quiet",
      "--out", dir.path + "/run",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let new = try gradflow(["check", dir.path + "/run", "--json", "--kink-band", "0.01"])
    let old = try gradflow(["check", dir.path + "/run", "--json", "--kink-tol", "0.01"])
    #expect(new.stdout == old.stdout && !new.stdout.isEmpty, "\(new.stderr)\(old.stderr)")
    let both = try gradflow(["check", dir.path + "/run", "--kink-band", "0.01", "--kink-tol", "0.01"])
    #expect(both.status == 64 && both.stderr.contains("--kink-tol is its old name"))
  }
}
