// swift-tools-version: 6.0
import PackageDescription

// Layers, lowest first; none imports a layer above it:
// ExecnetWire (values, codec, framing; no I/O) → ExecnetConformance (fixture
// and stock-execnet checks shared by the tests and the CLI) → execnet-conform.
let package = Package(
    name: "execnet-swift",
    products: [
        .library(name: "ExecnetWire", targets: ["ExecnetWire"]),
        .executable(name: "execnet-conform", targets: ["execnet-conform"]),
    ],
    targets: [
        .target(name: "ExecnetWire"),
        .target(name: "ExecnetConformance", dependencies: ["ExecnetWire"]),
        .executableTarget(name: "execnet-conform", dependencies: ["ExecnetConformance"]),
        .executableTarget(name: "execnet-bench", dependencies: ["ExecnetWire"]),
        .testTarget(name: "ExecnetWireTests", dependencies: ["ExecnetWire", "ExecnetConformance"]),
        .testTarget(name: "ExecnetConformanceTests", dependencies: ["ExecnetConformance", "ExecnetWire"]),
    ],
    swiftLanguageModes: [.v6]
)
