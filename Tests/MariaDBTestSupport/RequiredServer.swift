import Foundation
import Testing

/// What an integration test does when a server it needs (MariaDB, moto_server)
/// cannot start: it fails with the reason. A test suite that skips what it
/// cannot run passes without proving anything, so skipping is an explicit local
/// opt-out (`BILLMIG_SKIP_UNAVAILABLE_SERVERS=1`), which CI and `scripts/test`
/// never set.
public enum RequiredServer {
    public static let optOutVariable = "BILLMIG_SKIP_UNAVAILABLE_SERVERS"

    public static var mayBeSkipped: Bool { ProcessInfo.processInfo.environment[optOutVariable] == "1" }

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Fails the calling test with why `server` is unavailable (or cancels it under the opt-out).
    public static func unavailable(_ server: String, reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Never {
        let message = "\(server) is not available: \(reason)"
        if mayBeSkipped {
            try Test.cancel("\(message) (skipped: \(optOutVariable)=1)", sourceLocation: sourceLocation)
        }
        throw Unavailable(description: "\(message). Integration tests need it: run scripts/setup (or scripts/test, which does), or set \(optOutVariable)=1 to skip them on this machine")
    }
}
