/// Why `stream` cannot start or go on, in words a user can act on.
public struct BinlogStreamError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        private enum Base: Hashable, Sendable { case noStartPosition, heartbeatUnavailable, sourceUnreachable, unreadableState, historyPurged }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Neither a checkpoint, nor a snapshot position, nor an explicit start.
        public static let noStartPosition = Code(.noStartPosition)
        /// `--heartbeat` cannot create or write its table.
        public static let heartbeatUnavailable = Code(.heartbeatUnavailable)
        /// The source stayed unreachable longer than the reconnect tolerance.
        public static let sourceUnreachable = Code(.sourceUnreachable)
        /// A checkpoint or snapshot file exists but cannot be read.
        public static let unreadableState = Code(.unreadableState)
        /// The source no longer has the binlog the run has to read from: the
        /// changes after it are gone, and running again cannot bring them back.
        public static let historyPurged = Code(.historyPurged)
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Whether running the same command again can succeed (not after the
    /// history it needs is gone).
    public var isResumable: Bool { code != .historyPurged }
}
