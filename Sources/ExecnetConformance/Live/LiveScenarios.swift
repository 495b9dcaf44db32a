import Execnet

#if canImport(Glibc)
import Glibc
#endif

/// The live scenario suite: every host behaviour, error paths included.
public enum LiveScenarios {
    public static let all: [LiveScenario] = bootstrap + channels + configuration + errors + lifecycle + transports

    static let bootstrap: [LiveScenario] = [
        LiveScenario("bootstrap", "exec-mode bootstrap and the remote's own report of its Python") { target in
            try await withGateway(target) { gateway in
                let info = try await gateway.remoteInfo()
                try expect(info.pythonVersion?.major == target.pythonMajor, "remote reports Python \(info.versionInfo)")
                try expect(info.pid > 0 && !info.platform.isEmpty && !info.cwd.isEmpty, "incomplete rinfo \(info)")
                return .pass("\(info.executable) \(info.pythonVersion.map { "\($0)" } ?? "?")")
            }
        },
        LiveScenario("version-matching", "the probe picks the newest gateway_base the remote runs") { target in
            if target.isProxied { return .skip("no probe through stock's proxy: gateway_base is chosen for the via gateway's Python") }
            let options = GatewayOptions(bootstrap: .matching(target.availableBases), forwardsStandardError: false)
            return try await withGateway(target, options: options) { gateway in
                guard let python = gateway.remotePython else { throw Mismatch("no probe reply recorded") }
                let expected = target.availableBases.filter { $0.minimumPython <= python }.compactMap(\.version).max {
                    $0.split(separator: ".").map { Int($0)! }.lexicographicallyPrecedes($1.split(separator: ".").map { Int($0)! })
                }
                try expect(gateway.gatewayBase?.version == expected,
                    "picked \(gateway.gatewayBase?.version ?? "nil"), expected \(expected ?? "nil") for \(python)")
                let channel = try await gateway.remoteExec("channel.send(6 * 7)")
                try expect(try await channel.receive() == 42, "no answer after matching bootstrap")
                return .pass("Python \(python) -> gateway_base \(expected ?? "?")")
            }
        },
        LiveScenario("import-mode", "stock's import-mode bootstrap with the release's directory on sys.path") { target in
            guard target.transport.hasPrefix("popen") else { return .skip("import mode is popen's: stock bootstraps \(target.transport) in exec mode") }
            guard let base = target.gatewayBase, base.path.hasSuffix("/execnet/gateway_base.py") else {
                return .skip("no importable stock execnet for this target")
            }
            let directory = String(base.path.dropLast("/execnet/gateway_base.py".count))
            let options = GatewayOptions(bootstrap: .importing(directory: directory), forwardsStandardError: false)
            return try await withGateway(target, options: options) { gateway in
                let channel = try await gateway.remoteExec("import execnet; channel.send(execnet.__file__)")
                let file = try await channel.receive().stringValue ?? ""
                try expect(file.hasPrefix(directory), "remote imported execnet from \(file)")
                return .pass("imported from the cache")
            }
        },
        LiveScenario("chdir-nice-env", "chdir (created when missing), nice and env: applied after bootstrap") { target in
            let directory = "/tmp/execnet-live-\(getpid())-\(UInt32.random(in: 0...UInt32.max))/sub"
            defer { _ = try? Command.run(["rm", "-rf", String(directory.dropLast(4))]) }
            let spec = target.spec + "//chdir=\(directory)//nice=1//env:EXECNET_LIVE=yes"
            return try await withGateway(target, spec: spec) { gateway in
                let channel = try await gateway.remoteExec("""
                    import os
                    channel.send((os.getcwd(), os.environ.get("EXECNET_LIVE"), os.nice(0) if hasattr(os, "nice") else 1))
                    """)
                let reply = try await channel.receive()
                guard case .tuple(let fields) = reply, fields.count == 3 else { throw Mismatch("reply \(reply)") }
                try expect(fields[0].stringValue?.hasSuffix("/sub") == true, "cwd \(fields[0])")
                try expect(fields[1].stringValue == "yes", "env \(fields[1])")
                // Linux applies nice() to the calling thread only, and stock runs each
                // exec on a pool thread, so the niceness seen here may be any thread's.
                try expect(fields[2].intValue != nil, "niceness \(fields[2])")
                return .pass("cwd and env applied, nice accepted")
            }
        },
    ]

