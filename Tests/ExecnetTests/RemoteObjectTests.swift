import ExecnetConformance
import Foundation
import Synchronization
import Testing
@testable import Execnet
@testable import ExecnetTransport

/// Remote objects (Pushy's model) against stock remote ends: every
/// interpreter here for the seed page's examples, Python 3 and 2.7 for the rest.
/// The remote-object suites run their cases one at a time, so that they add
/// a few gateways at once to a full run, not forty.
@Suite(.serialized) struct RemoteObjectTests {
    static let interpreters: [String] = ((try? Interpreter.discover()) ?? []).map(\.path)
    static var pythons: [String] { ["python3"] + (HangSupport.python27.map { [$0] } ?? []) }

    /// Opens a gateway on `python` and a RemotePython on it, and ends both.
    static func withPython<T: Sendable>(
        _ python: String, gcEnabled: Bool = true, gcInterval: Duration = .seconds(5), limit: Duration = .seconds(60),
        _ body: @escaping @Sendable (RemotePython) async throws -> T
    ) async throws -> T {
        try await HangSupport.within(limit, "remote objects on \(python)") {
            try await withGroup { group in
                let gateway = try await group.makeGateway("popen//python=\(python)")
                return try await withRemotePython(on: gateway, gcEnabled: gcEnabled, gcInterval: gcInterval) { remote in
                    try await body(remote)
                }
            }
        }
    }

