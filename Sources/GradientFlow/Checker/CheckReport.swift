import Foundation

/// The outputs of `gradflow check`: a JSON report for scripts, a short table for people and the rows of
/// `check.csv` (one per checked time).
///
/// JSON keys for the last checked time: `verdict`, `exit_code` (the process's),  `claim`, `tolerance`, `t`, `log_t`, `K`,
/// `gamma_product` (min_n q_n(W)/∏‖W_k‖), `gamma_lyu_li` (min_n q_n(W)/‖θ‖^K), `eps_rel`, `eps_rel_plain`,
/// `delta`, `delta_rel`, `lambda_ratio` (γ^{2/K}Σλ), `score`, `support` (0-based sample indices),
/// `support_size`, `lambda`, `layer_residuals`, `eta`, `balance_error`, `kink_pairs`, `kink_treatment`,
/// `kink_ambiguous`, `solver`, `pareto`; for K ≥ 3 with kinks `eps_rel_conventions`,
/// `eps_rel_lower_bound` (certified, over every multiplier choice and Clarke subgradient), `open_samples`
/// and `ambiguity_reason`; `rescale` (balanced or as-is) and `flow_multipliers` (THEORY §5.5 item 7:
/// `eps_rel`, `delta_rel`, `lambda_ratio`, `score` of λ = c·softmax(−q(W)));
/// for linear networks `svm_direction`, `svm_margin`, `direction` (unit vectors), `svm_angle` (radians),
/// `margin_gap`, `svm_support`, `svm_alpha`, `svm_duality_gap`; `known_optimum` when γ* is known;
/// `mirror_bound` (`bound`, `svm_margin`, `slope`, `holds` at every checked time) for a two-layer net on
/// mirror-symmetric data; then
/// `certificate_trend`, `predictions`, `reasons` and `points` (a summary per checked time).
/// Fields that do not exist (no separation) are `null`.
public struct CheckReport {
  public let check: TrajectoryCheck
  /// What was checked, e.g. a run directory or "data.csv + weights.json".
  public let source: String
  /// Where the data came from.
  public let dataSource: String

  /// `--fail-unless-kkt`: a verdict other than `kkt` exits with its ``CheckVerdict/exitCode``.
  public let failUnlessKKT: Bool

  public init(check: TrajectoryCheck, source: String, dataSource: String, failUnlessKKT: Bool = false) {
    self.check = check
    self.source = source
    self.dataSource = dataSource
    self.failUnlessKKT = failUnlessKKT
  }

  /// The process exit code of `gradflow check`: 0 for every completed analysis, the verdict's code
  /// with `--fail-unless-kkt`.
  public var exitCode: Int32 { failUnlessKKT ? check.verdict.exitCode : 0 }

  /// The certificate the verdict is about.
  public var last: KKTCertificate { check.points.last!.certificate }

  /// What may be claimed: "global max margin" only against a closed form (the SVM for linear
  /// networks, ``KnownOptimum``), otherwise "KKT point"; nothing unless the verdict is `kkt`.
  public var claim: String {
    guard check.verdict == .kkt else { return "none (verdict \(check.verdict.rawValue))" }
    let tolerance = check.tolerance
    if let linear = last.linear, linear.angle <= tolerance, linear.marginGap <= tolerance * linear.svm.margin {
      return "global max margin: the direction matches the hard-margin SVM (the linear max-margin problem is convex)"
    }
    if let known = last.knownOptimum, abs(last.gammaProduct - known.gammaProduct) <= tolerance * known.gammaProduct {
      return "global max margin: gamma_product matches gamma* = \(known.gammaProduct) of \(known.source)"
    }
    return "KKT point of the max-margin problem (first-order conditions; not a claim of global max margin)"
  }

  // MARK: JSON