    static let channels: [LiveScenario] = [
        LiveScenario("echo-corpus", "values of every kind travel both ways unchanged") { target in
            try await withGateway(target) { gateway in
                let channel = try await gateway.remoteExec(echoSource)
                if target.pythonMajor == 2 { try await channel.reconfigure(py2strAsPy3str: false) }
                for value in liveCorpus {
                    try await channel.send(value)
                    let back = try await channel.receive(timeout: .seconds(20))
                    try expect(equivalent(value, back), "sent \(String(describing: value).prefix(80)), got \(String(describing: back).prefix(80))")
                }
                try channel.close()
                return .pass("\(liveCorpus.count) values")
            }
        },
        LiveScenario("iterate", "for-await over a channel ends when the remote code returns") { target in
            try await withGateway(target) { gateway in
                let channel = try await gateway.remoteExec("""
                    for i in range(10):
                        channel.send(i)
                    """)
                var received: [PyValue] = []
                for try await item in channel { received.append(item) }
                try expect(received == (0..<10).map { PyValue.int(PyInt($0)) }, "got \(received)")
                try expect(channel.isClosed, "channel not closed after the end")
                return .pass("10 items then the end")
            }
        },
        LiveScenario("dedent-and-call", "indented source is dedented; a named function gets channel and kwargs") { target in
            try await withGateway(target) { gateway in
                let indented = try await gateway.remoteExec("""
                        if True:
                            channel.send(__name__)
                    """)
                try expect(try await indented.receive() == "__channelexec__", "__name__ differs")
                let called = try await gateway.remoteExec(
                    "def twice(channel, x, y=1):\n    channel.send(x * 2 + y)\n", calling: "twice",
                    kwargs: [("x", 20), ("y", 2)])
                try expect(try await called.receive() == 42, "twice(channel, x=20, y=2) did not send 42")
                try await called.waitClose(timeout: .seconds(10))
                return .pass("dedent and call_name with kwargs")
            }
        },
        LiveScenario("channel-from-remote", "a channel the remote creates arrives usable") { target in
            try await withGateway(target) { gateway in
                let channel = try await gateway.remoteExec("""
                    other = channel.gateway.newchannel()
                    channel.send(other)
                    other.send("via other")
                    channel.send(other.id)
                    other.waitclose()
                    """)
                let reference = try await channel.receive()
                let other = try gateway.channel(reference)
                try expect(other.id % 2 == 0, "remote channel id \(other.id) is odd")
                try expect(try await other.receive() == "via other", "nothing on the remote's channel")
                try expect(try await channel.receive() == .int(PyInt(Int(other.id))), "ids disagree")
                try other.close()
                try await channel.waitClose(timeout: .seconds(10))
                return .pass("remote channel id \(other.id)")
            }
        },
        LiveScenario("channel-to-remote", "a channel the host creates and sends works remotely") { target in
            try await withGateway(target) { gateway in
                let channel = try await gateway.remoteExec("""
                    reply = channel.receive()
                    reply.send(reply.id)
                    reply.send(channel.receive() + 1)
                    """)
                let reply = try gateway.newChannel()
                try expect(reply.id % 2 == 1, "host channel id \(reply.id) is even")
                try await channel.send(reply.value)
                try expect(try await reply.receive() == .int(PyInt(Int(reply.id))), "remote saw another id")
                try await channel.send(41)
                try expect(try await reply.receive() == 42, "no reply on the host's channel")
                try await channel.waitClose(timeout: .seconds(10))
                return .pass("host channel id \(reply.id)")
            }
        },
        LiveScenario("callback-endmarker", "callbacks get queued and later items, then the endmarker") { target in
            try await withGateway(target) { gateway in
                let channel = try await gateway.remoteExec("""
                    for i in range(5):
                        channel.send(i)
                    channel.receive()
                    for i in range(5, 10):
                        channel.send(i)
                    """)
                let first = try await channel.receive()
                try expect(first == 0, "first item \(first)")
                let (stream, continuation) = AsyncStream<PyValue>.makeStream()
                try channel.setCallback(endmarker: "END") { item in
                    continuation.yield(item)
                    if item == "END" { continuation.finish() }
                }
                try await channel.send("go")
                var seen: [PyValue] = []
                for await item in stream { seen.append(item) }
                let expected = (1..<10).map { PyValue.int(PyInt($0)) } + ["END"]
                try expect(seen == expected, "callback saw \(seen)")
                do {
                    _ = try await channel.receive()
                    throw Mismatch("receive worked with a callback set")
                } catch let error as ChannelError where error.kind == .callbackRegistered || error.kind == .endOfChannel {}
                return .pass("9 items and the endmarker")
            }
        },
        LiveScenario("multichannel", "a group's remote_exec: receive_each, receive queue, waitclose") { target in
            if target.isSocket { return .skip("stock's socket server serves one connection at a time") }
            let group = try await target.makeGroup()
            do {
                try await group.makeGateway()
                try await group.makeGateway()
                let own = target.ownGateways(of: group)
                try expect(own.count == 2 && own[0].id == "gw0" && own[1].id == "gw1", "ids \(group.gateways.map(\.id))")
                let source = "channel.send(channel.gateway.id); channel.send(channel.receive())"
                // With hops in the group, its remote_exec would reach them too.
                let multi: MultiChannel
                if target.prelude.isEmpty {
                    multi = try await group.remoteExec(source)
                } else {
                    multi = MultiChannel([try await own[0].remoteExec(source), try await own[1].remoteExec(source)])
                }
                let ids = try await multi.receiveEach(timeout: .seconds(10))
                try expect(Set(ids.compactMap(\.stringValue)) == ["gw0-worker", "gw1-worker"], "ids \(ids)")
                let queue = try multi.makeReceiveQueue(endmarker: PyValue.none)
                try await multi.sendEach("ping")
                var pings = 0
                var ends = 0
                for await (_, item) in queue {
                    if equivalent(item, "ping") { pings += 1 } else if item == .none { ends += 1 }
                }
                try expect(pings == 2 && ends == 2, "queue gave \(pings) pings, \(ends) ends")
                try await multi.waitClose(timeout: .seconds(10))
                await group.terminate(timeout: .seconds(10))
                return .pass("2 gateways")
            } catch {
                await group.terminate(timeout: .seconds(2))
                throw error
            }
        },
        LiveScenario("makefile", "writer and reader files over channels") { target in
            try await withGateway(target) { gateway in
                let channel = try await gateway.remoteExec("""
                    got = []
                    for item in channel:
                        got.append(item)
                    out = channel.gateway.newchannel()
                    """)
                let writer = channel.makeWriter(proxyClose: true)
                try await writer.write("hello ")
                try await writer.write("world\n")
                try writer.close()
                try await channel.waitClose(timeout: .seconds(10))
                let lines = try await gateway.remoteExec("""
                    f = channel.makefile("w")
                    f.write("first line\\nsec")
                    f.write("ond line\\nrest")
                    """)
                let reader = lines.makeReader()
                let first = try await reader.readLine()
                let second = try await reader.readLine()
                let rest = try await reader.read(100)
                try expect(first == "first line\n" && second == "second line\n" && rest == "rest",
                    "read \(first.debugDescription), \(second.debugDescription), \(rest.debugDescription)")
                return .pass("lines read back")
            }
        },
    ]