    /// Each example of Pushy's API page, in its Swift form.
    @Test(arguments: interpreters)
    func pushyPageExamples(python: String) async throws {
        try await Self.withPython(python) { remote in
            // conn.modules.os.getpid()
            let pid = try #require(Int(try await remote.modules.os.getpid()))
            #expect(pid != Int(ProcessInfo.processInfo.processIdentifier))
            // conn.modules.os is a module proxy.
            let os = try await remote.modules.os.swift.get()
            #expect(os.swift.typeName == "module")
            #expect(try await os.swift.repr().hasPrefix("<module 'os'"))
            // assert conn.eval("1+2") == 3; remote_str_type = conn.eval("str")
            #expect(Int(try await remote.eval("1+2")) == 3)
            let strType = try await remote.eval("str")
            #expect(strType.swift.typeName == "type")
            #expect(String(try await strType(42)) == "42")
            // conn.execute("def abc(): ...", locals=locals_); locals_["abc"]()
            let locals = try await remote.eval("{}")
            try await remote.execute("def abc():\n    return 123", locals: locals)
            #expect(Int(try await locals.swift.item("abc")()) == 123)
            // conn.compile("1+2", "eval") gives a code object that eval runs.
            let code = try await remote.compile("1+2", mode: .eval)
            #expect(code.swift.typeName == "code")
            #expect(Int(try await remote.eval(code)) == 3)
            let statements = try await remote.compile("x = 6 * 7", mode: .exec)
            let scope = try await remote.eval("{}")
            _ = try await remote.eval(statements, globals: scope)
            #expect(Int(try await scope.swift.item("x")) == 42)
            // os_path = conn.remote_import("os.path"); os_path.expanduser("~")
            let osPath = try await remote.import("os.path")
            let home = try #require(String(try await osPath.expanduser("~")))
            #expect(home.hasPrefix("/"))
            // putfile/getfile (the large and failing cases have their own tests).
            let directory = try RSyncScratch()
            defer { directory.remove() }
            let local = directory.path("foo.txt")
            try Data("pushy\n".utf8).write(to: URL(fileURLWithPath: local))
            try await remote.putFile(local, directory.path("bar.txt"))
            try await remote.getFile(directory.path("bar.txt"), directory.path("back.txt"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: directory.path("back.txt"))) == Data("pushy\n".utf8))
            // gc_enabled / gc_interval are open() parameters; close() ends it.
            remote.close()
            await #expect(throws: RemoteObjectError.self) { try await remote.modules.os.getpid() }
        }
    }

    @Test(arguments: pythons)
    func attributeChainsKeywordsItemsAndOperators(python: String) async throws {
        try await Self.withPython(python) { remote in
            #expect(String(try await remote.modules.os.path.join("a", "b", "c")) == "a/b/c")
            #expect(String(try await remote.modules["os.path"].basename("/x/y.txt")) == "y.txt")
            let sorted = try await remote.builtins.sorted([3, 1, 2], reverse: true)
            #expect(sorted.swift.typeName == "list")
            #expect(try await sorted.swift.values().map(\.intValue) == [3, 2, 1])
            #expect(Int(try await remote.builtins.int("ff", base: 16)) == 255)
            // Calls of held proxies, which the host sends in the request's
            // short form (spec §5.2): keywords, a chain, a missing attribute.
            // (What crosses the wire is not checked here.)
            let items = try await remote.eval("[3, 1, 2]")
            try await items.sort(reverse: true)
            #expect(try await items.swift.values().map(\.intValue) == [3, 2, 1])
            let os = try await remote.modules.os.swift.get()
            #expect(String(try await os.path.join("a", "b")) == "a/b")
            #expect(Int(try await os.getpid()) ?? 0 > 0)
            let missing = await #expect(throws: RemoteError.self) { try await items.nosuch() }
            #expect(missing?.typeName == "AttributeError")
            // Attributes set and deleted on an object.
            let object = try await remote.eval("type('Thing', (object,), {})()")
            try await object.swift.setAttribute("size", to: 5)
            #expect(Int(try await object.size.swift.get()) == 5)
            #expect(Int(try await remote.builtins.getattr(object, "size")) == 5)
            try await object.swift.deleteAttribute("size")
            await #expect(throws: RemoteError.self) { try await object.size.swift.get() }
            // A dict's items, length, text and truth.
            let table = try await remote.eval("{}")
            try await table.swift.setItem("a", to: 1)
            try await table.swift.setItem("b", to: [1, 2])
            #expect(try await table.swift.count() == 2)
            #expect(try await table.swift.item("b").swift.values() == [1, 2])
            try await table.swift.deleteItem("a")
            #expect(try await table.swift.count() == 1)
            #expect(try await table.swift.repr() == (remote.majorVersion == 2 ? "{u'b': [1, 2]}" : "{'b': [1, 2]}"))
            #expect(try await table.swift.isTrue())
            #expect(try await table.swift.item("b").swift.str() == "[1, 2]")
            // Proxies passed back arrive as the objects themselves.
            #expect(Bool(try await remote.builtins.isinstance(table, remote.builtins.dict)) == true)
            let same = try await remote.eval("lambda a, b: a is b")
            #expect(Bool(try await same(table, table)) == true)
            // Operators and comparisons.
            let forty = try await remote.eval("40")
            #expect(Int(try await forty.swift.apply(.add, 2)) == 42)
            #expect(try await forty.swift.compare(.lessThan, 41))
            #expect(try await table.swift.apply(.contains, "b").swift.isTrue())
            #expect(Int(try await remote.eval("7").swift.apply(.index)) == 7)
            let list = try await remote.eval("[1]")
            let longer = try await list.swift.apply(.concatenate, [2, 3])
            #expect(try await longer.swift.values() == [1, 2, 3])
            // Values stay values: tuples and bytes come back as themselves.
            let pair = try await remote.eval("(1, 'two')")
            #expect(pair.swift.isValue)
            #expect([PyValue](pair)?.count == 2)
            #expect(try await remote.eval("b'\\x00\\xff'").swift.value().bytesValue == [0, 255])
            // Codable arguments and results.
            struct Order: Codable, Equatable {
                var item: String
                var quantity: Int
                var tags: [String]
            }
            let enrich = try await remote.eval("lambda order, extra: dict(order, tags=order['tags'] + [extra])")
            let result = try await enrich(try RemoteArgument.encoded(Order(item: "pen", quantity: 2, tags: ["a"])), "b")
            #expect(try await result.swift.decode(Order.self) == Order(item: "pen", quantity: 2, tags: ["a", "b"]))
        }
    }

    @Test(arguments: pythons)
    func remoteExceptionsCarryTypeAndMessage(python: String) async throws {
        try await Self.withPython(python) { remote in
            let missing = await #expect(throws: RemoteError.self) { try await remote.modules.os.no_such_function() }
            #expect(missing?.typeName == "AttributeError")
            #expect(missing?.message.contains("no_such_function") == true)
            let zero = await #expect(throws: RemoteError.self) { try await remote.eval("1/0") }
            #expect(zero?.typeName == "ZeroDivisionError")
            let parse = await #expect(throws: RemoteError.self) { try await remote.builtins.int("x") }
            #expect(parse?.typeName == "ValueError")
            let module = await #expect(throws: RemoteError.self) { try await remote.import("no_such_module_here") }
            #expect(module?.typeName == "ImportError" || module?.typeName == "ModuleNotFoundError")
            // A value that execnet cannot carry is refused as such.
            let value = await #expect(throws: RemoteError.self) { try await remote.eval("object()").swift.value() }
            #expect(value?.typeName == "TypeError")
            // After all that the connection serves on.
            let power = try await remote.eval("2 ** 10")
            #expect(Int(power) == 1024)
        }
    }

    @Test(arguments: pythons)
    func generatorsIterateInBatches(python: String) async throws {
        try await Self.withPython(python) { remote in
            let scope = try await remote.eval("{'ran': [0]}")
            try await remote.execute(
                "def squares(n):\n    for i in range(n):\n        ran[0] += 1\n        yield i * i\n", globals: scope)
            var squares: [Int] = []
            for try await item in try await remote.eval("squares(10)", globals: scope).swift.iterate(batchSize: 3) {
                squares.append(try #require(Int(item)))
            }
            #expect(squares == (0..<10).map { $0 * $0 })
            // The generator runs only as far as the batches read.
            let generator = try await remote.eval("squares(1000)", globals: scope)
            try await scope.swift.item("ran").swift.setItem(0, to: 0)
            var iterator = generator.swift.iterate(batchSize: 2).makeAsyncIterator()
            _ = try await iterator.next()
            #expect(Int(try await scope.swift.item("ran").swift.item(0)) == 2)
            // Items that are not values come as proxies.
            var kinds: [String] = []
            for try await item in try await remote.eval("[[1], {}, 3]").swift.iterate() {
                kinds.append(item.swift.typeName ?? "?")
            }
            #expect(kinds == ["list", "dict", "int"])
        }
    }

    @Test(arguments: pythons)
    func closuresAreCalledBackAlsoNested(python: String) async throws {
        try await Self.withPython(python) { remote in
            let length = remote.callback { call in
                try #require(String(call[0])).count
            }
            let sorted = try await remote.builtins.sorted(["ccc", "a", "bb"], key: length)
            #expect(try await sorted.swift.values().map(\.stringValue) == ["a", "bb", "ccc"])
            // Swift calls Python, which calls Swift, which calls Python (and so on).
            let twice = try await remote.eval("lambda f, x: f(f(x))")
            let nested = remote.callback { call in
                let value = try #require(Int(call[0]))
                return try await remote.builtins.abs(-(value * 3))
            }
            #expect(Int(try await twice(nested, 2)) == 18)
            let deeper = remote.callback { call in
                try await twice(remote.callback { inner in Int(inner[0])! + 1 }, call[0])
            }
            #expect(Int(try await twice(deeper, 0)) == 4)
            // Keyword arguments and proxies reach the closure.
            let keywords = remote.callback { call in
                #expect(call["flag"].flatMap(Bool.init) == true)
                return try await call[0].swift.count()
            }
            let call = try await remote.eval("lambda f: f([1, 2, 3], flag=True)")
            #expect(Int(try await call(keywords)) == 3)
            // An error thrown by the closure is raised remotely.
            struct Refusal: Error, CustomStringConvertible { var description: String { "refused by the host" } }
            let refusing = remote.callback { _ in throw Refusal() }
            let list = try await remote.eval("lambda f: list(map(f, [1]))")
            let caught = await #expect(throws: RemoteError.self) { try await list(refusing) }
            #expect(caught?.typeName?.hasSuffix("HostCallbackError") == true)
            #expect(caught?.message.contains("refused by the host") == true)
        }
    }

    /// A callback holding the last copy of a proxy, dropped remotely and
    /// then here: the proxy's release must not deadlock the connection (it
    /// once locked it twice, on the gateway's I/O thread).
    @Test(arguments: pythons)
    func callbacksHoldingTheLastProxyAreDropped(python: String) async throws {
        try await Self.withPython(python, gcInterval: .seconds(3600)) { remote in
            let baseline = try await remote.statistics()
            let keep = try await remote.eval("[]")
            for _ in 0..<20 {
                // Only the remote list holds the callback once this scope ends.
                try await {
                    let captured = try await remote.eval("[1, 2, 3]")
                    try await keep.append(remote.callback { _ in try await captured.swift.count() })
                }()
                #expect(Int(try await keep.swift.item(-1)()) == 3)
                _ = try await keep.pop()
            }
            // Releasing the popped callables lets the agent drop them; the
            // drop lets the host release the lists: two rounds at least.
            var after = try await remote.statistics()
            for _ in 0..<200 where after.heldObjects != baseline.heldObjects + 1 {
                remote.collectGarbage()
                try await Task.sleep(for: .milliseconds(20))
                after = try await remote.statistics()
            }
            #expect(after.heldObjects == baseline.heldObjects + 1)  // `keep` itself
        }
    }

    @Test(arguments: pythons)
    func concurrentCallsDoNotWaitForEachOther(python: String) async throws {
        try await Self.withPython(python) { remote in
            let square = try await remote.eval("lambda x: x * x")
            try await withThrowingTaskGroup(of: (Int, Int?).self) { tasks in
                for index in 0..<100 {
                    tasks.addTask { (index, Int(try await square(index))) }
                }
                for try await (index, result) in tasks { #expect(result == index * index) }
            }
            // A call that blocks remotely until a later call releases it: with
            // calls served one at a time this would never end.
            let event = try await remote.modules.threading.Event()
            async let waited = event.wait(30)
            try await Task.sleep(for: .milliseconds(50))
            try await event.set()
            #expect(Bool(try await waited) == true)
            // Cancelling a waiting call ends it here at once; the connection goes on.
            let sleeper = Task { try await remote.modules.time.sleep(30) }
            try await Task.sleep(for: .milliseconds(50))
            sleeper.cancel()
            await #expect(throws: CancellationError.self) { try await sleeper.value }
            #expect(Int(try await square(9)) == 81)
        }
    }

    /// 100,000 proxies made and dropped: the releases go in one message when
    /// collected, and the agent's table is back to where it was.
    @Test(arguments: pythons)
    func droppedProxiesAreReleasedInBatches(python: String) async throws {
        try await Self.withPython(python, gcInterval: .seconds(3600), limit: .seconds(240)) { remote in
            let baseline = try await remote.statistics()
            var made = 0
            do {
                let objects = try await remote.eval("[object() for _ in range(100000)]")
                for try await object in objects.swift.iterate(batchSize: 5000) {
                    if object.swift.objectID != nil { made += 1 }
                }
            }
            #expect(made == 100_000)
            let queued = try await remote.statistics()
            #expect(queued.releaseMessagesSent == baseline.releaseMessagesSent)
            #expect(queued.releasesQueued >= 100_000)
            #expect(queued.heldObjects >= baseline.heldObjects + 100_000)
            remote.collectGarbage()
            let after = try await Self.statistics(of: remote) { $0.heldObjects == baseline.heldObjects }
            #expect(after.heldObjects == baseline.heldObjects)
            #expect(after.releaseMessagesSent == baseline.releaseMessagesSent + 1)
            #expect(after.releaseMessagesReceived == baseline.releaseMessagesReceived + 1)
            #expect(after.releasesQueued == 0)
        }
    }

    /// With GC on, releases go by themselves after the interval; with it off,
    /// none go until close, and closing lets every object go.
    @Test func releaseIntervalAndDisabledCollection() async throws {
        try await Self.withPython("python3", gcInterval: .milliseconds(200)) { remote in
            let baseline = try await remote.statistics()
            do { _ = try await remote.eval("[]") }
            let after = try await Self.statistics(of: remote) { $0.releaseMessagesReceived > baseline.releaseMessagesReceived }
            #expect(after.heldObjects == baseline.heldObjects)
            #expect(after.releaseMessagesSent == baseline.releaseMessagesSent + 1)
        }
        try await HangSupport.within(.seconds(60), "closing releases everything") {
            try await withGroup { group in
                let gateway = try await group.makeGateway("popen//python=python3")
                let remote = try await RemotePython.open(on: gateway, gcEnabled: false)
                let probe = try await remote.eval("type('Probe', (object,), {})()")
                let scope = try await remote.eval("{}")
                try await scope.swift.setItem("probe", to: probe)
                try await remote.execute("import sys, weakref\nsys.execnet_probe = weakref.ref(probe)", globals: scope)
                for _ in 0..<100 { _ = try await remote.eval("[]") }
                let stats = try await remote.statistics()
                #expect(stats.releaseMessagesSent == 0 && stats.releasesQueued >= 100)
                _ = probe
                remote.close()
                let channel = try await gateway.remoteExec("""
                    import gc, sys, time
                    for _ in range(200):
                        gc.collect()
                        if sys.execnet_probe() is None:
                            break
                        time.sleep(0.05)
                    channel.send(sys.execnet_probe() is None)
                    """)
                #expect(try await channel.receive(timeout: .seconds(30)) == true)
            }
        }
    }

    static func statistics(
        of remote: RemotePython, until condition: @escaping @Sendable (RemoteObjectStatistics) -> Bool
    ) async throws -> RemoteObjectStatistics {
        var last = try await remote.statistics()
        for _ in 0..<400 where !condition(last) {
            try await Task.sleep(for: .milliseconds(25))
            last = try await remote.statistics()
        }
        return last
    }

    @Test(arguments: pythons)
    func failurePathsEndWithClearErrors(python: String) async throws {
        try await HangSupport.within(.seconds(60), "failure paths on \(python)") {
            try await withGroup { group in
                let gateway = try await group.makeGateway("popen//python=\(python)")
                let remote = try await RemotePython.open(on: gateway)
                // A proxy of another connection is refused before anything is sent.
                let other = try await RemotePython.open(on: gateway)
                let foreign = try await other.eval("[]")
                let refused = await #expect(throws: RemoteObjectError.self) { try await remote.builtins.len(foreign) }
                #expect(refused?.code == .foreignObject)
                other.close()
                let closed = await #expect(throws: RemoteObjectError.self) { try await foreign.swift.count() }
                #expect(closed?.code == .closed)
                // The gateway dies mid-call: every pending call ends, naming it.
                let pending = (0..<3).map { _ in Task { try await remote.modules.time.sleep(60) } }
                try await Task.sleep(for: .milliseconds(100))
                let exit = Task { try await remote.modules.os._exit(3) }
                for task in pending + [exit] {
                    let lost = await #expect(throws: RemoteObjectError.self) { try await task.value }
                    #expect(lost?.code == .connectionLost)
                    #expect(lost?.description.contains("'\(gateway.id)'") == true)
                }
                let after = await #expect(throws: RemoteObjectError.self) { try await remote.eval("1") }
                #expect(after?.code == .connectionLost)
            }
        }
    }
}

/// putFile and getFile: large, empty, mode bits, and every way they can fail.
@Suite(.serialized) struct RemoteFileTests {
    /// A file of `size` bytes whose content depends on `seed`: one
    /// pseudo-random MiB, each copy stamped with its index. Written on a
    /// thread of its own, never on Swift's cooperative pool (two threads on
    /// this machine, which every other suite's gateways need too).
    static func make(_ path: String, size: Int, seed: UInt8 = 7) async throws {
        try await offPool {
            var block = [UInt8](repeating: 0, count: 1 << 20)
            var counter = UInt32(seed)
            for index in block.indices {
                counter = counter &* 1_664_525 &+ 1_013_904_223
                block[index] = UInt8(truncatingIfNeeded: counter >> 24)
            }
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            var written = 0
            var stamp: UInt64 = 0
            while written < size {
                withUnsafeBytes(of: stamp) { for (offset, byte) in $0.enumerated() { block[offset] = byte } }
                stamp += 1
                let count = min(block.count, size - written)
                try handle.write(contentsOf: block[0..<count])
                written += count
            }
        }
    }

    /// Whether two files have the same bytes (`cmp`, in a process of its own).
    static func same(_ a: String, _ b: String) async throws -> Bool {
        try await runProcess(["cmp", "-s", a, b]).succeeded
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    static func leftovers(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".part") }
    }

    @Test func threeHundredMebibytesBothWays() async throws {
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        let size = 300 << 20
        try await Self.make(scratch.path("big"), size: size)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: scratch.path("big"))
        let progress = ProgressLog()
        try await RemoteObjectTests.withPython("python3", limit: .seconds(300)) { remote in
            try await remote.putFile(scratch.path("big"), scratch.path("remote-big")) { progress.record($0) }
            try await remote.getFile(scratch.path("remote-big"), scratch.path("back-big")) { progress.record($0) }
        }
        #expect(try await Self.same(scratch.path("big"), scratch.path("remote-big")))
        #expect(try await Self.same(scratch.path("big"), scratch.path("back-big")))
        #expect(try Self.mode(scratch.path("remote-big")) == 0o640)
        #expect(try Self.mode(scratch.path("back-big")) == 0o640)
        let reports = progress.reports
        #expect(reports.count >= 600)
        #expect(reports.allSatisfy { $0.totalBytes == Int64(size) })
        #expect(reports.filter { $0.bytesTransferred == Int64(size) }.count == 2)
        #expect(try Self.leftovers(in: scratch.base).isEmpty)
    }

    @Test(arguments: RemoteObjectTests.pythons)
    func emptyAndSmallFilesKeepTheirModes(python: String) async throws {
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        #expect(FileManager.default.createFile(atPath: scratch.path("empty"), contents: Data()))
        try await Self.make(scratch.path("script"), size: 100_001)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path("script"))
        try await RemoteObjectTests.withPython(python) { remote in
            try await remote.putFile(scratch.path("empty"), scratch.path("remote-empty"))
            try await remote.getFile(scratch.path("remote-empty"), scratch.path("back-empty"))
            try await remote.putFile(scratch.path("script"), scratch.path("remote-script"))
            try await remote.getFile(scratch.path("remote-script"), scratch.path("back-script"))
            // Over an existing file, as a rename replaces it.
            try await remote.putFile(scratch.path("empty"), scratch.path("remote-script"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path("back-empty"))).isEmpty)
        #expect(try await Self.same(scratch.path("script"), scratch.path("back-script")))
        #expect(try Self.mode(scratch.path("back-script")) == 0o755)
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path("remote-script"))).isEmpty)
        #expect(try Self.leftovers(in: scratch.base).isEmpty)
    }

    /// The request that names a putFile's data channel goes out before its
    /// first chunk: stock's gateway drops data for a channel it does not know
    /// yet, which a chunk overtaking its request made a CRC-32 mismatch.
    @Test func manyQuickPutFilesArriveWhole() async throws {
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        try await Self.make(scratch.path("small"), size: 4096)
        let expected = try Data(contentsOf: URL(fileURLWithPath: scratch.path("small")))
        try await RemoteObjectTests.withPython("python3", limit: .seconds(120)) { remote in
            for index in 0..<300 {
                try await remote.putFile(scratch.path("small"), scratch.path("copy-\(index % 3)"))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<60 {
                    group.addTask { try await remote.putFile(scratch.path("small"), scratch.path("parallel-\(index)")) }
                }
                try await group.waitForAll()
            }
        }
        for index in 0..<60 {
            #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path("parallel-\(index)"))) == expected)
        }
        #expect(try Self.leftovers(in: scratch.base).isEmpty)
    }

    @Test(arguments: RemoteObjectTests.pythons)
    func failuresLeaveNoPartialFile(python: String) async throws {
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        try await Self.make(scratch.path("data"), size: 3 << 20)
        try await RemoteObjectTests.withPython(python) { remote in
            // No such remote directory, no such remote file, no such local file.
            let put = await #expect(throws: RemoteError.self) {
                try await remote.putFile(scratch.path("data"), scratch.path("missing/dir/data"))
            }
            #expect(put?.typeName == "IOError" || put?.typeName == "FileNotFoundError", "\(String(describing: put))")
            let get = await #expect(throws: RemoteError.self) {
                try await remote.getFile(scratch.path("no-such-file"), scratch.path("copy"))
            }
            #expect(get?.typeName == "IOError" || get?.typeName == "FileNotFoundError")
            await #expect(throws: LocalFileError.self) {
                try await remote.putFile(scratch.path("no-such-file"), scratch.path("copy"))
            }
            // A directory is not a file, on either side.
            await #expect(throws: LocalFileError.self) { try await remote.putFile(scratch.base, scratch.path("copy")) }
            await #expect(throws: RemoteError.self) { try await remote.getFile(scratch.base, scratch.path("copy")) }
            // No local directory to write into.
            await #expect(throws: LocalFileError.self) {
                try await remote.getFile(scratch.path("data"), scratch.path("missing/copy"))
            }
            // A putFile cancelled midway: the remote temporary file goes.
            // (The first progress report cancels the task that sends.)
            let cancelled = Task {
                try await remote.putFile(scratch.path("data"), scratch.path("cancelled")) { _ in
                    withUnsafeCurrentTask { $0?.cancel() }
                }
            }
            await #expect(throws: CancellationError.self) { try await cancelled.value }
            // The connection still works afterwards.
            try await remote.putFile(scratch.path("data"), scratch.path("copy"))
        }
        #expect(try await Self.same(scratch.path("data"), scratch.path("copy")))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("cancelled")))
        #expect(try Self.leftovers(in: scratch.base).isEmpty)
    }
}

