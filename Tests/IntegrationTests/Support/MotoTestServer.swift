import AWSCore
import Foundation

/// The change-apply tests' view of LocalAWS: a private moto_server per test and a
/// client for it (no signature checks: moto's own check rejects ListObjectsV2 with a
/// `/` in the prefix, see LoadCommandIntegrationTests).
enum MotoTestServer {
    /// The package's root folder, for files the tests read (mappings).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func withClient<Result>(_ body: (AWSClient) async throws -> Result) async throws -> Result {
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            try await AWSClient.withClient(aws.configuration) { client in try await body(client) }
        }
    }

    /// A name no other test uses (tables and buckets).
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
    }
}
