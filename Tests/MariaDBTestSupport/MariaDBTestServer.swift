import Foundation
import MySQLSource
import Testing

/// The private MariaDB the integration tests run against.
///
/// With `BILLMIG_MYSQL_URL` set, that server is used as it is (it must have
/// the `billing` database and a user with the grants `scripts/mariadb` gives).
/// Otherwise `scripts/mariadb start` starts the project's private instance,
/// installing MariaDB first where it can (root with apt). When neither works
/// the tests fail with the reason (`RequiredServer`).
public enum MariaDBTestServer {
    /// The repository (this file is Tests/MariaDBTestSupport/MariaDBTestServer.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static let startup = StartupGate()

    /// A configuration for the `billing` database, or the test fails with why there is none.
    public static func configuration() async throws -> MySQLConnectionConfiguration {
        switch await startup.result() {
        case .success(let configuration):
            return configuration
        case .failure(let reason):
            try RequiredServer.unavailable("MariaDB", reason: reason.message)
        }
    }

    public struct Unavailable: Error {
        public var message: String
    }

    private actor StartupGate {
        private var outcome: Result<MySQLConnectionConfiguration, Unavailable>?

        func result() async -> Result<MySQLConnectionConfiguration, Unavailable> {
            if let outcome { return outcome }
            var outcome = await MariaDBTestServer.start()
            if case .success(let configuration) = outcome {
                // Reachable and the credentials work, or the tests fail with why.
                do {
                    let connection = try await MySQLConnection.connect(configuration, retry: .none)
                    await connection.close()
                } catch {
                    outcome = .failure(Unavailable(message: "\(error)"))
                }
            }
            self.outcome = outcome
            return outcome
        }
    }

    private static func start() async -> Result<MySQLConnectionConfiguration, Unavailable> {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment["BILLMIG_MYSQL_URL"] {
            do {
                return .success(try MySQLConnectionConfiguration(url: url))
            } catch {
                return .failure(Unavailable(message: "BILLMIG_MYSQL_URL is not usable: \(error)"))
            }
        }
        let script = packageRoot.appendingPathComponent("scripts/mariadb").path
        guard FileManager.default.isExecutableFile(atPath: script) else {
            return .failure(Unavailable(message: "\(script) not found"))
        }
        let (status, output) = await run(script, ["start"])
        guard status == 0 else {
            return .failure(Unavailable(message: "scripts/mariadb start failed (\(status)): \(output.suffix(600))"))
        }
        let port = environment["BILLMIG_MYSQL_PORT"] ?? "3307"
        do {
            // Short read timeouts: a server that stops answering fails a test
            // instead of hanging the run (binlog streams use their own, shorter one).
            return .success(try MySQLConnectionConfiguration(
                url: "mysql://billmig@127.0.0.1:\(port)/billing?read-timeout=30&connect-timeout=5",
                password: .literal(.init(environment["BILLMIG_MYSQL_PASSWORD"] ?? "billmig"))))
        } catch {
            return .failure(Unavailable(message: "\(error)"))
        }
    }

    /// Runs SQL as the private instance's root (over its socket, `scripts/mariadb sql`),
    /// for what the test user may not do: users, grants, global settings.
    @discardableResult
    public static func rootSQL(_ sql: String, database: String? = nil) async -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-root-\(UUID().uuidString).sql")
        do {
            try sql.write(to: file, atomically: true, encoding: .utf8)
        } catch {
            return (-1, "\(error)")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let script = packageRoot.appendingPathComponent("scripts/mariadb").path
        let quotedScript = "'" + script.replacingOccurrences(of: "'", with: "'\\''") + "'"
        return await run("/bin/sh", ["-c", "\(quotedScript) sql \(database ?? "") < '\(file.path)'"])
    }

    /// Runs a program to its end without blocking a cooperative thread.
    public static func run(_ executable: String, _ arguments: [String]) async -> (status: Int32, output: String) {
        // Output goes to a file, not a pipe: the script starts mariadbd, which
        // inherits the pipe's write end and would keep it open (no end of file) forever.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-script-\(UInt32.random(in: 0...UInt32.max)).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil),
            let handle = try? FileHandle(forWritingTo: log)
        else { return (-1, "cannot create \(log.path)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return (-1, "\(error)")
        }
        // Polled with waitpid rather than a termination handler, which was seen
        // never to fire here; bounded, so a stuck script fails instead of hanging.
        let pid = process.processIdentifier
        let deadline = ContinuousClock.now + .seconds(180)
        var status: Int32 = -1
        while ContinuousClock.now < deadline {
            var raw: Int32 = 0
            let reaped = waitpid(pid, &raw, WNOHANG)
            if reaped == pid {
                status = (raw >> 8) & 0xFF
                break
            }
            if reaped == -1 {
                // Foundation reaped it first.
                status = process.isRunning ? 0 : process.terminationStatus
                break
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        if ContinuousClock.now >= deadline {
            process.terminate()
        }
        try? handle.close()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: log)
        return (status, output)
    }
}
