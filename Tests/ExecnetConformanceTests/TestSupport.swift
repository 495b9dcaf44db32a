import Foundation
import Testing

/// A missing interpreter is a skip on a developer machine and a failure in CI.
func requireInCI(_ message: String) throws {
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        Issue.record("\(message) (CI=true requires it)")
    } else {
        print("skipping: \(message)")
    }
}
