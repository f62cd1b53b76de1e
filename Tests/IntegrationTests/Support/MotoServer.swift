import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A moto_server process of this test run, on its own 127.0.0.1 port.
/// Found on PATH, in the project's `.local/venv` (where `scripts/localstack` installs it),
/// or as `python3 -m moto.server`.
struct MotoServer {
    struct LaunchError: Error, CustomStringConvertible {
        var description: String
    }

    /// The command line that starts moto's server, or nil when none is installed.
    static let command: [String]? = findCommand()

    let process: Process
    let port: Int
    let logURL: URL

    var endpointURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the server and waits until it accepts connections.
    /// - Parameter environment: added to this process's environment for the server.
    static func start(environment extra: [String: String], timeout: Duration = .seconds(60)) async throws -> MotoServer {
        guard let command = command else {
            throw LaunchError(description: "moto_server is not installed (not on PATH, not in .local/venv, not importable by python3); run scripts/localstack start once to install it")
        }
        var lastError: (any Error)?
        // A freshly found free port can be taken before moto binds it: try a few.
        for _ in 0..<3 {
            let port = try freePort()
            do {
                return try await launch(command: command, port: port, environment: extra, timeout: timeout)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? LaunchError(description: "moto_server did not start")
    }

    private static func launch(command: [String], port: Int, environment extra: [String: String], timeout: Duration) async throws -> MotoServer {
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-moto-\(port)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst()) + ["-H", "127.0.0.1", "-p", String(port)]
        var environment = ProcessInfo.processInfo.environment
        environment.merge(extra) { _, new in new }
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? log.close()
        let server = MotoServer(process: process, port: port, logURL: logURL)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if !process.isRunning {
                throw LaunchError(description: "moto_server exited with \(process.terminationStatus): \(server.logTail())")
            }
            if canConnect(port: port) { return server }
            try await Task.sleep(for: .milliseconds(100))
        }
        server.stop()
        throw LaunchError(description: "moto_server did not accept connections on port \(port) within \(timeout): \(server.logTail())")
    }

    /// Ends the server: SIGTERM, then SIGKILL if it lingers.
    func stop() {
        if process.isRunning {
            process.terminate()
            for _ in 0..<50 where process.isRunning { usleep(100_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: logURL)
    }

    func logTail(_ limit: Int = 2000) -> String {
        let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        return String(text.suffix(limit))
    }

    // MARK: Finding moto

    static func packageRoot() -> URL {
        // Tests/IntegrationTests/Support/MotoServer.swift -> the package folder.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    private static func findCommand() -> [String]? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init)
        func executable(_ name: String) -> String? {
            for directory in directories {
                let candidate = directory + "/" + name
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
            return nil
        }
        if let motoServer = executable("moto_server") { return [motoServer] }
        let venv = packageRoot().appendingPathComponent(".local/venv/bin/moto_server").path
        if FileManager.default.isExecutableFile(atPath: venv) { return [venv] }
        if let python = executable("python3") {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: python)
            probe.arguments = ["-c", "import moto.server, flask"]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            if (try? probe.run()) != nil {
                probe.waitUntilExit()
                if probe.terminationStatus == 0 { return [python, "-m", "moto.server"] }
            }
        }
        return nil
    }

    // MARK: Sockets

    /// A port the kernel says is free on 127.0.0.1 right now.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw LaunchError(description: "socket() failed: \(errno)") }
        defer { close(descriptor) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw LaunchError(description: "bind() failed: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw LaunchError(description: "getsockname() failed: \(errno)") }
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

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
