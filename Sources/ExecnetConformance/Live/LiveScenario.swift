import Execnet

/// One behaviour checked against a live remote end.
public struct LiveScenario: Sendable {
    public let name: String
    public let summary: String
    let body: @Sendable (LiveTarget) async throws -> LiveVerdict

    init(_ name: String, _ summary: String, _ body: @escaping @Sendable (LiveTarget) async throws -> LiveVerdict) {
        self.name = name
        self.summary = summary
        self.body = body
    }
}

/// How a scenario ended.
public enum LiveVerdict: Sendable, Equatable {
    case pass(String)
    case fail(String)
    case skip(String)

    public var status: String {
        switch self {
        case .pass: return "pass"
        case .fail: return "fail"
        case .skip: return "skip"
        }
    }

    public var detail: String {
        switch self {
        case .pass(let text), .fail(let text), .skip(let text): return text
        }
    }
}

/// A failed expectation inside a scenario.
struct Mismatch: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw Mismatch(message()) }
}

/// Runs `body` in a fresh group of the target, always terminating it.
func withGateway<T: Sendable>(
    _ target: LiveTarget, spec: String? = nil, options: GatewayOptions? = nil,
    _ body: (Gateway) async throws -> T
) async throws -> T {
    let group = try await target.makeGroup(options: options)
    do {
        let gateway = try await group.makeGateway(spec)
        let result = try await body(gateway)
        await group.terminate(timeout: .seconds(10))
        return result
    } catch {
        await group.terminate(timeout: .seconds(2))
        throw error
    }
}

/// Equality that ignores what differs between Python 2 and 3 and between
/// interpreters: str/unicode, int/long, bytes/py2 str, and the order of
/// sets and dicts.
func equivalent(_ a: PyValue, _ b: PyValue) -> Bool {
    switch (a, b) {
    case (.str(let x), .unicode(let y)), (.unicode(let x), .str(let y)): return x == y
    case (.int(let x), .long(let y)), (.long(let x), .int(let y)): return x == y
    case (.bytes(let x), .py2str(let y)), (.py2str(let x), .bytes(let y)): return x == y
    case (.py2str(let x), .str(let y)), (.str(let y), .py2str(let x)): return x == Array(y.utf8)
    case (.list(let x), .list(let y)), (.tuple(let x), .tuple(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { equivalent($0, $1) }
    case (.set(let x), .set(let y)), (.frozenset(let x), .frozenset(let y)):
        return x.count == y.count && x.allSatisfy { item in y.contains { equivalent(item, $0) } }
    case (.dict(let x), .dict(let y)):
        return x.count == y.count
            && x.allSatisfy { entry in y.contains { equivalent(entry.key, $0.key) && equivalent(entry.value, $0.value) } }
    default: return a == b
    }
}
