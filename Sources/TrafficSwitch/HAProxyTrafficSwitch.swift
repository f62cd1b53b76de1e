import CutoverCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// HAProxy's runtime API over its admin socket (`stats socket … level admin`): one
/// command per connection, the answer read to the end (HAProxy closes it).
///
/// Plain blocking socket calls bounded by send/receive timeouts: an admin command
/// is a few hundred bytes on a local socket, and a timeout that the kernel enforces
/// cannot be lost the way a cancelled task can.
public struct HAProxyAdminSocket: Sendable {
    public var path: String
    public var timeout: Duration

    public init(path: String, timeout: Duration = .seconds(5)) {
        self.path = path
        self.timeout = timeout
    }

    /// Sends one command and returns HAProxy's whole answer.
    public func send(_ command: String) async throws -> String {
        let path = self.path
        let timeout = self.timeout
        return try await Task.detached { try Self.exchange(command, path: path, timeout: timeout) }.value
    }

    private static func exchange(_ command: String, path: String, timeout: Duration) throws -> String {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TrafficSwitchError.unreachable("socket(): errno \(errno)") }
        defer { close(descriptor) }
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { throw TrafficSwitchError.unreachable("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: pathBytes)
            buffer[pathBytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            throw TrafficSwitchError.unreachable("\(path): \(String(cString: strerror(errno)))")
        }
        let request = Array((command + "\n").utf8)
        var sent = 0
        while sent < request.count {
            let written = request[sent...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { throw TrafficSwitchError.unreachable("\(path): sending `\(command)`: \(String(cString: strerror(errno)))") }
            sent += written
        }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            guard count > 0 else {
                throw TrafficSwitchError.unreachable("no complete answer to `\(command)` on \(path) within \(timeout): \(String(cString: strerror(errno)))")
            }
            answer += chunk[0..<count]
        }
        return String(decoding: answer, as: UTF8.self)
    }
}

/// `TrafficSwitch` for one HAProxy backend with a `blue` and a `green` server
/// (the names `scripts/haproxy` uses). Weights are HAProxy server weights (0...256).
public struct HAProxyTrafficSwitch: TrafficSwitch {
    public var socket: HAProxyAdminSocket
    public var backend: String
    public var blueServer: String
    public var greenServer: String

    public init(socket: HAProxyAdminSocket, backend: String = "billing", blueServer: String = "blue", greenServer: String = "green") {
        self.socket = socket
        self.backend = backend
        self.blueServer = blueServer
        self.greenServer = greenServer
    }

    /// Green first when it gains traffic, blue first when blue does: the moment
    /// between the two commands never leaves both at 0.
    public func setWeights(_ weights: TrafficWeights) async throws {
        for weight in [weights.blue, weights.green] where !(0...256).contains(weight) {
            throw TrafficSwitchError.weightOutOfRange(weight)
        }
        let current = try await self.weights()
        let order: [(String, Int)] =
            weights.green >= current.green
            ? [(greenServer, weights.green), (blueServer, weights.blue)]
            : [(blueServer, weights.blue), (greenServer, weights.green)]
        for (server, weight) in order {
            let command = "set server \(backend)/\(server) weight \(weight)"
            let answer = try await socket.send(command)
            // Success is an empty answer; anything else is HAProxy's reason.
            guard answer.allSatisfy(\.isWhitespace) else { throw TrafficSwitchError.refused(command: command, answer: answer) }
        }
    }

    public func weights() async throws -> TrafficWeights {
        TrafficWeights(blue: try await weight(of: blueServer), green: try await weight(of: greenServer))
    }

    /// `get weight b/s` answers `12 (initial 1)`.
    private func weight(of server: String) async throws -> Int {
        let command = "get weight \(backend)/\(server)"
        let answer = try await socket.send(command)
        guard let first = answer.split(separator: " ").first, let weight = Int(first) else {
            throw TrafficSwitchError.refused(command: command, answer: answer)
        }
        return weight
    }

    public func status() async throws -> TrafficStatus {
        let table = try HAProxyStats(csv: try await socket.send("show stat"))
        func backendStatus(_ server: String) throws -> BackendStatus {
            guard let row = table.row(proxy: backend, server: server) else {
                throw TrafficSwitchError.unexpectedAnswer("`show stat` has no server \(backend)/\(server)")
            }
            let state = row["status"] ?? ""
            return BackendStatus(
                healthyTargets: state.hasPrefix("UP") ? 1 : 0, totalTargets: 1, states: [state],
                responses: ["hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other"].reduce(0) { $0 + (Int(row[$1] ?? "") ?? 0) },
                serverErrors: Int(row["hrsp_5xx"] ?? "") ?? 0)
        }
        return TrafficStatus(blue: try backendStatus(blueServer), green: try backendStatus(greenServer))
    }
}

/// `show stat`'s CSV: a `# `-prefixed header line, then one line per proxy/server.
public struct HAProxyStats: Sendable {
    public let rows: [[String: String]]

    public init(csv: String) throws {
        var lines = csv.split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first, header.hasPrefix("# ") else {
            throw TrafficSwitchError.unexpectedAnswer("`show stat` has no `# pxname,…` header: \(csv.prefix(200))")
        }
        lines.removeFirst()
        let names = header.dropFirst(2).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        rows = lines.map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            var row: [String: String] = [:]
            for (name, value) in zip(names, fields) where !name.isEmpty { row[name] = value }
            return row
        }
    }

    public func row(proxy: String, server: String) -> [String: String]? {
        rows.first { $0["pxname"] == proxy && $0["svname"] == server }
    }
}
