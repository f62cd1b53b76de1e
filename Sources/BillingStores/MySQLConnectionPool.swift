import MySQLSource

/// A bounded pool of MySQL connections: at most `maxConnections` open; a
/// caller waits for a free one. A connection that failed is closed, not reused.
public actor MySQLConnectionPool {
    public let configuration: MySQLConnectionConfiguration
    public let maxConnections: Int
    private var idle: [MySQLConnection] = []
    private var leased = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var closed = false

    public init(configuration: MySQLConnectionConfiguration, maxConnections: Int = 8) {
        self.configuration = configuration
        self.maxConnections = max(1, maxConnections)
    }

    /// Runs `body` on a leased connection's own executor (one hop, no interleaving).
    public nonisolated func withConnection<T: Sendable>(
        _ body: @Sendable (isolated MySQLConnection) throws -> T
    ) async throws -> T {
        let connection = try await lease()
        do {
            let value = try await Self.run(connection, body)
            await giveBack(connection, healthy: true)
            return value
        } catch let error as MySQLError {
            await giveBack(connection, healthy: !error.isConnectionLost && error.code != .connection)
            throw error
        } catch {
            await giveBack(connection, healthy: true)
            throw error
        }
    }

    private static func run<T: Sendable>(
        _ connection: isolated MySQLConnection, _ body: @Sendable (isolated MySQLConnection) throws -> T
    ) throws -> T {
        try body(connection)
    }

    private func lease() async throws -> MySQLConnection {
        while true {
            guard !closed else { throw MySQLError(code: .closed, message: "the connection pool is closed") }
            if let connection = idle.popLast() {
                leased += 1
                return connection
            }
            if leased < maxConnections {
                leased += 1
                do {
                    return try await MySQLConnection.connect(configuration, retry: MySQLRetryPolicy(maxAttempts: 2, initialDelay: .milliseconds(100)))
                } catch {
                    leased -= 1
                    wakeOne()
                    throw error
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    private func giveBack(_ connection: MySQLConnection, healthy: Bool) async {
        leased -= 1
        if healthy && !closed {
            idle.append(connection)
        } else {
            await connection.close()
        }
        wakeOne()
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }

    /// Closes the idle connections; leased ones close when given back.
    public func close() async {
        closed = true
        for connection in idle { await connection.close() }
        idle = []
        for waiter in waiters { waiter.resume() }
        waiters = []
    }
}
