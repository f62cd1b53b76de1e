import MigrationCore
import MySQLSource

// What `stream` and `stage` share around their one read loop (`BinlogReader`).

extension MySQLConnectionConfiguration {
    /// The source as summaries and checkpoints name it: its URL without options or secrets.
    public var sourceName: String { "mysql://\(user)@\(host):\(port)/\(database)" }

    /// The source's binlog end now, on a connection of its own; nil when it cannot be read.
    func binlogEnd() async -> BinlogCoordinates? {
        guard let session = try? await MySQLConnection.connect(self, retry: .none) else { return nil }
        let end = try? await session.binlogEnd()
        await session.close()
        return end.flatMap { $0 }
    }
}

extension BinlogStopRule {
    /// The rule for `mode`, with the source's binlog end when `untilCaughtUp` needs it.
    static func starting(_ mode: Mode, source: MySQLConnectionConfiguration) async -> BinlogStopRule {
        var rule = BinlogStopRule(mode: mode)
        if mode == .untilCaughtUp, let end = await source.binlogEnd() {
            rule.sourceEnd(file: end.file, position: end.position)
        }
        return rule
    }
}