    static let configuration: [LiveScenario] = [
        LiveScenario("status", "remote_status counts executing code and names the execmodel") { target in
            try await withGateway(target) { gateway in
                let idle = try await gateway.remoteStatus(timeout: .seconds(10))
                let model = target.isSocket ? "thread" : ((try? XSpec(target.spec).execmodel) ?? nil) ?? "thread"
                try expect(idle.numberOfExecuting == 0 && idle.execmodel == model, "idle status \(idle), expected \(model)")
                let busy = try await gateway.remoteExec("channel.send('started'); channel.receive()")
                try expect(try await busy.receive() == "started", "exec did not start")
                let status = try await gateway.remoteStatus(timeout: .seconds(10))
                try expect(status.numberOfExecuting >= 1, "busy status \(status)")
                try expect(status.numberOfChannels >= 1, "busy status \(status)")
                try await busy.send(.none)
                try await busy.waitClose(timeout: .seconds(10))
                return .pass("executing \(status.numberOfExecuting), channels \(status.numberOfChannels)")
            }
        },
        LiveScenario("reconfigure", "gateway-wide and per-channel string coercion reach the remote") { target in
            try await withGateway(target) { gateway in
                let source = "channel.send(type(channel.receive()).__name__)"
                func typeName(_ channel: Channel) async throws -> String {
                    try await channel.send("text")
                    // With py3str_as_py2str this side loads the reply as Python 2 str bytes.
                    switch try await channel.receive() {
                    case .py2str(let bytes): return String(decoding: bytes, as: UTF8.self)
                    case let reply: return reply.stringValue ?? "\(reply)"
                    }
                }
                let plain = try await typeName(try await gateway.remoteExec(source))
                let coercedName: String
                switch (target.baseMajor, target.pythonMajor) {
                case (2, _): coercedName = "bytes"
                case (_, 2): coercedName = "str"
                default: coercedName = "str"
                }
                let plainName = target.pythonMajor == 2 ? "unicode" : "str"
                try expect(plain == plainName, "default coercion gave \(plain)")
                let channel = try await gateway.remoteExec(source)
                try await channel.reconfigure(py2strAsPy3str: true, py3strAsPy2str: true)
                let perChannel = try await typeName(channel)
                try expect(perChannel == coercedName, "per-channel coercion gave \(perChannel)")
                try await gateway.reconfigure(py2strAsPy3str: true, py3strAsPy2str: true)
                let wide = try await typeName(try await gateway.remoteExec(source))
                try expect(wide == coercedName, "gateway-wide coercion gave \(wide)")
                return .pass("\(plain) -> \(coercedName)")
            }
        },
        LiveScenario("host-coercion", "py2 str from the remote loads as text or bytes as configured") { target in
            guard target.pythonMajor == 2 else { return .skip("only Python 2 sends py2 str") }
            return try await withGateway(target) { gateway in
                let text = try await gateway.remoteExec("channel.send('abc')")
                try expect(try await text.receive() == "abc", "py2 str did not load as str")
                try await gateway.reconfigure(py2strAsPy3str: false)
                let raw = try await gateway.remoteExec("channel.send('abc')")
                let value = try await raw.receive()
                try expect(value == .py2str(Array("abc".utf8)), "got \(value)")
                return .pass("str by default, py2str after reconfigure")
            }
        },
    ]

