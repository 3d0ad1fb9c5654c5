import Testing

@testable import GradientFlow

@Suite struct ToyDatasetTests {
  @Test(arguments: ToyDataset.allCases)
  func sameSeedGivesBitwiseIdenticalData(toy: ToyDataset) throws {
    let a = try toy.generate(count: 40, seed: 11)
    let b = try toy.generate(count: 40, seed: 11)
    #expect(a.inputs.map(\.bitPattern) == b.inputs.map(\.bitPattern))
    #expect(a.labels == b.labels)
    #expect(a.featureNames == b.featureNames)
  }

  @Test(arguments: ToyDataset.allCases.filter { $0 != .r1 && $0 != .r2 })
  func differentSeedGivesDifferentData(toy: ToyDataset) throws {
    let a = try toy.generate(count: 40, seed: 11)
    let b = try toy.generate(count: 40, seed: 12)
    #expect(a.inputs != b.inputs)
  }

  @Test(arguments: ToyDataset.allCases)
  func countsDimensionsAndLabelsAreRight(toy: ToyDataset) throws {
    let dataset = try toy.generate(count: 37, seed: 1)
    let expectedCount =
      switch toy {
      case .r1: 2
      case .r2: 4
      default: 37
      }
    #expect(dataset.count == expectedCount)
    #expect(dataset.dimension == 2)
    #expect(dataset.featureNames == ["x1", "x2"])
    #expect(dataset.inputs.count == expectedCount * 2)
    #expect(dataset.labels.allSatisfy { $0 == 1 || $0 == -1 })
    #expect(dataset.inputs.allSatisfy { $0.isFinite })
    #expect(Set(dataset.labels) == [1, -1])
  }

  @Test(arguments: [1, 2, 3, 10])
  func blobsAreSeparableByTheGeneratingDirection(dimension: Int) throws {
    for seed: UInt64 in [0, 1, 2, 3] {
      let dataset = try ToyDataset.blobs.generate(count: 200, seed: seed, dimension: dimension)
      #expect(dataset.dimension == dimension)
      let u = ToyDataset.blobsDirection(seed: seed, dimension: dimension)
      var minimumMargin = Double.infinity
      var largestNorm = 0.0
      for n in 0..<dataset.count {
        let x = dataset.input(at: n)
        let margin = dataset.labels[n] * zip(u, x).reduce(0) { $0 + $1.0 * $1.1 }
        minimumMargin = min(minimumMargin, margin)
        largestNorm = max(largestNorm, x.reduce(0) { $0 + $1 * $1 }.squareRoot())
      }
      // Margin ≥ 0.5 before dividing by the largest norm, which becomes 1 (up to rounding).
      #expect(minimumMargin > 0)
      #expect(abs(largestNorm - 1) < 1e-12)
      #expect(dataset.labels == (0..<200).map { $0.isMultiple(of: 2) ? 1 : -1 })
    }
  }

  @Test func blobsAreFoundSeparableByAPerceptronThroughTheOrigin() throws {
    // Independent of blobsDirection: the perceptron converges iff the data are linearly separable
    // through the origin, within (R/γ)² updates (Novikoff); R = 1 after scaling.
    let dataset = try ToyDataset.blobs.generate(count: 300, seed: 42, dimension: 3, noise: 1.5)
    var w = [Double](repeating: 0, count: 3)
    var converged = false
    for _ in 0..<10_000 {
      var mistakes = 0
      for n in 0..<dataset.count {
        let x = dataset.input(at: n)
        let y = dataset.labels[n]
        if y * zip(w, x).reduce(0, { $0 + $1.0 * $1.1 }) <= 0 {
          for i in 0..<3 { w[i] += y * x[x.startIndex + i] }
          mistakes += 1
        }
      }
      if mistakes == 0 {
        converged = true
        break
      }
    }
    #expect(converged)
  }

  @Test func r1IsExactlyTheoryR1() throws {
    let dataset = try ToyDataset.r1.generate(count: 999, seed: 5)
    #expect(dataset.inputs == [1, 0, 0, -2])
    #expect(dataset.labels == [1, -1])
  }

