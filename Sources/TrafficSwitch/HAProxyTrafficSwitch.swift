import CutoverCore
import NIOCore
import NIOPosix

/// HAProxy's runtime API over its admin socket (`stats socket … level admin`): one
/// command per connection, the answer read to the end (HAProxy closes it).
public struct HAProxyAdminSocket: Sendable {
    public var path: String
    public var timeout: Duration

    public init(path: String, timeout: Duration = .seconds(5)) {
        self.path = path
        self.timeout = timeout
    }

    /// Sends one command and returns HAProxy's whole answer.
    public func send(_ command: String) async throws -> String {
        do {
            return try await withThrowingTaskGroup(of: String.self) { group in
                group.addTask { try await exchange(command) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw TrafficSwitchError.unreachable("no answer to `\(command)` on \(path) within \(timeout)")
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch let error as TrafficSwitchError {
            throw error
        } catch {
            throw TrafficSwitchError.unreachable("\(path): \(error)")
        }
    }

    private func exchange(_ command: String) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: path) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: command + "\n"))
            var answer = ByteBuffer()
            for try await var chunk in inbound {
                answer.writeBuffer(&chunk)
            }
            return String(buffer: answer)
        }
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