    static let errors: [LiveScenario] = [
        LiveScenario("remote-error", "an exception remotely arrives as RemoteError with its traceback") { target in
            try await withGateway(target) { gateway in
                let channel = try await gateway.remoteExec("raise ValueError('broken ' + 'here')", fileName: "remote_case.py")
                do {
                    _ = try await channel.receive(timeout: .seconds(10))
                    throw Mismatch("receive succeeded")
                } catch let error as RemoteError {
                    try expect(error.formatted.contains("ValueError: broken here"), "text \(error.formatted)")
                    try expect(error.formatted.contains("remote_case.py"), "no file name in \(error.formatted)")
                }
                try await channel.waitClose(timeout: .seconds(10))
                return .pass("traceback names the file")
            }
        },
        LiveScenario("waitclose-error", "waitclose raises the remote error") { target in
            try await withGateway(target) { gateway in
                let channel = try await gateway.remoteExec("1 / 0")
                do {
                    try await channel.waitClose(timeout: .seconds(10))
                    throw Mismatch("waitclose succeeded")
                } catch let error as RemoteError {
                    try expect(error.formatted.contains("ZeroDivisionError"), "text \(error.formatted)")
                }
                return .pass("ZeroDivisionError")
            }
        },
        LiveScenario("close-with-error", "closing with an error text raises it remotely") { target in
            try await withGateway(target) { gateway in
                let channel = try await gateway.remoteExec("""
                    back = channel.receive()
                    try:
                        channel.receive()
                    except channel.RemoteError:
                        back.send(str(__import__("sys").exc_info()[1]))
                    """)
                let back = try gateway.newChannel()
                try await channel.send(back.value)
                try channel.close(error: "host says stop")
                let text = try await back.receive(timeout: .seconds(10))
                try expect(text.stringValue?.contains("host says stop") == true, "remote saw \(text)")
                do {
                    try await channel.send(1)
                    throw Mismatch("send after close worked")
                } catch let error as ChannelError where error.kind == .closed {}
                return .pass("remote got the text")
            }
        },
        LiveScenario("timeouts", "receive and waitclose time out; the channel stays usable") { target in
            try await withGateway(target) { gateway in
                let channel = try await gateway.remoteExec("channel.send(channel.receive())")
                do {
                    _ = try await channel.receive(timeout: .milliseconds(100))
                    throw Mismatch("receive did not time out")
                } catch let error as ChannelError where error.kind == .timeout {}
                do {
                    try await channel.waitClose(timeout: .milliseconds(100))
                    throw Mismatch("waitclose did not time out")
                } catch let error as ChannelError where error.kind == .timeout {}
                try await channel.send("late")
                let late = try await channel.receive(timeout: .seconds(10))
                try expect(equivalent(late, "late"), "channel unusable after timeouts: \(late)")
                return .pass("both timed out")
            }
        },
        LiveScenario("receive-after-close", "after the remote closes: queued items, then end of channel") { target in
            try await withGateway(target) { gateway in
                let channel = try await gateway.remoteExec("channel.send(1); channel.send(2)")
                try await channel.waitClose(timeout: .seconds(10))
                let first = try await channel.receive()
                let second = try await channel.receive()
                try expect(first == 1 && second == 2, "queued items lost: \(first), \(second)")
                for _ in 0..<2 {
                    do {
                        _ = try await channel.receive()
                        throw Mismatch("receive past the end worked")
                    } catch let error as ChannelError where error.kind == .endOfChannel {}
                }
                return .pass("2 items then EOF")
            }
        },
        LiveScenario("callback-error", "a failing callback closes the channel with its error text") { target in
            try await withGateway(target) { gateway in
                struct Refused: Error, CustomStringConvertible { var description: String { "callback refused the item" } }
                let channel = try await gateway.remoteExec("""
                    back = channel.receive()
                    channel.send("trigger")
                    try:
                        channel.receive()
                    except channel.RemoteError:
                        back.send(str(__import__("sys").exc_info()[1]))
                    """)
                let back = try gateway.newChannel()
                try await channel.send(back.value)
                try channel.setCallback { _ in throw Refused() }
                let text = try await back.receive(timeout: .seconds(10))
                try expect(text.stringValue?.contains("callback refused the item") == true, "remote saw \(text)")
                return .pass("remote got the callback's error")
            }
        },
        LiveScenario("last-message", "a remote channel dropped with a callback set: sendonly here") { target in
            try await withGateway(target) { gateway in
                let channel = try await gateway.remoteExec("""
                    import gc
                    other = channel.gateway.newchannel()
                    got = []
                    other.setcallback(got.append)
                    channel.send(other)
                    channel.receive()
                    del other
                    gc.collect()
                    channel.send("dropped")
                    channel.receive()
                    channel.send(got)
                    """)
                let other = try gateway.channel(try await channel.receive())
                try await channel.send("drop it")
                try expect(try await channel.receive() == "dropped", "remote did not drop")
                try await other.waitClose(timeout: .seconds(10))
                try expect(!other.isClosed, "LAST_MESSAGE closed the channel for sending")
                try await other.send("still heard")
                try await Task.sleep(for: .milliseconds(200))
                try await channel.send("report")
                let got = try await channel.receive(timeout: .seconds(10))
                try expect(equivalent(got, ["still heard"]), "remote callback got \(got)")
                return .pass("sendonly, remote callback still fed")
            }
        },
        LiveScenario("bad-interpreter", "a missing interpreter is named in the error") { target in
            let group = try await target.makeGroup()
            do {
                _ = try await group.makeGateway("popen//python=/nonexistent/python9")
                await group.terminate(timeout: .seconds(2))
                throw Mismatch("gateway to a missing interpreter opened")
            } catch let error as GatewayError {
                await group.terminate(timeout: .seconds(2))
                try expect("\(error)".contains("/nonexistent/python9"), "error does not name the path: \(error)")
                return .pass("\(error)")
            }
        },
        LiveScenario("early-exit", "a remote that exits before acknowledging: status and stderr reported") { target in
            if target.isSocket { return .skip("a socket server runs its own execmodel: stock's socket bootstrap ignores execmodel=") }
            if (try? XSpec(target.spec).execmodel) ?? nil != nil { return .skip("the target's spec names its execmodel already") }
            let group = try await target.makeGroup()
            do {
                _ = try await group.makeGateway(target.spec + "//execmodel=no-such-model")
                await group.terminate(timeout: .seconds(2))
                throw Mismatch("bootstrap with an unknown execmodel succeeded")
            } catch let error as GatewayError {
                await group.terminate(timeout: .seconds(2))
                let text = "\(error)"
                try expect(text.contains("no-such-model") || text.contains("exit status"), "error lacks details: \(text)")
                return .pass("reported")
            }
        },
    ]