  @Test func r2IsExactlyTheoryR2() throws {
    let dataset = try ToyDataset.r2.generate(count: 1, seed: 77)
    #expect(dataset.inputs == [0.5, 1.5, 1.5, 0.5, -0.5, -1.5, -1.5, -0.5])
    #expect(dataset.labels == [1, 1, -1, -1])
  }

  @Test func xorStartsWithTheExactCornersAndJittersTheRest() throws {
    let dataset = try ToyDataset.xor.generate(count: 40, seed: 9)
    #expect(Array(dataset.inputs.prefix(8)) == [1, 1, -1, -1, 1, -1, -1, 1])
    #expect(Array(dataset.labels.prefix(4)) == [1, 1, -1, -1])
    let corners: [[Double]] = [[1, 1], [-1, -1], [1, -1], [-1, 1]]
    for n in 4..<dataset.count {
      let corner = corners[n % 4]
      let x = Array(dataset.input(at: n))
      #expect(x != corner)
      // Jitter std 0.1; 1.0 is 10 standard deviations.
      #expect(abs(x[0] - corner[0]) < 1 && abs(x[1] - corner[1]) < 1)
      #expect(dataset.labels[n] == dataset.labels[n % 4])
    }
    let exact = try ToyDataset.xor.generate(count: 4, seed: 123)
    #expect(exact.inputs == [1, 1, -1, -1, 1, -1, -1, 1])
  }

  @Test func circlesWithoutNoiseLieOnRadiusOneAndTwo() throws {
    let dataset = try ToyDataset.circles.generate(count: 50, seed: 4, noise: 0)
    for n in 0..<dataset.count {
      let x = dataset.input(at: n)
      let radius = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
      // cos/sin and the square root each round once: a few ulps.
      #expect(abs(radius - (dataset.labels[n] > 0 ? 1 : 2)) < 1e-14)
    }
  }

  @Test func moonsAreCentred() throws {
    let dataset = try ToyDataset.moons.generate(count: 101, seed: 8)
    var mean = (0.0, 0.0)
    for n in 0..<dataset.count {
      mean.0 += dataset.inputs[2 * n]
      mean.1 += dataset.inputs[2 * n + 1]
    }
    // Summing 101 values of size ≈ 1 after subtracting the mean leaves rounding error ≈ 1e-14.
    #expect(abs(mean.0 / 101) < 1e-13 && abs(mean.1 / 101) < 1e-13)
  }

  @Test func randomLabelsHasTheRequestedDimension() throws {
    let dataset = try ToyDataset.randomLabels.generate(count: 100, seed: 2, dimension: 7)
    #expect(dataset.dimension == 7)
    #expect(dataset.inputs.count == 700)
    #expect(Set(dataset.labels) == [1, -1])
  }

  @Test func invalidParametersAreRejected() {
    #expect(throws: DatasetError.invalidToyParameter(dataset: "blobs", message: "count must be at least 1, got 0")) {
      try ToyDataset.blobs.generate(count: 0, seed: 0)
    }
    #expect(throws: DatasetError.self) { try ToyDataset.xor.generate(count: 3, seed: 0) }
    #expect(throws: DatasetError.self) { try ToyDataset.blobs.generate(count: 10, seed: 0, dimension: 0) }
    #expect(throws: DatasetError.self) { try ToyDataset.xor.generate(count: 10, seed: 0, dimension: 3) }
    #expect(throws: DatasetError.self) { try ToyDataset.circles.generate(count: 10, seed: 0, dimension: 1) }
    #expect(throws: DatasetError.self) { try ToyDataset.moons.generate(count: 10, seed: 0, noise: -0.1) }
    #expect(throws: DatasetError.self) { try ToyDataset.r1.generate(count: 10, seed: 0, dimension: 3) }
    #expect(throws: DatasetError.self) { try ToyDataset.blobs.generate(count: 10, seed: 0, noise: .nan) }
  }

  @Test func rawValuesAreTheCommandLineSpellings() {
    #expect(
      ToyDataset.allCases.map(\.rawValue)
        == ["blobs", "xor", "circles", "moons", "random-labels", "r1", "r2"])
    #expect(ToyDataset(rawValue: "random-labels") == .randomLabels)
  }
}