/// Progress reports, collected from whichever thread they come on.
final class ProgressLog: Sendable {
    private let log = Mutex<[FileTransferProgress]>([])
    func record(_ progress: FileTransferProgress) { log.withLock { $0.append(progress) } }
    var reports: [FileTransferProgress] { log.withLock { $0 } }
}

/// Remote objects under stock's other execmodels.
@Suite(.serialized) struct RemoteObjectExecmodelTests {
    static let venv = StockCache.root + "/venvs/execmodels/bin/python"
    static var specs: [String] {
        ["popen//python=python3//execmodel=main_thread_only"]
            + (FileManager.default.isExecutableFile(atPath: venv) ? ["popen//python=\(venv)//execmodel=eventlet"] : [])
    }

    @Test(arguments: specs)
    func servesUnder(spec: String) async throws {
        try await HangSupport.within(.seconds(60), "remote objects over \(spec)") {
            try await withGroup { group in
                let gateway = try await group.makeGateway(spec)
                try await withRemotePython(on: gateway, gcInterval: .milliseconds(100)) { remote in
                    #expect(String(try await remote.modules.os.path.join("a", "b")) == "a/b")
                    let key = remote.callback { call in -(Int(call[0]) ?? 0) }
                    #expect(try await remote.builtins.sorted([1, 3, 2], key: key).swift.values() == [3, 2, 1])
                    try await withThrowingTaskGroup(of: Bool.self) { tasks in
                        for index in 0..<20 {
                            tasks.addTask { Int(try await remote.builtins.abs(-index)) == index }
                        }
                        for try await ok in tasks { #expect(ok) }
                    }
                    var count = 0
                    for try await _ in try await remote.eval("iter(range(50))").swift.iterate(batchSize: 7) { count += 1 }
                    #expect(count == 50)
                    let scratch = try RSyncScratch()
                    defer { scratch.remove() }
                    try await RemoteFileTests.make(scratch.path("f"), size: 5 << 20)
                    try await remote.putFile(scratch.path("f"), scratch.path("g"))
                    try await remote.getFile(scratch.path("g"), scratch.path("h"))
                    #expect(try await RemoteFileTests.same(scratch.path("f"), scratch.path("h")))
                    let baseline = try await remote.statistics()
                    do { _ = try await remote.eval("[]") }
                    let after = try await RemoteObjectTests.statistics(of: remote) {
                        $0.releaseMessagesReceived > baseline.releaseMessagesReceived
                    }
                    #expect(after.heldObjects == baseline.heldObjects)
                }
            }
        }
    }
}

/// Agents that break the protocol: the host ends the connection with a clear
/// error and never hangs.
@Suite(.serialized) struct HostileAgentTests {
    static func open(_ agent: String, on gateway: Gateway) async throws -> RemotePython {
        try await RemotePython.open(on: gateway, agent: agent, gcEnabled: true, gcInterval: .seconds(5))
    }