    static let lifecycle: [LiveScenario] = [
        LiveScenario("exit-join", "exit terminates the remote; join returns; waiting receivers end") { target in
            let group = try await target.makeGroup()
            let gateway = try await group.makeGateway()
            let channel = try await gateway.remoteExec("channel.receive()")
            let status = try await gateway.remoteStatus(timeout: .seconds(10))
            try expect(status.numberOfExecuting == 1, "status \(status)")
            async let pending: PyValue = channel.receive(timeout: .seconds(30))
            gateway.exit()
            try expect(try await gateway.join(timeout: .seconds(20)), "join timed out")
            do {
                _ = try await pending
                throw Mismatch("receive succeeded after exit")
            } catch let error as ChannelError where error.kind == .endOfChannel {}
            let exit = try await gateway.waitForExit()
            await group.terminate(timeout: .seconds(5))
            return .pass("remote ended: \(exit.map { "\($0)" } ?? "?")")
        },
        LiveScenario("terminate-kill", "terminate with a timeout kills a remote that does not end") { target in
            if target.isSocket { return .skip("no process behind a socket to kill (stock cannot either)") }
            let group = try await target.makeGroup()
            let gateway = try await group.makeGateway()
            let channel = try await gateway.remoteExec("""
                import signal, time
                if hasattr(signal, "SIGINT"):
                    signal.signal(signal.SIGINT, signal.SIG_IGN)
                channel.send("stuck")
                while True:
                    time.sleep(0.05)
                """)
            try expect(try await channel.receive(timeout: .seconds(10)) == "stuck", "no start")
            let started = ContinuousClock.now
            await group.terminate(timeout: .milliseconds(500))
            let elapsed = ContinuousClock.now - started
            try expect(gateway.exitStatus != nil, "process still running after terminate")
            try expect(elapsed < .seconds(10), "terminate took \(elapsed)")
            try expect(group.isEmpty, "group not empty")
            return .pass("ended: \(gateway.exitStatus.map { "\($0)" } ?? "?")")
        },
    ]
}
