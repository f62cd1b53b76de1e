import Foundation
import MariaDBTestSupport
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A private haproxy (started by `scripts/haproxy`, as the demo does) in front of two
/// static HTTP servers, blue and green, each answering `/` with its colour and
/// `/health/ready` with 200 while it runs. Everything on free 127.0.0.1 ports, in a
/// temporary folder; `withHAProxy` always stops it all.
struct LocalHAProxy {
    let folder: URL
    let frontendPort: Int
    let bluePort: Int
    let greenPort: Int
    var adminSocket: String { folder.appendingPathComponent("haproxy/admin.sock").path }
    private let backends: [String: Process]

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `fronting`: the blue and green ports of services the caller runs (e.g. two
    /// `billmig serve`); without it, two static test servers are started.
    static func withHAProxy<Result>(fronting services: (blue: Int, green: Int)? = nil, _ body: (LocalHAProxy) async throws -> Result) async throws -> Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-haproxy-\(UUID().uuidString.prefix(8))")
        let ports = [try MotoServer.freePort(), try services?.blue ?? MotoServer.freePort(), try services?.green ?? MotoServer.freePort()]
        var backends: [String: Process] = [:]
        var started = false
        let proxy = LocalHAProxy(folder: folder, frontendPort: ports[0], bluePort: ports[1], greenPort: ports[2], backends: [:])
        do {
            if services == nil {
                for (colour, port) in [("blue", ports[1]), ("green", ports[2])] {
                    backends[colour] = try startBackend(colour, port: port, folder: folder)
                }
            }
            try await waitUntil("the blue and green servers accept connections", timeout: .seconds(60)) {
                MotoServer.canConnect(port: ports[1]) && MotoServer.canConnect(port: ports[2])
            }
            try await runScript("start", proxy)
            started = true
            let running = LocalHAProxy(folder: folder, frontendPort: ports[0], bluePort: ports[1], greenPort: ports[2], backends: backends)
            let result = try await body(running)
            try? await runScript("stop", proxy)
            backends.values.forEach { kill($0.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(at: folder)
            return result
        } catch {
            if started { try? await runScript("stop", proxy) }
            backends.values.forEach { kill($0.processIdentifier, SIGKILL) }
            let log = (try? String(contentsOf: folder.appendingPathComponent("haproxy/haproxy.log"), encoding: .utf8)) ?? ""
            if !log.isEmpty { print("haproxy log:\n\(log.suffix(1500))") }
            throw error
        }
    }

    /// Stops one backend, as a crashed service would be (no wait: the test waits
    /// for haproxy's health check to notice, which is the point).
    func stopBackend(_ colour: String) {
        if let pid = backends[colour]?.processIdentifier { kill(pid, SIGKILL) }
    }

    /// One GET through haproxy: the colour that answered.
    func request() async throws -> String {
        let url = URL(string: "http://127.0.0.1:\(frontendPort)/")!
        let (data, response) = try await URLSession.shared.data(from: url)
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            throw Failure(description: "haproxy answered \(response)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func startBackend(_ colour: String, port: Int, folder: URL) throws -> Process {
        let root = folder.appendingPathComponent(colour)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("health"), withIntermediateDirectories: true)
        try Data("\(colour)\n".utf8).write(to: root.appendingPathComponent("index.html"))
        try Data("ready\n".utf8).write(to: root.appendingPathComponent("health/ready"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", root.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// `scripts/haproxy start|stop` for this instance; a failed start fails the test.
    /// Run as MariaDBTestSupport runs its script (output to a file, waitpid polled):
    /// the daemon it starts would otherwise keep Foundation from seeing the exit.
    private static func runScript(_ command: String, _ proxy: LocalHAProxy) async throws {
        let script = MotoTestServer.packageRoot.appendingPathComponent("scripts/haproxy").path
        let (status, output) = await MariaDBTestServer.run(
            "/usr/bin/env",
            [
                "BILLMIG_HAPROXY_DIR=\(proxy.folder.appendingPathComponent("haproxy").path)",
                "BILLMIG_HAPROXY_PORT=\(proxy.frontendPort)",
                "BILLMIG_HAPROXY_BLUE=127.0.0.1:\(proxy.bluePort)",
                "BILLMIG_HAPROXY_GREEN=127.0.0.1:\(proxy.greenPort)",
                script, command,
            ])
        guard status == 0 else {
            throw Failure(description: "scripts/haproxy \(command) failed (\(status)): \(output)")
        }
    }
}

/// Polls `condition` every 50 ms until it holds; throws when `timeout` passes first.
func waitUntil(_ what: String, timeout: Duration = .seconds(15), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw LocalHAProxy.Failure(description: "timed out after \(timeout) waiting until \(what)")
}