    @Test func malformedRepliesEndTheConnection() async throws {
        try await HangSupport.within(.seconds(60), "hostile agents") {
            try await withGroup { group in
                let gateway = try await group.makeGateway("popen//python=python3")
                // Not a message of the protocol at all.
                let garbage = try await Self.open("""
                    channel.send(("ready", 3))
                    for request in channel:
                        channel.send({"what": request[0]})
                    """, on: gateway)
                let first = await #expect(throws: RemoteObjectError.self) { try await garbage.eval("1") }
                #expect(first?.code == .protocolViolation)
                let later = await #expect(throws: RemoteObjectError.self) { try await garbage.eval("1") }
                #expect(later?.code == .protocolViolation)
                // A reply with an unknown tag, or an object without an id.
                for reply in ["(request[0], 'zz', 1)", "(request[0], 'o', 'x', 'list')", "(request[0], 'i', 1, 2)"] {
                    let agent = try await Self.open("""
                        channel.send(("ready", 3))
                        for request in channel:
                            channel.send(\(reply))
                        """, on: gateway)
                    let error = await #expect(throws: RemoteObjectError.self) { try await agent.eval("[]") }
                    #expect(error?.code == .protocolViolation, "\(reply)")
                }
                // A first message that is not the version.
                await #expect(throws: RemoteObjectError.self) {
                    try await Self.open("channel.send(('ready', 'three'))\nchannel.receive()", on: gateway)
                }
                // An agent that fails before it is ready, and one that fails
                // with a request outstanding: the error names the gateway and
                // carries the remote's reason.
                let early = await #expect(throws: RemoteObjectError.self) {
                    try await Self.open("raise RuntimeError('agent broke')", on: gateway)
                }
                #expect(early?.code == .connectionLost)
                #expect(early?.description.contains("agent broke") == true)
                #expect(early?.description.contains("'\(gateway.id)'") == true)
                let dying = try await Self.open("""
                    channel.send(("ready", 3))
                    channel.receive()
                    raise RuntimeError('gone mid-request')
                    """, on: gateway)
                let lost = await #expect(throws: RemoteObjectError.self) { try await dying.eval("1") }
                #expect(lost?.code == .connectionLost)
                #expect(lost?.description.contains("gone mid-request") == true)
                // A host callback number the host never made.
                let caller = try await Self.open("""
                    channel.send(("ready", 3))
                    request = channel.receive()
                    channel.send(("call", 1, 999, [], []))
                    answer = channel.receive()
                    channel.send((request[0], (answer[3], answer[4])))
                    """, on: gateway)
                let unknown = try await caller.eval("1")
                #expect(unknown.swift.isValue)
                #expect(String(describing: try await unknown.swift.value()).contains("unknown callback 999"))
            }
        }
    }
}

