import BillingModel
import Foundation
import MySQLSource
import Testing

/// Runs transactions against the private MariaDB and checks that the binlog
/// stream returns exactly the changes `SELECT` shows before and after each
/// transaction. With `BILLMIG_CAPTURE_FIXTURES` set to a folder it also
/// records the raw events and the verified changes as a fixture there.
struct BinlogScenario {
    var name: String
    var database = "billing"
    var tables: [String]
    /// Restricts the rows compared to the scenario's own (a SQL condition).
    var rowFilter: String
    /// One transaction per step.
    var steps: [[String]]

    struct Outcome {
        var expected: [[FixtureChange]]
        var streamed: [[SourceChange]]
        var keyIndexes: [String: [Int]]
        var start: BinlogCoordinates
        var end: BinlogCoordinates
    }

    func run(_ configuration: MySQLConnectionConfiguration) async throws -> Outcome {
        let writer = try await MySQLConnection.connect(configuration)
        do {
            let outcome = try await run(configuration, writer: writer)
            await writer.close()
            return outcome
        } catch {
            await writer.close()
            throw error
        }
    }

    private func run(_ configuration: MySQLConnectionConfiguration, writer: MySQLConnection) async throws -> Outcome {

        var keyIndexes: [String: [Int]] = [:]
        var columnLists: [String: [String]] = [:]
        for table in tables {
            let columns = try await writer.tableColumns(database: database, table: table).map(\.name)
            let key = try await writer.primaryKeyColumns(database: database, table: table)
            keyIndexes[table] = key.compactMap { columns.firstIndex(of: $0) }
            columnLists[table] = columns
        }
        func states() async throws -> [String: TableState] {
            var states: [String: TableState] = [:]
            for table in tables {
                let columns = columnLists[table]!.map(PrimaryKeyChunkQuery.identifier).joined(separator: ", ")
                let rows = try await writer.query("SELECT \(columns) FROM \(database).\(table) WHERE \(rowFilter)").rows
                states[table] = TableState(table: table, keyIndexes: keyIndexes[table]!, rows: rows)
            }
            return states
        }

        let start = try await Self.binlogEnd(writer)
        var before = try await states()
        var expected: [[FixtureChange]] = []
        for step in steps {
            try await writer.execute("START TRANSACTION")
            for statement in step { try await writer.execute(statement) }
            try await writer.execute("COMMIT")
            let after = try await states()
            expected.append(tables.flatMap { before[$0]!.changes(to: after[$0]!) })
            before = after
        }
        let end = try await Self.binlogEnd(writer)

        let streamed = try await Self.streamChanges(
            configuration, start: .coordinates(start), until: end, database: database, tables: Set(tables))
        if let folder = ProcessInfo.processInfo.environment["BILLMIG_CAPTURE_FIXTURES"] {
            try await capture(configuration, start: start, end: end, changes: streamed.flatMap { $0 }, folder: folder, writer: writer)
        }
        return Outcome(expected: expected, streamed: streamed, keyIndexes: keyIndexes, start: start, end: end)
    }

