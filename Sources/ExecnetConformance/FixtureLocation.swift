import Foundation

/// Finds the Fixtures/ directory: the one named, else `$EXECNET_FIXTURES`,
/// else `./Fixtures`, else one beside an ancestor of the running executable
/// (a `swift build` product inside the checkout), else the checkout this
/// module was compiled from.
public enum FixtureLocation {
    public static func find(explicit: String? = nil) -> URL? {
        if let explicit { return URL(fileURLWithPath: explicit) }
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["EXECNET_FIXTURES"] {
            candidates.append(URL(fileURLWithPath: env))
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Fixtures"))
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory.appendingPathComponent("Fixtures"))
            directory.deleteLastPathComponent()
        }
        candidates.append(Checkout.root.appendingPathComponent("Fixtures"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("dumps").path) }
    }
}