/// The README's remote-objects example, step by step (with a scratch file
/// for notes.txt), kept true.
@Suite(.serialized) struct RemoteObjectReadmeTests {
    @Test func readmeExampleHolds() async throws {
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        try Data("notes\n".utf8).write(to: URL(fileURLWithPath: scratch.path("notes.txt")))
        try await HangSupport.within(.seconds(60), "the README's remote-objects example") {
            try await withGroup { group in
                let gateway = try await group.makeGateway("popen//python=python3")
                try await withRemotePython(on: gateway) { python in
                    let pid = Int(try await python.modules.os.getpid())
                    let path = String(try await python.modules.os.path.join("a", "b"))
                    let sorted = try await python.builtins.sorted(["bb", "a"], key: python.callback { call in
                        String(call[0])!.count
                    })
                    #expect(pid != nil && path == "a/b")
                    #expect(try await sorted.swift.values() == ["a", "bb"])
                    let scope = try await python.eval("{}")
                    try await python.execute("def total(xs):\n    return sum(xs)", globals: scope)
                    #expect(Int(try await scope.swift.item("total")([1, 2, 3])) == 6)
                    let progress = ProgressLog()
                    try await python.putFile(scratch.path("notes.txt"), scratch.path("copy.txt")) { progress.record($0) }
                    #expect(progress.reports.last == FileTransferProgress(bytesTransferred: 6, totalBytes: 6))
                }
            }
        }
    }
}
