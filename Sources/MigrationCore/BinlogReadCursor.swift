/// Where a binlog reader stands (pure): inside a transaction or between two,
/// how far it has read (the end of its last transaction, or an idle or rotation
/// point between transactions), and whether its stop rule says reading is done.
/// `stream` and `stage` read the binlog the same way and keep their place with it.
public struct BinlogReadCursor: Sendable, Equatable {
    public private(set) var stopRule: BinlogStopRule
    /// How far the reader has read; nil until it knows (a GTID start).
    public private(set) var position: (file: String, position: UInt64)?
    public private(set) var inTransaction = false

    public init(stopRule: BinlogStopRule, position: (file: String, position: UInt64)?) {
        self.stopRule = stopRule
        self.position = position
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.stopRule == rhs.stopRule && lhs.inTransaction == rhs.inTransaction
            && lhs.position?.file == rhs.position?.file && lhs.position?.position == rhs.position?.position
    }

    /// True once the reader may stop: between transactions, at or past the stop rule's target.
    public var readingDone: Bool { !inTransaction && stopRule.readingDone(read: position) }

    /// How a run that stopped because `readingDone` ends.
    public var doneEnding: StreamSummary.Ending {
        stopRule.mode == .untilCaughtUp ? .caughtUp : .stopPositionReached
    }

    /// Row changes arrived: a transaction is open until its commit.
    public mutating func readChanges() {
        inTransaction = true
    }

    /// A transaction ended; the next one starts at `file:position`.
    public mutating func committed(file: String, position: UInt64) {
        inTransaction = false
        self.position = (file, position)
    }

    /// A server heartbeat: everything up to `file:position` has been sent. Between
    /// transactions that is an idle point (the end for `untilCaughtUp`) and how far
    /// the reader has read; returns whether it was one.
    @discardableResult
    public mutating func idle(file: String, position: UInt64) -> Bool {
        guard !inTransaction else { return false }
        stopRule.idle(file: file, position: position)
        advance(to: (file, position))
        return true
    }

    /// A rotation to a new binlog file, between transactions, moves the reader there.
    public mutating func rotated(file: String, position: UInt64) {
        guard !inTransaction, position > 0 else { return }
        advance(to: (file, position))
    }

    /// A new connection reads a transaction that was open from its start again.
    public mutating func reopened() {
        inTransaction = false
    }

    private mutating func advance(to point: (file: String, position: UInt64)) {
        if position.map({ BinlogStopRule.precedes($0, point) }) ?? true { position = point }
    }
}