  /// The report as a JSON object (non-finite numbers as strings, missing values as null).
  public func jsonObject() -> [String: Any] {
    let c = last
    var object: [String: Any] = [
      "verdict": check.verdict.rawValue,
      "exit_code": Int(exitCode),
      "meaning": check.verdict.meaning,
      "claim": claim,
      "tolerance": check.tolerance,
      "source": source,
      "data": dataSource,
      "t": check.points.last!.t.map { $0 as Any } ?? NSNull(),
      "log_t": check.points.last!.logT.map { $0 as Any } ?? NSNull(),
      "K": c.architecture.depth,
      "layer_sizes": c.architecture.layerSizes,
      "activation": c.architecture.activation.rawValue,
      "gate_width": c.architecture.smoothGate.map { $0.width as Any } ?? NSNull(),
      "samples": c.sampleCount,
      "gamma_product": c.gammaProduct,
      "gamma_lyu_li": c.gammaLyuLi,
      "margin_normalizations":
        "gamma_product = min_n q_n(W) / prod_k ||W_k||_F; gamma_lyu_li = min_n q_n(W) / ||theta||^K",
      "balance_error": c.balanceError,
      "kink_pairs": c.kinkPairs,
      "kink_treatment": c.kinkTreatment.rawValue,
      "kink_ambiguous": c.kinkAmbiguous,
      "certificate_trend": check.certificateTrend.rawValue,
      "reasons": check.reasons,
      "predictions": check.predictions.map { test -> [String: Any] in
        [
          "id": test.id, "name": test.name, "status": test.status.rawValue, "decisive": test.decisive,
          "value": test.value.map { $0 as Any } ?? NSNull(), "detail": test.detail,
        ]
      },
      "points": check.points.map { point -> [String: Any] in
        let fit = point.certificate.fit
        return [
          "t": point.t.map { $0 as Any } ?? NSNull(),
          "log_t": point.logT.map { $0 as Any } ?? NSNull(),
          "gamma_product": point.certificate.gammaProduct,
          "eps_rel": fit.map { $0.epsRel as Any } ?? NSNull(),
          "delta_rel": fit.map { $0.deltaRel as Any } ?? NSNull(),
          "lambda_ratio": fit.map { $0.lambdaRatio as Any } ?? NSNull(),
          "score": fit.map { $0.score as Any } ?? NSNull(),
        ]
      },
    ]
    let fitKeys = [
      "eps_rel", "eps_rel_plain", "delta", "delta_rel", "lambda_ratio", "score", "support", "support_size",
      "lambda", "layer_residuals", "eta", "method", "solver", "pareto", "kink_slopes",
    ]
    for key in fitKeys { object[key] = NSNull() }
    if let fit = c.fit {
      object["eps_rel"] = fit.epsRel
      object["eps_rel_plain"] = c.plainFit.map { $0.epsRel as Any } ?? NSNull()
      object["delta"] = fit.delta
      object["delta_rel"] = fit.deltaRel
      object["lambda_ratio"] = fit.lambdaRatio
      object["score"] = fit.score
      object["support"] = fit.support
      object["support_size"] = fit.support.count
      object["lambda"] = fit.lambda
      object["layer_residuals"] = fit.layerResiduals
      object["eta"] = fit.eta
      object["method"] = fit.method.rawValue
      object["solver"] =
        [
          "converged": fit.solverConverged, "dual_violation": fit.dualViolation, "duality_gap": fit.dualityGap,
        ] as [String: Any]
      object["pareto"] = c.pareto.map { entry -> [String: Any] in
        [
          "eta": entry.eta, "eps_rel": entry.epsRel, "delta_rel": entry.deltaRel, "lambda_ratio": entry.lambdaRatio,
          "support_size": entry.support.count, "score": entry.score,
        ]
      }
      object["kink_slopes"] = fit.kinkSlopes.map {
        ["sample": $0.sample, "layer": $0.layer, "unit": $0.unit, "slope": $0.slope] as [String: Any]
      }
    }
    if let range = c.conventionEpsRange {
      object["eps_rel_conventions"] = ["min": range.low, "max": range.high]
    }
    object["rescale"] = c.rescale.rawValue
    if let flow = c.flowFit {
      object["flow_multipliers"] =
        [
          "eps_rel": flow.epsRel, "delta_rel": flow.deltaRel, "lambda_ratio": flow.lambdaRatio, "score": flow.score,
        ] as [String: Any]
    }
    if let bound = c.epsRelLowerBound {
      object["eps_rel_lower_bound"] = bound
      object["open_samples"] = c.openSamples
      object["ambiguity_reason"] = c.ambiguityReason.map { $0 as Any } ?? NSNull()
    }
    if let linear = c.linear {
      object["svm_direction"] = linear.svm.direction
      object["svm_margin"] = linear.svm.margin
      object["direction"] = linear.direction
      object["svm_angle"] = linear.angle
      object["margin_gap"] = linear.marginGap
      object["svm_support"] = linear.svm.supportVectors
      object["svm_alpha"] = linear.svm.alpha
      object["svm_duality_gap"] = linear.svm.dualityGap
    } else if c.architecture.depth == 1 || c.architecture.activation == .identity {
      object["svm_direction"] = NSNull()
      object["svm_margin"] = NSNull()
      object["svm_note"] = "the data are not linearly separable through the origin: no SVM"
    }
    if let mirror = c.mirrorBound {
      object["mirror_bound"] =
        [
          "bound": mirror.bound, "svm_margin": mirror.svmMargin, "slope": mirror.slope,
          "holds": check.points.allSatisfy { $0.certificate.gammaProduct <= mirror.bound * (1 + 1e-12) },
        ] as [String: Any]
    }
    if let known = c.knownOptimum {
      object["known_optimum"] = ["source": known.source, "gamma_product": known.gammaProduct] as [String: Any]
    }
    return jsonSafe(object) as! [String: Any]
  }

