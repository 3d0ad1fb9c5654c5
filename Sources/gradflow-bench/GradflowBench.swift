import ArgumentParser
import CGSL
import Foundation
import GradientFlow
import ODE

/// `gradflow-bench`: the cost of one right-hand-side evaluation (forward + loss weights + backprop +
/// scaling, i.e. what GSL calls) on a benchmark problem, in a tight loop. Used by
/// benchmarks/bench.py; see benchmarks/README.md.
@main
struct GradflowBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gradflow-bench",
    abstract: "Time the gradient-flow right-hand side on a dataset and initial weights.",
    discussion: """
      Prints one JSON object: microseconds of thread CPU time per evaluation (median and minimum \
      over --repeats timed batches of --calls evaluations; CPU time, so that other processes on \
      a shared machine inflate it less than wall time), GFLOP/s (from the median) with 4·N·P_1 + 6·N·(P_2 + … + P_K) FLOPs per evaluation, and \
      the kernel used. OpenBLAS runs single-threaded unless OPENBLAS_NUM_THREADS is set.
      """)

  @Option(help: "Dataset CSV (header; label column y).") var data: String
  @Option(name: .customLong("init"), help: "Initial weights JSON ({\"arch\", \"layers\"}).") var initialWeights: String
  @Option(help: "Kernel: automatic, blas or loops.") var kernel: String = "automatic"
  @Option(help: "Rows per block (default: the evaluator's choice).") var blockRows: Int?
  @Option(help: "Evaluations per timed batch.") var calls: Int = 10_000
  @Option(help: "Timed batches (the median is reported).") var repeats: Int = 5
  @Option(help: "Hidden activation: relu, identity, leaky-relu or smooth-relu:EPS (as gradflow simulate's).")
  var activation: String = "relu"

  mutating func run() throws {
    if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil { openblas_set_num_threads(1) }
    guard let kind = NetworkEvaluator.Kernel(rawValue: kernel) else {
      throw ValidationError("unknown kernel '\(kernel)'; choose automatic, blas or loops")
    }
    var config = SimulationConfig()
    config.data = data
    config.initialWeights = initialWeights
    let parts = activation.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
    guard let chosen = Activation(rawValue: String(parts[0])), (parts.count == 2) == (chosen == .smoothRelu),
      parts.count == 1 || Double(parts[1]) != nil
    else {
      throw ValidationError("unknown activation '\(activation)'; choose relu, identity, leaky-relu or smooth-relu:EPS")
    }
    config.activation = chosen
    config.gateWidth = parts.count == 2 ? Double(parts[1]) : nil
    let setup = try SimulationSetup(config: config)
    let network = try NetworkEvaluator(
      architecture: setup.architecture, inputs: setup.dataset.inputs, labels: setup.dataset.labels, kernel: kind,
      blockRows: blockRows)
    let system = FlowSystem(dynamics: UnconstrainedFlow(network: network, loss: .exponential))
    let p = setup.architecture.parameterCount
    let theta = setup.initialWeights
    let arena = ScratchArena()
    defer { withExtendedLifetime(arena) {} }  // dydt lives as long as this call
    let dydt = arena.buffer(Double.self, count: p)
    var checksum = 0.0
    var seconds: [Double] = []
    theta.withUnsafeBufferPointer { y in
      for _ in 0..<min(calls, 100) { system.evaluate(t: 0, y: y.baseAddress!, dydt: dydt) }
      for _ in 0..<max(repeats, 1) {
        let start = threadCPUSeconds()
        for _ in 0..<calls { system.evaluate(t: 0, y: y.baseAddress!, dydt: dydt) }
        seconds.append(threadCPUSeconds() - start)
        checksum += dydt[0]
      }
    }
    let sizes = setup.architecture.layerSizes
    let n = Double(setup.dataset.count)
    var flops = 4 * n * Double(sizes[0] * sizes[1])
    for k in 2..<sizes.count { flops += 6 * n * Double(sizes[k - 1] * sizes[k]) }
    let sorted = seconds.sorted()
    let microseconds = sorted[sorted.count / 2] / Double(calls) * 1e6
    let best = sorted[0] / Double(calls) * 1e6
    let result: [String: Any] = [
      "kernel": network.usesBLAS ? "blas" : "loops", "block_rows": network.blockRowsUsed,
      "samples": setup.dataset.count,
      "parameters": p, "calls": calls, "repeats": seconds.count, "us_per_eval": microseconds, "us_per_eval_min": best,
      "flops_per_eval": flops, "gflops": flops / microseconds * 1e-3, "checksum": checksum,
    ]
    let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
  }
}

/// CPU time of the calling thread.
private func threadCPUSeconds() -> Double {
  var spec = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
  return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}
