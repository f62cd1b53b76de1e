import AWSCore
import DynamoDB
import Foundation
import S3
import Testing

/// The local moto_server the integration tests run against, on 127.0.0.1.
///
/// With `BILLMIG_MOTO_ENDPOINT` set (`http://127.0.0.1:PORT`), that server is
/// used. Otherwise `scripts/localstack start` starts the project's own (port
/// `BILLMIG_MOTO_PORT`, default 5555), installing moto where it can; a server
/// that already answers on that port is used as it is. When neither works the
/// tests are cancelled (skipped) with the reason. Each test makes its own
/// uniquely named tables and buckets, so tests and runs never see each other.
enum MotoTestServer {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static let startup = StartupGate()

    /// An AWS configuration for the local server, or the test is cancelled.
    static func configuration() async throws -> AWSConfiguration {
        switch await startup.result() {
        case .success(let endpoint):
            return AWSConfiguration(
                region: "us-east-1",
                credentials: AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing"),
                endpoint: endpoint)
        case .failure(let reason):
            try Test.cancel("moto_server is not available, skipping: \(reason.message)")
        }
    }

    /// Runs `body` with a client of the local server.
    static func withClient<Result>(_ body: (AWSClient) async throws -> Result) async throws -> Result {
        try await AWSClient.withClient(try await configuration()) { try await body($0) }
    }

    /// A name no other test or run uses: `{prefix}-{random}` in lower case.
    static func uniqueName(_ prefix: String) -> String {
        prefix + "-" + UUID().uuidString.prefix(12).lowercased()
    }

    struct Unavailable: Error {
        var message: String
    }

    private actor StartupGate {
        private var outcome: Result<AWSEndpoint, Unavailable>?

        func result() async -> Result<AWSEndpoint, Unavailable> {
            if let outcome { return outcome }
            let outcome = await MotoTestServer.start()
            self.outcome = outcome
            return outcome
        }
    }

    private static func start() async -> Result<AWSEndpoint, Unavailable> {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment["BILLMIG_MOTO_ENDPOINT"] {
            guard let endpoint = AWSEndpoint(url: url), ["127.0.0.1", "localhost"].contains(endpoint.host) else {
                return .failure(Unavailable(message: "BILLMIG_MOTO_ENDPOINT must be http://127.0.0.1:PORT, not \(url)"))
            }
            return .success(endpoint)
        }
        let port = environment["BILLMIG_MOTO_PORT"] ?? "5555"
        guard let endpoint = AWSEndpoint(url: "http://127.0.0.1:\(port)") else {
            return .failure(Unavailable(message: "BILLMIG_MOTO_PORT is not a port: \(port)"))
        }
        let script = packageRoot.appendingPathComponent("scripts/localstack").path
        guard FileManager.default.isExecutableFile(atPath: script) else {
            return .failure(Unavailable(message: "\(script) not found"))
        }
        let (status, output) = await run(script, ["start"])
        // Another checkout's server on the port speaks the same protocol: use it.
        guard status == 0 || output.contains("already answers") else {
            return .failure(Unavailable(message: "scripts/localstack start failed (\(status)): \(output.suffix(600))"))
        }
        return .success(endpoint)
    }

    /// Runs a program to its end without blocking a cooperative thread.
    static func run(_ executable: String, _ arguments: [String]) async -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        return await withCheckedContinuation { continuation in
            process.terminationHandler = { process in
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(returning: (-1, "\(error)"))
            }
        }
    }
}
