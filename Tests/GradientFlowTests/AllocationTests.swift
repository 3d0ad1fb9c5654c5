import CAllocCounter
import ODE
import Testing

@testable import GradientFlow

/// The right-hand side (forward, loss weights, backprop, scaling) allocates nothing per call: counted
/// with a `malloc` interposer (Sources/CAllocCounter) over 10,000 calls, for both kernels, a
/// two-layer and a three-layer network, and a block size that splits the samples.
@Suite struct AllocationTests {
  @Test func theCounterSeesAnAllocation() throws {
    try #require(alloc_counter_available() == 1, "allocation counting needs glibc")
    alloc_counter_start()
    let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 1000)
    let count = alloc_counter_stop()
    buffer.deallocate()
    #expect(count >= 1)
  }

  /// An owner's small buffers share one chunk: 40 buffers cost the arena, its chunk list and one chunk.
  @Test func anArenaCarvesSmallBuffersFromOneAllocation() throws {
    try #require(alloc_counter_available() == 1, "allocation counting needs glibc")
    // One arena used before counting: the runtime instantiates the types' metadata on first use, and when
    // another test's thread does so at the same moment it may allocate for the wait (seen once in four
    // parallel runs: 5 counted). The count below is the steady-state cost of an arena.
    _ = ScratchArena().buffer(Double.self, count: 10)[0]
    alloc_counter_start()
    let arena = ScratchArena()
    var sum = 0.0
    for i in 0..<40 { sum += arena.buffer(Double.self, count: 10 + i)[0] }
    let count = alloc_counter_stop()
    #expect(sum == 0)
    // The arena object, the chunk list's storage (one append) and the chunk: 3; one per buffer would be 40+.
    #expect(count <= 3)
  }

  @Test(arguments: [NetworkEvaluator.Kernel.blas, .loops], [[16], [8, 8]])
  func rightHandSideAllocatesNothing(kernel: NetworkEvaluator.Kernel, widths: [Int]) throws {
    // Blocks of 16 rows (H recomputed in backprop) and one block of all 40 (H kept from the forward pass).
    #expect(try allocations(kernel: kernel, widths: widths, activation: .relu, blockRows: 16) == 0)
    #expect(try allocations(kernel: kernel, widths: widths, activation: .relu, blockRows: 40) == 0)
  }

  /// The smooth gate's norms, gates and shrink sums live in buffers of their own.
  @Test(arguments: [NetworkEvaluator.Kernel.blas, .loops], [[16], [8, 8]])
  func smoothGateAllocatesNothing(kernel: NetworkEvaluator.Kernel, widths: [Int]) throws {
    #expect(try allocations(kernel: kernel, widths: widths, activation: .smoothRelu, blockRows: 16) == 0)
    #expect(try allocations(kernel: kernel, widths: widths, activation: .smoothRelu, blockRows: 40) == 0)
  }

  private func allocations(kernel: NetworkEvaluator.Kernel, widths: [Int], activation: Activation, blockRows: Int)
    throws -> Int
  {
    try #require(alloc_counter_available() == 1, "allocation counting needs glibc")
    let dataset = try ToyDataset.blobs.generate(count: 40, seed: 3, dimension: 2, noise: nil)
    let architecture = try Architecture(
      inputDimension: dataset.dimension, hiddenWidths: widths, activation: activation, gateWidth: 0.1)
    let network = try NetworkEvaluator(
      architecture: architecture, inputs: dataset.inputs, labels: dataset.labels, kernel: kernel, blockRows: blockRows)
    let system = FlowSystem(dynamics: UnconstrainedFlow(network: network, loss: .exponential))
    let theta = InitialWeights.gaussian(architecture: architecture, scale: 1, seed: 3)
    let dydt = UnsafeMutablePointer<Double>.allocate(capacity: theta.count)
    defer { dydt.deallocate() }
    let count = theta.withUnsafeBufferPointer { y in
      system.evaluate(t: 0, y: y.baseAddress!, dydt: dydt)  // first call: lazy runtime setup
      alloc_counter_start()
      for _ in 0..<10_000 { system.evaluate(t: 0, y: y.baseAddress!, dydt: dydt) }
      return alloc_counter_stop()
    }
    return count
  }

  /// The Filippov flows too, at states with pairs on their kinks (the QP is solved at every call).
  @Test func filippovFlowsAllocateNothing() throws {
    try #require(alloc_counter_available() == 1, "allocation counting needs glibc")
    let twoLayer = try NetworkEvaluator(
      architecture: SlidingTests.architecture, inputs: SlidingTests.inputs, labels: SlidingTests.labels)
    let shallow = try FilippovFlow(network: twoLayer, inputs: SlidingTests.inputs, loss: .exponential)
    let (network, inputs, theta) = try #require(try DeepSlidingTests.forcedKinks(seed: 1))
    let deep = try DeepFilippovFlow(network: network, inputs: inputs, loss: .exponential)
    // The joint slope solve (`deep_sliding` `joint`) at a state where one sample slides on kinks in two layers
    // (seed 18 of ``DeepJointSlidingTests``: both slopes interior).
    let (jointInputs, jointLabels, jointTheta) = try #require(DeepJointSlidingTests.problem(seed: 18))
    let jointNetwork = try NetworkEvaluator(
      architecture: try Architecture(inputDimension: 3, hiddenWidths: [4, 3]), inputs: jointInputs,
      labels: jointLabels)
    let joint = try DeepFilippovFlow(
      network: jointNetwork, inputs: jointInputs, loss: .exponential, deepSliding: .joint)
    // The coupled solve (`deep_sliding` `coupled`) where it folds a layer-1 pair at slope 1 into its layer-2
    // partner and re-solves (seed 169 of ``DeepJointSlidingTests``, both pairs just above their kinks).
    let (foldInputs, foldLabels, foldTheta) = try #require(DeepJointSlidingTests.problem(seed: 169, sides: (1, 1)))
    let foldNetwork = try NetworkEvaluator(
      architecture: try Architecture(inputDimension: 3, hiddenWidths: [4, 3]), inputs: foldInputs,
      labels: foldLabels)
    let coupled = try DeepFilippovFlow(
      network: foldNetwork, inputs: foldInputs, loss: .exponential, deepSliding: .coupled)
    let cases: [(flow: any FlowDynamics, state: [Double])] = [
      (shallow, [0.5, -0.5, 0.8]), (deep, theta), (joint, jointTheta), (coupled, foldTheta),
    ]
    for (flow, state) in cases {
      let system = FlowSystem(dynamics: flow)
      let dydt = UnsafeMutablePointer<Double>.allocate(capacity: state.count)
      defer { dydt.deallocate() }
      let count = state.withUnsafeBufferPointer { y in
        system.evaluate(t: 0, y: y.baseAddress!, dydt: dydt)
        alloc_counter_start()
        for _ in 0..<10_000 { system.evaluate(t: 0, y: y.baseAddress!, dydt: dydt) }
        return alloc_counter_stop()
      }
      #expect(count == 0, "\(type(of: flow))")
    }
    #expect(deep.slidingPairCount + shallow.slidingPairCount > 0)
    #expect(joint.slidingPairCount == 2)
  }
}
