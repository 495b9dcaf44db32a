import Testing
@testable import Execnet

#if canImport(Glibc)
import Glibc
#endif

/// A remote sees stdin, stdout and stderr of this host and nothing else,
/// even descriptors this process holds without close-on-exec.
@Suite struct ChildDescriptorTests {
    @Test func aRemoteInheritsNoStrayDescriptor() async throws {
        let stray = open("/dev/null", O_RDONLY)  // inheritable: no O_CLOEXEC
        try #require(stray >= 0)
        defer { close(stray) }
        try await HangSupport.within(.seconds(60), "stray descriptor check") {
            try await withGroup(options: try await HangSupport.options()) { group in
                let gateway = try await group.makeGateway("popen//python=\(HangSupport.python3)")
                let channel = try await gateway.remoteExec("""
                    import os
                    fd = channel.receive()
                    try:
                        os.fstat(fd)
                        channel.send(True)
                    except OSError:
                        channel.send(False)
                    """)
                try await channel.send(.int(PyInt(stray)))
                #expect(try await channel.receive(timeout: .seconds(20)) == false, "descriptor \(stray) reached the remote")
            }
        }
    }
}
