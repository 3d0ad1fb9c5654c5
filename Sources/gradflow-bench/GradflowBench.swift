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
      the kernel used. OpenBLAS uses --threads threads (default 1; OPENBLAS_NUM_THREADS is not read).
      """)

  @Option(help: "Dataset CSV (header; label column y); without it, --generator's data.") var data: String?
  @Option(
    name: .customLong("init"), help: "Initial weights JSON ({\"arch\", \"layers\"}); without it, Gaussian weights.")
  var initialWeights: String?
  @Option(help: "Without --data: a built-in dataset (as gradflow simulate's --generator).") var generator: String?
  @Option(help: "Without --data: samples drawn by the generator.") var n: Int?
  @Option(help: "Without --data: the generator's input dimension.") var dimension: Int?
  @Option(help: "Without --init: hidden widths, comma-separated (\"\" for a linear model).") var widths: String?
  @Option(help: "Seed of the generator and the Gaussian weights.") var seed: UInt64 = 0
  @Option(help: "Kernel: automatic, blas or loops.") var kernel: String = "automatic"
  @Option(help: "Rows per block (default: the evaluator's choice).") var blockRows: Int?
  @Option(help: "Evaluations per timed batch.") var calls: Int = 10_000
  @Option(help: "Timed batches (the median is reported).") var repeats: Int = 5
  @Option(help: "Hidden activation: relu, identity, leaky-relu or smooth-relu:EPS (as gradflow simulate's).")
  var activation: String = "relu"
  @Option(help: "OpenBLAS threads (as gradflow simulate's --threads).") var threads: Int = 1

  mutating func run() throws {
    if let problem = BLASThreads.problem(with: threads) { throw ValidationError(problem) }
    BLASCore.startProcessWithFastKernels()
    BLASThreads.startProcess(threads: threads)
    guard let kind = NetworkEvaluator.Kernel(rawValue: kernel) else {
      throw ValidationError("unknown kernel '\(kernel)'; choose automatic, blas or loops")
    }
    var config = RunConfig()
    config.data = data
    config.initialWeights = initialWeights
    if let generator {
      guard let dataset = ToyDataset(rawValue: generator) else {
        throw ValidationError(
          "unknown generator '\(generator)'; choose one of "
            + ToyDataset.allCases.map(\.rawValue).joined(separator: ", "))
      }
      config.generator = dataset
    }
    if let n { config.n = n }
    if let dimension { config.dimension = dimension }
    config.seed = seed
    if let widths {
      let parts = widths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
        throw ValidationError("--widths must be positive integers separated by commas (got '\(widths)')")
      }
      config.widths = parts.compactMap { $0 }
    }
    let parts = activation.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
    guard let chosen = Activation(rawValue: String(parts[0])), (parts.count == 2) == (chosen == .smoothRelu),
      parts.count == 1 || Double(parts[1]) != nil
    else {
      throw ValidationError("unknown activation '\(activation)'; choose relu, identity, leaky-relu or smooth-relu:EPS")
    }
    config.activation = chosen
    config.gateWidth = parts.count == 2 ? Double(parts[1]) : nil
    let setup = try RunSetup(config: config)
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
    var wallSeconds: [Double] = []
    theta.withUnsafeBufferPointer { y in
      for _ in 0..<min(calls, 100) { system.evaluate(t: 0, y: y.baseAddress!, dydt: dydt) }
      for _ in 0..<max(repeats, 1) {
        let start = threadCPUSeconds()
        let wallStart = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<calls { system.evaluate(t: 0, y: y.baseAddress!, dydt: dydt) }
        seconds.append(threadCPUSeconds() - start)
        wallSeconds.append(Double(DispatchTime.now().uptimeNanoseconds - wallStart) * 1e-9)
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
    // With --threads > 1 the calling thread's CPU time leaves out the workers': wall time is the measure.
    let wall = wallSeconds.sorted()[wallSeconds.count / 2] / Double(calls) * 1e6
    let result: [String: Any] = [
      "kernel": network.usesBLAS ? "blas" : "loops", "block_rows": network.blockRowsUsed,
      "samples": setup.dataset.count,
      "parameters": p, "threads": BLASThreads.current, "blas_core": BLASCore.current, "calls": calls,
      "repeats": seconds.count,
      "us_per_eval": microseconds, "us_per_eval_min": best, "us_per_eval_wall": wall,
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
