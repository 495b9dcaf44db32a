// swift-tools-version: 6.0
import PackageDescription

// Layers, lowest first; none imports a layer above it:
// ExecnetWire (values, codec, framing; no I/O) → ExecnetTransport (byte pipes
// to interpreters) → ExecnetGateway (bootstrap, channels, the message state
// machine) → Execnet (features: groups, multichannels) → ExecnetConformance
// (fixture, transcript and live checks shared by the tests and the CLI) →
// execnet-conform.
let package = Package(
    name: "execnet-swift",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Execnet", targets: ["Execnet"]),
        .library(name: "ExecnetWire", targets: ["ExecnetWire"]),
        .executable(name: "execnet-conform", targets: ["execnet-conform"]),
    ],
    targets: [
        .target(name: "ExecnetWire"),
        // epoll for the transports' I/O thread (Glibc's module lacks it).
        .target(name: "CExecnetSystem"),
        // zlib's CRC-32 with carry-less multiplication, for putFile and getFile.
        .target(name: "CExecnetChecksum"),
        .target(name: "ExecnetTransport", dependencies: ["CExecnetSystem"]),
        .target(name: "ExecnetGateway", dependencies: ["ExecnetWire", "ExecnetTransport"]),
        .target(name: "Execnet", dependencies: ["ExecnetGateway", "ExecnetWire", "ExecnetTransport", "CExecnetChecksum"]),
        .target(name: "ExecnetConformance", dependencies: ["ExecnetWire", "Execnet"]),
        .executableTarget(name: "execnet-conform", dependencies: ["ExecnetConformance"]),
        .executableTarget(name: "execnet-bench", dependencies: ["ExecnetWire", "Execnet"]),
        // A host for the tests that watch one from outside (killed, or run offline).
        .executableTarget(name: "execnet-test-host", dependencies: ["Execnet"]),
        .testTarget(name: "ExecnetWireTests", dependencies: ["ExecnetWire", "ExecnetConformance"]),
        .testTarget(name: "ExecnetTests", dependencies: ["Execnet", "ExecnetConformance", "execnet-test-host"]),
        .testTarget(name: "ExecnetConformanceTests", dependencies: ["ExecnetConformance", "ExecnetWire", "Execnet"]),
    ],
    swiftLanguageModes: [.v6]
)
