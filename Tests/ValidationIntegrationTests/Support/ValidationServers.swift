import AWSCore
import Foundation
import MySQLSource
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The package folder (Tests/ValidationIntegrationTests/Support/ -> root).
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A database of its own for one test on the private MariaDB (`scripts/mariadb`),
/// with the billing schema. Live MariaDB tests are opt-in: BILLMIG_MYSQL_LIVE_TESTS=1.
enum ValidationMariaDB {
    static func database() async throws -> MySQLConnectionConfiguration {
        let environment = ProcessInfo.processInfo.environment
        guard environment["BILLMIG_MYSQL_LIVE_TESTS"] == "1" else {
            try Test.cancel("live MariaDB tests run with BILLMIG_MYSQL_LIVE_TESTS=1")
        }
        let script = packageRoot.appendingPathComponent("scripts/mariadb").path
        let (status, output) = await run(script, ["start"])
        guard status == 0 else { try Test.cancel("MariaDB is not available: \(output.suffix(400))") }
        let name = "billing_val_\(UInt32.random(in: 0...UInt32.max))"
        let grant = """
            CREATE DATABASE \(name) CHARACTER SET utf8mb4;
            GRANT ALL PRIVILEGES ON \(name).* TO 'billmig'@'127.0.0.1', 'billmig'@'localhost';
            """
        let (created, createOutput) = await run(script, ["sql", "-e", grant])
        guard created == 0 else { throw SetupError("creating \(name): \(createOutput)") }
        let port = environment["BILLMIG_MYSQL_PORT"] ?? "3307"
        let configuration = try MySQLConnectionConfiguration(
            url: "mysql://billmig@127.0.0.1:\(port)/\(name)",
            password: .literal(.init(environment["BILLMIG_MYSQL_PASSWORD"] ?? "billmig")))
        let connection = try await MySQLConnection.connect(configuration, retry: .none)
        let schema = try String(contentsOf: packageRoot.appendingPathComponent("schema/billing.sql"), encoding: .utf8)
        let statements = schema.components(separatedBy: ";\n").map { statement in
            statement.split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        for statement in statements where statement.hasPrefix("CREATE TABLE") {
            _ = try await connection.execute(statement)
        }
        await connection.close()
        return configuration
    }

    static func drop(_ configuration: MySQLConnectionConfiguration) async {
        _ = await run(packageRoot.appendingPathComponent("scripts/mariadb").path, ["sql", "-e", "DROP DATABASE IF EXISTS \(configuration.database)"])
    }
}

struct SetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a program to its end without blocking a cooperative thread.
func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
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

/// A moto_server of the test's own on a free 127.0.0.1 port (from `.local/venv`,
/// PATH, or `python3 -m moto.server`), stopped after the body.
enum ValidationMoto {
    static func withClient<R>(_ body: (AWSClient, String) async throws -> R) async throws -> R {
        guard let command = findCommand() else { try Test.cancel("moto_server is not installed (scripts/localstack start installs it)") }
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst()) + ["-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer {
            // moto may ignore SIGTERM while it serves: SIGKILL after 5 s.
            if process.isRunning {
                process.terminate()
                for _ in 0..<50 where process.isRunning { usleep(100_000) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while !canConnect(port: port) {
            guard process.isRunning, ContinuousClock.now < deadline else { throw SetupError("moto_server did not start on \(port)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        let endpoint = "http://127.0.0.1:\(port)"
        let configuration = AWSConfiguration(
            region: "us-east-1", credentials: AWSCredentials(accessKeyID: "AKIDVALIDATION", secretAccessKey: "secret"),
            endpoint: AWSEndpoint(url: endpoint)!,
            retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(20), throttlingBaseDelay: .milliseconds(50), maxBackoff: .seconds(1)))
        return try await AWSClient.withClient(configuration) { client in try await body(client, endpoint) }
    }

    static func findCommand() -> [String]? {
        let venv = packageRoot.appendingPathComponent(".local/venv/bin/moto_server").path
        if FileManager.default.isExecutableFile(atPath: venv) { return [venv] }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/moto_server"
            if FileManager.default.isExecutableFile(atPath: candidate) { return [candidate] }
        }
        return nil
    }

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw SetupError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func canConnect(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
