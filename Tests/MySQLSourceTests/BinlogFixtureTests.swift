import BillingModel
import MySQLSource
import Testing

/// Real events captured from the local MariaDB 10.11 (see `EventFixture`),
/// decoded without a server.
struct BinlogFixtureTests {
    static func decode(_ fixture: EventFixture, tables: Set<String>? = nil) throws -> [BinlogStreamItem] {
        var decoder = BinlogEventDecoder(checksum: fixture.checksum == "CRC32" ? .crc32 : .none)
        var assembler = BinlogChangeAssembler(configuration: .init(database: "billing", tables: tables))
        return try fixture.eventBytes.flatMap { try assembler.consume(try decoder.decode($0)) }
    }

    static func changes(_ items: [BinlogStreamItem]) -> [SourceChange] {
        items.flatMap { item -> [SourceChange] in
            if case .changes(let changes) = item { return changes }
            return []
        }
    }

    @Test(arguments: ["mariadb-contract-tables", "mariadb-type-probe"])
    func capturedEventsDecodeToTheVerifiedChanges(name: String) throws {
        let fixture = try EventFixture.load(name)
        let items = try Self.decode(fixture)
        let changes = Self.changes(items)
        #expect(changes.count == fixture.changes.count)
        for (index, (got, want)) in zip(changes.map(FixtureChange.init), fixture.changes).enumerated() where got != want {
            Issue.record("\(name) change \(index): \(BinlogScenario.difference(got, want))")
        }
        let keys = changes.map(\.position.orderingKey)
        #expect(keys == keys.sorted() && Set(keys).count == keys.count, "positions strictly increase")

        // Three transactions, each ending in a commit with its GTID and a resume position after it.
        let commits = items.compactMap { item -> (BinlogCoordinates, MariaDBGTID?)? in
            if case .commit(let resumeAt, let gtid) = item { return (resumeAt, gtid) }
            return nil
        }
        #expect(commits.count == 3)
        #expect(commits.allSatisfy { $0.1 != nil })
        #expect(commits.map(\.0) == commits.map(\.0).sorted())
        #expect(commits.map { $0.1?.sequence ?? 0 } == commits.map { $0.1?.sequence ?? 0 }.sorted())
    }

    @Test func tableSelectionKeepsOnlyTheChosenTables() throws {
        let fixture = try EventFixture.load("mariadb-contract-tables")
        let charges = Self.changes(try Self.decode(fixture, tables: ["CHARGE"]))
        #expect(!charges.isEmpty)
        #expect(charges.allSatisfy { $0.table == "CHARGE" })
        #expect(charges.count == fixture.changes.filter { $0.table == "CHARGE" }.count)
    }

    @Test func aCorruptedByteFailsTheChecksum() throws {
        let fixture = try EventFixture.load("mariadb-contract-tables")
        var events = try fixture.eventBytes
        let rowsIndex = try #require(events.firstIndex { $0.count > 4 && $0[4] == BinlogEventType.writeRowsV1.rawValue })
        events[rowsIndex][events[rowsIndex].count - 10] ^= 0x01
        var decoder = BinlogEventDecoder(checksum: .crc32)
        var sawMismatch = false
        for event in events {
            do {
                _ = try decoder.decode(event)
            } catch {
                if case .checksumMismatch = error { sawMismatch = true }
            }
        }
        #expect(sawMismatch)
    }

    @Test func theFormatDescriptionIsMariaDBsWithCRC32() throws {
        let fixture = try EventFixture.load("mariadb-type-probe")
        var decoder = BinlogEventDecoder(checksum: .crc32)
        for event in try fixture.eventBytes {
            _ = try decoder.decode(event)
        }
        let format = try #require(decoder.formatDescription)
        #expect(format.isMariaDB)
        #expect(format.binlogVersion == 4)
        #expect(format.checksum == .crc32)
        #expect(format.headerLength == 19)
    }
}