  /// ``jsonObject()`` as pretty-printed text with sorted keys.
  public func jsonText() -> String {
    let data =
      (try? JSONSerialization.data(
        withJSONObject: jsonObject(), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
    return String(decoding: data, as: UTF8.self)
  }

  // MARK: check.csv

  /// The columns of `check.csv`.
  public var csvColumns: [String] {
    var names = [
      "t", "log_t", "gamma_product", "gamma_lyu_li", "eps_rel", "eps_rel_plain", "delta", "delta_rel",
      "lambda_ratio", "score", "support_size", "eta", "kink_pairs", "kink_ambiguous", "balance_error",
    ]
    if last.linear != nil { names += ["svm_angle", "margin_gap"] }
    return names
  }

  /// One row per checked time (numbers in shortest round-trip form, nan where undefined).
  public var csvRows: [[Double]] {
    let linear = last.linear != nil
    return check.points.map { point in
      let c = point.certificate
      let t = point.t ?? .nan
      let fit = c.fit
      let nan = Double.nan
      var row: [Double] = [t, point.logT ?? nan, c.gammaProduct, c.gammaLyuLi]
      row += [fit?.epsRel ?? nan, c.plainFit?.epsRel ?? nan, fit?.delta ?? nan, fit?.deltaRel ?? nan]
      row += [fit?.lambdaRatio ?? nan, fit?.score ?? nan]
      row.append(fit.map { Double($0.support.count) } ?? nan)
      row += [fit?.eta ?? nan, Double(c.kinkPairs), c.kinkAmbiguous ? 1 : 0, c.balanceError]
      if linear { row += [c.linear?.angle ?? .nan, c.linear?.marginGap ?? .nan] }
      return row
    }
  }

  /// `check.csv` as text: the header, then ``csvRows``.
  public var csvText: String {
    var text = csvColumns.joined(separator: ",") + "\n"
    for row in csvRows { text += row.map(format).joined(separator: ",") + "\n" }
    return text
  }

  /// Writes `check.csv` to `path` with ``AtomicFile``: complete or absent, never through a symbolic link.
  public func writeCSV(to path: String) throws(CheckError) {
    do throws(OutputError) {
      try AtomicFile.write(Array(csvText.utf8), to: path)
    } catch {
      throw .output(error.description)
    }
  }

  /// Writes `check.json` (``jsonText()``) to `path` with ``AtomicFile``.
  public func writeJSON(to path: String) throws(CheckError) {
    do throws(OutputError) {
      try AtomicFile.write(Array((jsonText() + "\n").utf8), to: path)
    } catch {
      throw .output(error.description)
    }
  }

  // MARK: Human table

  /// A short table for people: the checked times (at most 12, spread evenly, always the first and the
  /// last), the verdict and why,
  /// the claim, the linear comparison and the §6 diagnostics.
  public var text: String {
    let c = last
    let arch = c.architecture.layerSizes.map(String.init).joined(separator: " -> ")
    let kind =
      c.architecture.depth == 1
      ? "linear" : c.architecture.smoothGate.map { "smooth-relu:\($0.width)" } ?? c.architecture.activation.rawValue
    var lines = [
      "gradflow check: \(arch) \(kind) (K = \(c.architecture.depth)), \(c.sampleCount) samples, tolerance \(shortNumber(check.tolerance))",
      "  source: \(source)",
      "",
      "         t   gamma_P      gamma_LL     eps_rel    eps_plain  delta_rel  Lambda-ratio  |S|  kinks",
    ]
    let points = check.points
    let shown = points.count <= 12 ? Array(points.indices) : Self.sample(points.indices, count: 12)
    for index in shown {
      let point = points[index]
      let certificate = point.certificate
      let t: String
      if let value = point.t, value.isFinite {
        t = String(format: "%10.4g", value)
      } else if let logT = point.logT, logT.isFinite {
        let text = "e^" + String(format: "%.5g", logT)
        t = String(repeating: " ", count: max(0, 10 - text.count)) + text
      } else {
        t = "         -"
      }
      if let fit = certificate.fit {
        lines.append(
          String(
            format: "%@  %-11.8g  %-11.8g  %-9.3g  %-9.3g  %-9.3g  %-12.8g  %3d  %5d", t, certificate.gammaProduct,
            certificate.gammaLyuLi, fit.epsRel, certificate.plainFit?.epsRel ?? .nan, fit.deltaRel,
            fit.lambdaRatio, fit.support.count, certificate.kinkPairs))
      } else {
        lines.append(
          String(
            format: "%@  %-11.8g  %-11.8g  (not separating: no certificate)", t, certificate.gammaProduct,
            certificate.gammaLyuLi))
      }
    }
    if shown.count < points.count {
      lines.append("  (\(shown.count) of \(points.count) checked times shown; all of them are in check.csv)")
    }
    lines.append("")
    lines.append("verdict: \(check.verdict.rawValue) (exit \(exitCode)) - \(check.verdict.meaning)")
    for reason in check.reasons { lines.append("  - \(reason)") }
    lines.append("claim: \(claim)")
    if let flow = c.flowFit {
      lines.append(
        "flow multipliers (lambda = c softmax(-q(W))): eps_rel \(shortNumber(flow.epsRel)), delta_rel \(shortNumber(flow.deltaRel)), Lambda-ratio \(shortNumber(flow.lambdaRatio))"
          + (c.rescale == .asIs ? "; rescale as-is (theta / q_min^(1/K))" : ""))
    }
    if c.kinkTreatment == .clarkeExact {
      lines.append(
        "kinks: Clarke-aware fit (exact for K = 2) over \(c.kinkPairs) near-zero pre-activations; plain backprop eps_rel \(shortNumber(c.plainFit?.epsRel ?? .nan))"
      )
    } else if let range = c.conventionEpsRange {
      let bound = c.epsRelLowerBound.map { shortNumber($0) } ?? "not computed"
      lines.append(
        "kinks: Clarke-aware fit over the slope vertices of \(c.kinkPairs) near-zero pre-activations; certified eps_rel >= \(bound)"
          + (c.openSamples > 0 ? " (\(c.openSamples) sample(s) left open by the node budget)" : " (exact)")
          + "; eps_rel over sigma'(0) conventions in [\(shortNumber(range.low)), \(shortNumber(range.high))]")
    }
    if let linear = c.linear {
      let direction = linear.svm.direction.map { String(format: "%.6g", $0) }.joined(separator: ", ")
      lines.append(
        "linear: SVM direction (\(direction)), SVM margin \(String(format: "%.8g", linear.svm.margin)), support vectors \(linear.svm.supportVectors); angle to the SVM \(shortNumber(linear.angle)) rad, margin gap \(shortNumber(linear.marginGap))"
      )
    }
    if let mirror = c.mirrorBound {
      let holds = check.points.allSatisfy { $0.certificate.gammaProduct <= mirror.bound * (1 + 1e-12) }
      lines.append(
        "mirror-symmetric data: gamma_P <= (1 + \(shortNumber(mirror.slope)))/2 gamma_SVM = \(String(format: "%.8g", mirror.bound)) "
          + (holds ? "holds at every checked time" : "VIOLATED (the run is not a faithful flow of this net)"))
    }
    if let known = c.knownOptimum {
      lines.append("known optimum: gamma* = \(String(format: "%.8g", known.gammaProduct)) (\(known.source))")
    }
    if !check.predictions.isEmpty {
      lines.append("predictions (docs/theory.md; * = decisive):")
      for test in check.predictions {
        lines.append(
          "  \(test.id)\(test.decisive ? "*" : " ") \(test.status.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0)) \(test.name): \(test.detail)"
        )
      }
    }
    return lines.joined(separator: "\n")
  }

  /// `count` indices spread over `range`, always including its first and last.
  private static func sample(_ range: Range<Int>, count: Int) -> [Int] {
    let n = range.count
    var picked = Set<Int>()
    for i in 0..<count {
      picked.insert(range.lowerBound + Int((Double(i) * Double(n - 1) / Double(count - 1)).rounded()))
    }
    return picked.sorted()
  }
}
