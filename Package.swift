// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "GradientFlow",
  products: [
    .executable(name: "gradflow", targets: ["gradflow"]),
    .executable(name: "gradflow-bench", targets: ["gradflow-bench"]),
    .library(name: "GradientFlow", targets: ["GradientFlow"]),
    .library(name: "ODE", targets: ["ODE"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
  ],
  targets: [
    // GSL (odeiv2, linear algebra) with its BLAS calls routed to OpenBLAS (see module.modulemap).
    .systemLibrary(
      name: "CGSL",
      pkgConfig: "gsl",
      providers: [.apt(["libgsl-dev", "libopenblas-dev", "pkg-config"])]
    ),
    // The ODE layer: knows GSL, knows nothing of neural networks.
    .target(name: "ODE", dependencies: ["CGSL"]),
    // The science layer: networks, losses, datasets, dynamics, observables.
    .target(name: "GradientFlow", dependencies: ["ODE", "CGSL"]),
    // The command-line tool.
    .executableTarget(
      name: "gradflow",
      dependencies: [
        "GradientFlow",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // Times the right-hand side in a tight loop (benchmarks/README.md).
    .executableTarget(
      name: "gradflow-bench",
      dependencies: [
        "GradientFlow", "ODE", "CGSL",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "ODETests",
      dependencies: ["ODE", "CGSL", .product(name: "Numerics", package: "swift-numerics")]
    ),
    // Counts malloc calls per thread by replacing malloc; linked only into the tests.
    .target(name: "CAllocCounter"),
    .testTarget(
      name: "GradientFlowTests",
      dependencies: [
        "GradientFlow", "ODE", "CAllocCounter", .product(name: "Numerics", package: "swift-numerics"),
      ]
    ),
    // BadInputs/ (the bad-input corpus) and ReplayCorpus/ (stored runs that must replay bit for bit) are read
    // from the source tree via #filePath.
    .testTarget(name: "CLITests", dependencies: ["gradflow"], exclude: ["BadInputs", "ReplayCorpus"]),
  ],
  swiftLanguageModes: [.v6]
)
