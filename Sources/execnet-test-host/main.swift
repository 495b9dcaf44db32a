// A small host process for the tests that must watch a host from outside:
// one that is killed with SIGKILL while it has gateways open, and one that
// opens gateways under an environment of its own (an empty cache, an
// unreachable package index). Not a user tool.
//
//   execnet-test-host open SPEC...   opens each spec with the default
//                                    bootstrap; prints "ok ID MODE IMPORTABLE"
//                                    (what `import execnet` gives remotely) or
//                                    "error ID DESCRIPTION" per spec
//   execnet-test-host hold SPEC...   opens each spec and leaves remote code
//                                    sleeping in it, then starts one more
//                                    gateway for the last spec without
//                                    waiting for it, prints "ready" and
//                                    sleeps until killed
import Execnet
#if canImport(Glibc)
import Glibc
#endif

func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first, command == "open" || command == "hold", arguments.count >= 2 else {
    say("usage: execnet-test-host open|hold SPEC...")
    exit(2)
}
let specs = Array(arguments.dropFirst())
let group = Group()
switch command {
case "open":
    for spec in specs {
        do {
            let gateway = try await group.makeGateway(spec)
            let mode = gateway.usesImportMode ? "import" : "exec:\(gateway.gatewayBase?.version ?? "?")"
            let channel = try await gateway.remoteExec("""
                try:
                    import execnet
                    channel.send(execnet.__version__)
                except ImportError:
                    channel.send(None)
                """)
            say("ok \(gateway.id) \(mode) \(try await channel.receive(timeout: .seconds(30)))")
        } catch {
            say("error \("\(error)".split(separator: "\n").joined(separator: " | "))")
        }
    }
    await group.terminate(timeout: .seconds(5))
default:
    for spec in specs.dropLast() {
        let gateway = try await group.makeGateway(spec)
        let channel = try await gateway.remoteExec("import os; channel.send(os.getpid())")
        say("remote \(try await channel.receive(timeout: .seconds(30)))")
        // Remote code still running when the host dies: stock's remote
        // gives it up to 15 s before it exits.
        _ = try await gateway.remoteExec("import time; time.sleep(1000)")
    }
    let last = specs.last!
    Task { _ = try? await group.makeGateway(last) }
    try await Task.sleep(for: .milliseconds(300))
    say("ready")
    while true { try await Task.sleep(for: .seconds(60)) }
}