    /// Checks the streamed transactions against the `SELECT` oracle.
    static func verify(_ outcome: Outcome, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.streamed.count == outcome.expected.count, "one streamed transaction per step", sourceLocation: sourceLocation)
        for (index, (streamed, expected)) in zip(outcome.streamed, outcome.expected).enumerated() {
            let actual = sortedForComparison(normalised(streamed, keyIndexes: outcome.keyIndexes))
            let wanted = sortedForComparison(expected)
            #expect(actual.count == wanted.count, "step \(index + 1): change count", sourceLocation: sourceLocation)
            for (got, want) in zip(actual, wanted) where got != want {
                Issue.record("step \(index + 1): \(difference(got, want))", sourceLocation: sourceLocation)
            }
        }
    }

    /// The columns where a streamed change and the oracle's differ, briefly.
    static func difference(_ got: FixtureChange, _ want: FixtureChange) -> String {
        func brief(_ value: FixtureValue?) -> String {
            switch value?.value {
            case nil: return "absent"
            case .null?: return "NULL"
            case .text(let text)?: return text.count > 60 ? "\"\(text.prefix(60))...\" (\(text.count) chars)" : "\"\(text)\""
            case .bytes(let bytes)?: return "0x" + Hex.encode(Array(bytes.prefix(32))) + (bytes.count > 32 ? "... (\(bytes.count) bytes)" : "")
            }
        }
        var lines = ["\(got.table) \(got.operation) vs SELECT's \(want.table) \(want.operation)"]
        for (label, a, b) in [("row", got.row, want.row), ("before", got.before ?? [], want.before ?? [])] {
            for index in 0..<max(a.count, b.count) {
                let x = index < a.count ? a[index] : nil, y = index < b.count ? b[index] : nil
                if x != y { lines.append("  \(label)[\(index)]: streamed \(brief(x)), SELECT \(brief(y))") }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The server's current binlog end (`SHOW MASTER STATUS`).
    static func binlogEnd(_ connection: MySQLConnection) async throws -> BinlogCoordinates {
        guard let end = try await connection.binlogEnd() else {
            throw FixtureError(message: "SHOW MASTER STATUS returned nothing; is log_bin on?")
        }
        return end
    }

    /// Streams from `start` until the stream has passed `end`; changes grouped by transaction.
    static func streamChanges(
        _ configuration: MySQLConnectionConfiguration, start: BinlogStart, until end: BinlogCoordinates,
        database: String, tables: Set<String>
    ) async throws -> [[SourceChange]] {
        try await streamTransactions(configuration, start: start, until: end, database: database, tables: tables)
            .map(\.changes)
    }

    struct StreamedTransaction {
        var changes: [SourceChange]
        var resumeAt: BinlogCoordinates
        var gtid: MariaDBGTID?
    }

    /// Streams from `start` until the stream has passed `end`: the transactions
    /// with changes of `tables`, with the commit positions after them.
    static func streamTransactions(
        _ configuration: MySQLConnectionConfiguration, start: BinlogStart, until end: BinlogCoordinates,
        database: String, tables: Set<String>
    ) async throws -> [StreamedTransaction] {
        let stream = try await MySQLBinlogStream.open(
            configuration, options: BinlogStreamOptions(start: start, assembler: .init(database: database, tables: tables)))
        var transactions: [StreamedTransaction] = []
        var current: [SourceChange] = []
        let deadline = ContinuousClock.now + .seconds(60)
        do {
            while ContinuousClock.now < deadline {
                guard let items = try await stream.next() else { break }
                for item in items {
                    switch item {
                    case .changes(let changes):
                        current += changes
                    case .commit(let resumeAt, let gtid):
                        if !current.isEmpty { transactions.append(StreamedTransaction(changes: current, resumeAt: resumeAt, gtid: gtid)) }
                        current = []
                    default:
                        break
                    }
                }
                if let position = await stream.position, position >= end { break }
            }
        } catch {
            await stream.close()
            throw error
        }
        await stream.close()
        #expect(current.isEmpty, "every streamed change belongs to a committed transaction")
        return transactions
    }

    private func capture(
        _ configuration: MySQLConnectionConfiguration, start: BinlogCoordinates, end: BinlogCoordinates,
        changes: [SourceChange], folder: String, writer: MySQLConnection
    ) async throws {
        let stream = try await MySQLBinlogStream.open(
            configuration, options: BinlogStreamOptions(start: .coordinates(start), assembler: .init(database: database)))
        var events: [String] = []
        while let bytes = try await stream.nextRawEvent() {
            events.append(Hex.encode(bytes))
            if let position = await stream.position, position >= end { break }
        }
        await stream.close()
        let version = try await writer.query("SELECT VERSION(), @@global.binlog_checksum").rows.first
        let fixture = EventFixture(
            description: "Scenario \(name): events from \(start) to \(end), captured from the local MariaDB by "
                + "BinlogStreamIntegrationTests; changes as verified against SELECT at capture time.",
            server: version?[0].text ?? "?", checksum: version?[1].text ?? "NONE",
            events: events, changes: changes.map(FixtureChange.init))
        try fixture.write(to: folder, name: "mariadb-\(name)")
    }
}
