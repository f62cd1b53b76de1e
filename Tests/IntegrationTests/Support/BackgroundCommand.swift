import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A `billmig` process running beside the test, its output in files (no pipe to fill).
final class BackgroundCommand: Sendable {
    let process: Process
    let logBase: URL

    /// With `networkNamespace`, it runs inside that namespace (`ip netns exec`).
    init(_ arguments: [String], environment: [String: String], log: URL, networkNamespace: String? = nil) throws {
        try BillmigCLI.requireBuilt()
        logBase = log
        process = Process()
        if let networkNamespace {
            process.executableURL = URL(fileURLWithPath: NetworkNamespace.ip)
            process.arguments = ["netns", "exec", networkNamespace, BillmigCLI.executable.path] + arguments
        } else {
            process.executableURL = BillmigCLI.executable
            process.arguments = arguments
        }
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        merged.merge(environment) { $1 }
        process.environment = merged
        FileManager.default.createFile(atPath: log.path + ".out", contents: nil)
        FileManager.default.createFile(atPath: log.path + ".err", contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log.path + ".out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log.path + ".err"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    func kill(_ signal: Int32) {
        Glibc.kill(process.processIdentifier, signal)
    }

    /// Waits for the exit without holding a cooperative thread.
    func exitStatus() async -> Int32 {
        let process = self.process
        return await Task.detached {
            process.waitUntilExit()
            return process.terminationStatus
        }.value
    }

    /// The base URL of its Prometheus endpoint (`--metrics-port 0`), once it has announced the port.
    func metricsBase(timeout: Duration = .seconds(30)) async throws -> String {
        var base: String?
        _ = try await waitUntil(timeout: timeout) {
            let text = (try? String(contentsOfFile: logBase.path + ".err", encoding: .utf8)) ?? ""
            guard let range = text.range(of: "Prometheus metrics on port ") else { return false }
            base = "http://127.0.0.1:" + text[range.upperBound...].prefix { $0.isNumber }
            return true
        }
        guard let base else { throw MetricsNotAnnounced(output: output()) }
        return base
    }

    struct MetricsNotAnnounced: Error, CustomStringConvertible {
        var output: String
        var description: String { "no metrics port announced: \(output)" }
    }

    /// Everything it wrote to standard output.
    func stdout() -> String {
        (try? String(contentsOfFile: logBase.path + ".out", encoding: .utf8)) ?? ""
    }

    /// The tail of what it printed, for failure messages.
    func output() -> String {
        let out = (try? String(contentsOfFile: logBase.path + ".out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: logBase.path + ".err", encoding: .utf8)) ?? ""
        return String(out.suffix(1500)) + "\n" + String(err.suffix(1500))
    }
}
