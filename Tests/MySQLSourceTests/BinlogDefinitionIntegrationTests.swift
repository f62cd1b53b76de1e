import BillingModel
import Foundation
import MariaDBTestSupport
import Testing

@testable import MySQLSource

/// On a server with `binlog_row_metadata` at its default (the TABLE_MAP has no
/// names, signedness or labels), rows decode with the definitions read from
/// `information_schema`, come in the order asked for by name, and a DDL on a
/// guarded table stops the stream at its position.
@Suite(.serialized)
struct BinlogDefinitionIntegrationTests {
    @Test func rowsDecodeByNameWithTheSourcesDefinitionsAndDDLStopsTheStream() async throws {
        let configuration = try await MariaDBTestServer.configuration()
        let database = configuration.database
        let table = "DEFN_PROBE_\(UInt32.random(in: 0...UInt32.max))"
        let writer = try await MySQLConnection.connect(configuration)
        let metadata = try await writer.query("SELECT @@global.binlog_row_metadata").rows.first?.first?.text
        try await writer.execute("""
            CREATE TABLE \(database).\(table) (
              id INT UNSIGNED NOT NULL PRIMARY KEY,
              delta BIGINT NULL,
              state ENUM('open','it''s shut','a,b') NOT NULL,
              first_name VARCHAR(20) NULL,
              last_name VARCHAR(20) NULL,
              code VARBINARY(4) NULL
            ) ENGINE=InnoDB
            """)
        let start = try await BinlogScenario.binlogEnd(writer)

        // The mapping lists last_name before first_name: values must follow the names.
        // The stream reads the definitions when it opens, before the writes below.
        let order = ["id", "delta", "state", "last_name", "first_name", "code"]
        let assembler = BinlogChangeAssembler.Configuration(
            database: database, tables: [table], schemaGuardedTables: [table], columnOrder: [table: order])
        let stream = try await MySQLBinlogStream.open(
            configuration, options: BinlogStreamOptions(start: .coordinates(start), assembler: assembler), retry: .none)
        try await writer.execute("""
            INSERT INTO \(database).\(table) VALUES (4294967295, -9223372036854775808, 'it''s shut', 'Ada', 'Lovelace', X'00FF')
            """)
        try await writer.execute("ALTER TABLE \(database).\(table) ADD COLUMN note VARCHAR(5) NULL")
        try await writer.execute("INSERT INTO \(database).\(table) VALUES (1, 1, 'open', 'x', 'y', NULL, 'n')")
        try await writer.execute("DROP TABLE \(database).\(table)")
        await writer.close()

        var changes: [SourceChange] = []
        var stopped: (any Error)?
        let deadline = ContinuousClock.now + .seconds(30)
        do {
            reading: while ContinuousClock.now < deadline {
                guard let items = try await stream.next() else { break }
                for item in items {
                    if case .changes(let batch) = item { changes += batch }
                    if case .heartbeat = item { break reading }
                }
            }
        } catch {
            stopped = error
        }
        await stream.close()

        #expect(metadata?.uppercased() != "FULL", "the test server should run with binlog_row_metadata at its default")
        #expect(changes.count == 1)
        #expect(changes.first?.row == [
            .text("4294967295"), .text("-9223372036854775808"), .text("it's shut"), .text("Lovelace"), .text("Ada"),
            .bytes([0x00, 0xFF]),
        ])
        let message = stopped.map { String(describing: $0) } ?? "no error"
        #expect(message.contains("\(database).\(table) changes its definition at"), "\(message)")
        #expect(message.contains("ALTER TABLE"), "\(message)")
        #expect(message.contains("new mapping and a new snapshot"), "\(message)")
    }
}
