import BillingModel
import MySQLSource
import Testing

/// Hand-built TABLE_MAP and ROWS events, V1 (MariaDB) and V2 (MySQL 8, with
/// an extra-data block), decoded through `BinlogEventDecoder` and
/// `BinlogChangeAssembler`.
struct BinlogRowsEventTests {
    static let tableID: UInt64 = 0x0102_0304_0506

    /// id BIGINT UNSIGNED, amount DECIMAL(12,4), code CHAR(100) utf8mb4, name VARCHAR(60),
    /// descr VARCHAR(255), notes MEDIUMTEXT, created DATETIME(3), day DATE, small TINYINT, ts TIMESTAMP(3).
    static let columns: [EventBuilder.Column] = [
        .init(type: .longLong, metadata: [], nullable: false),
        .init(type: .newDecimal, metadata: [12, 4], nullable: true),
        .init(type: .string, metadata: [0xEE, 0x90], nullable: true),
        .init(type: .varchar, metadata: [240, 0], nullable: true),
        .init(type: .varchar, metadata: [0xFC, 0x03], nullable: true),
        .init(type: .blob, metadata: [3], nullable: true),
        .init(type: .datetime2, metadata: [3], nullable: true),
        .init(type: .date, metadata: [], nullable: true),
        .init(type: .tiny, metadata: [], nullable: true),
        .init(type: .timestamp2, metadata: [3], nullable: true),
    ]
    static let names = ["id", "amount", "code", "name", "descr", "notes", "created", "day", "small", "ts"]

    static var tableMapEvent: [UInt8] {
        let nameBytes = names.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
        return EventBuilder.event(
            type: .tableMap, nextPosition: 1000,
            body: EventBuilder.tableMapBody(
                tableID: tableID, database: "billing", table: "PROBE", columns: columns,
                optional: [
                    (1, [0b1000_0000]),  // signedness of id, amount, small: only id unsigned
                    (2, EventBuilder.lengthEncoded(255)),  // default charset utf8mb4_0900_ai_ci, no exceptions
                    (4, nameBytes),
                    (8, [0]),  // simple primary key: column 0
                ]))
    }

    static let fullRow: [SourceValue] = [
        .text("42"), .text("-12.3400"), .text("ÄÖÜ€🎉"), .text("Zoë"), .text("x"), .text("line1\nline2"),
        .text("2024-01-15 10:22:31.120"), .text("2024-01-15"), .text("-5"), .null,
    ]

    /// The row above: null bitmap (only ts NULL), then the values.
    static var fullRowBytes: [UInt8] {
        let code = Array("ÄÖÜ€🎉".utf8)
        return [0x00, 0x02]
            + EventBuilder.littleEndian(42, 8)
            + [UInt8](hex: "7ffffff3f2b7")
            + [UInt8(code.count), 0] + code
            + [4] + Array("Zoë".utf8)
            + [1, 0] + Array("x".utf8)
            + [11, 0, 0] + Array("line1\nline2".utf8)
            + [UInt8](hex: "99b25ea59f04b0")
            + [UInt8](hex: "2fd00f")
            + [0xFB]
    }

    /// id 43, everything else NULL.
    static var nullRowBytes: [UInt8] { [0xFE, 0x03] + EventBuilder.littleEndian(43, 8) }
    static let nullRow: [SourceValue] = [.text("43")] + Array(repeating: .null, count: 9)

    static func decodeAll(_ events: [[UInt8]], tables: Set<String>? = nil) throws -> [BinlogStreamItem] {
        var decoder = BinlogEventDecoder()
        var assembler = BinlogChangeAssembler(
            configuration: .init(database: "billing", tables: tables), startFile: "mysql-bin.000007")
        return try events.flatMap { try assembler.consume(try decoder.decode($0)) }
    }

    static func changes(_ items: [BinlogStreamItem]) -> [SourceChange] {
        items.flatMap { item -> [SourceChange] in
            if case .changes(let changes) = item { return changes }
            return []
        }
    }

    @Test func tableMapCarriesTypesMetadataAndOptionalMetadata() throws {
        var decoder = BinlogEventDecoder()
        let event = try decoder.decode(Self.tableMapEvent)
        guard case .tableMap(let map) = event.body else {
            Issue.record("expected a TABLE_MAP, got \(event.body)")
            return
        }
        #expect(map.tableID == Self.tableID)
        #expect(map.qualifiedName == "billing.PROBE")
        #expect(map.columns.map(\.name) == Self.names)
        #expect(map.columns.map(\.isUnsigned) == [true, false, nil, nil, nil, nil, nil, nil, false, nil])
        #expect(map.columns[2].realType == .string)
        #expect(map.columns[2].collation == 255)
        #expect(map.columns[5].collation == 255)
        #expect(map.columns[1].metadata == 12 << 8 | 4)
        #expect(map.columns.map(\.isNullable) == [false] + Array(repeating: true, count: 9))
        #expect(map.primaryKey == [0])
        #expect(event.header.nextPosition == 1000)
    }

    @Test func writeRowsV1AndV2DecodeTheSameRows() throws {
        let present = Array(repeating: true, count: 10)
        let v1 = EventBuilder.event(
            type: .writeRowsV1, nextPosition: 2000,
            body: EventBuilder.rowsBody(
                tableID: Self.tableID, version: 1, columnCount: 10, present: present,
                rows: Self.fullRowBytes + Self.nullRowBytes))
        // V2 with a partition-info extra-data block (type 1, partition 5), which is skipped.
        let v2 = EventBuilder.event(
            type: .writeRowsV2, nextPosition: 3000,
            body: EventBuilder.rowsBody(
                tableID: Self.tableID, version: 2, extraData: [0x01, 0x05, 0x00], columnCount: 10, present: present,
                rows: Self.fullRowBytes + Self.nullRowBytes))
        for event in [v1, v2] {
            let changes = Self.changes(try Self.decodeAll([Self.tableMapEvent, event]))
            #expect(changes.map(\.operation) == [.insert, .insert])
            #expect(changes.map(\.row) == [Self.fullRow, Self.nullRow])
            #expect(changes.allSatisfy { $0.table == "PROBE" && $0.before == nil })
        }
        let positions = Self.changes(try Self.decodeAll([Self.tableMapEvent, v2])).map(\.position)
        #expect(positions == [
            .binlog(fileSequence: 7, position: 3000, rowIndex: 0), .binlog(fileSequence: 7, position: 3000, rowIndex: 1),
        ])
    }

    @Test func updateRowsCarryBeforeAndAfterImagesBackToBack() throws {
        let present = Array(repeating: true, count: 10)
        // After image: amount 12.3400 and ts set, the rest as before.
        let afterBytes = [0x00, 0x00] + EventBuilder.littleEndian(42, 8) + [UInt8](hex: "8000000c0d48")
            + Array(Self.fullRowBytes[16...]) + [UInt8](hex: "7fffffff2706")
        var after = Self.fullRow
        after[1] = .text("12.3400")
        after[9] = .text("2038-01-19 03:14:07.999")
        for (type, version) in [(BinlogEventType.updateRowsV1, 1), (.updateRowsV2, 2)] {
            let event = EventBuilder.event(
                type: type, nextPosition: 4000,
                body: EventBuilder.rowsBody(
                    tableID: Self.tableID, version: version, columnCount: 10, present: present, presentAfter: present,
                    rows: Self.fullRowBytes + afterBytes + Self.nullRowBytes + Self.nullRowBytes))
            let changes = Self.changes(try Self.decodeAll([Self.tableMapEvent, event]))
            #expect(changes.count == 2)
            #expect(changes.first?.operation == .update)
            #expect(changes.first?.before == Self.fullRow)
            #expect(changes.first?.row == after)
            #expect(changes.last?.before == Self.nullRow)
            #expect(changes.last?.row == Self.nullRow)
        }
    }

    @Test func deleteRowsCarryTheBeforeImage() throws {
        let event = EventBuilder.event(
            type: .deleteRowsV2, nextPosition: 5000,
            body: EventBuilder.rowsBody(
                tableID: Self.tableID, version: 2, columnCount: 10, present: Array(repeating: true, count: 10),
                rows: Self.fullRowBytes))
        let changes = Self.changes(try Self.decodeAll([Self.tableMapEvent, event]))
        #expect(changes.map(\.operation) == [.delete])
        #expect(changes.first?.row == Self.fullRow)
    }

    @Test func partialImagesDecodeButDoNotBecomeChanges() throws {
        // binlog_row_image=MINIMAL: before image holds the key only, after image id and small.
        let keyOnly = [true] + Array(repeating: false, count: 9)
        var idAndSmall = keyOnly
        idAndSmall[8] = true
        let rows: [UInt8] = [0x00] + EventBuilder.littleEndian(42, 8) + [0x00] + EventBuilder.littleEndian(42, 8) + [0x07]
        let body = EventBuilder.rowsBody(
            tableID: Self.tableID, version: 2, columnCount: 10, present: keyOnly, presentAfter: idAndSmall, rows: rows)
        var decoder = BinlogEventDecoder()
        guard case .tableMap(let map) = try decoder.decode(Self.tableMapEvent).body,
              case .rows(let rowsEvent) = try decoder.decode(EventBuilder.event(type: .updateRowsV2, nextPosition: 6000, body: body)).body
        else {
            Issue.record("expected TABLE_MAP and rows events")
            return
        }
        let decoded = try rowsEvent.decodeRows(using: map)
        #expect(decoded.count == 1)
        #expect(decoded.first?.before?.values == [.text("42")] + Array(repeating: nil, count: 9))
        #expect(decoded.first?.after?.values[8] == .text("7"))
        #expect(decoded.first?.after?.completeRow == nil)
        #expect(throws: BinlogDecodingError.self) {
            try Self.decodeAll([Self.tableMapEvent, EventBuilder.event(type: .updateRowsV2, nextPosition: 6000, body: body)])
        }
    }

    @Test func unselectedTablesAreSkippedAndUnknownTableIDsAreErrors() throws {
        let rows = EventBuilder.event(
            type: .writeRowsV1, nextPosition: 2000,
            body: EventBuilder.rowsBody(
                tableID: Self.tableID, version: 1, columnCount: 10, present: Array(repeating: true, count: 10),
                rows: Self.nullRowBytes))
        #expect(Self.changes(try Self.decodeAll([Self.tableMapEvent, rows], tables: ["CHARGE"])).isEmpty)
        #expect(throws: BinlogDecodingError.missingTableMap(tableID: Self.tableID)) { try Self.decodeAll([rows]) }
    }

    @Test func transactionBoundariesAndRotation() throws {
        let gtid = EventBuilder.event(
            type: .mariaDBGTID, nextPosition: 900,
            body: EventBuilder.littleEndian(46, 8) + EventBuilder.littleEndian(0, 4) + [0x00])
        let rows = EventBuilder.event(
            type: .writeRowsV1, nextPosition: 2000,
            body: EventBuilder.rowsBody(
                tableID: Self.tableID, version: 1, columnCount: 10, present: Array(repeating: true, count: 10),
                rows: Self.nullRowBytes))
        let xid = EventBuilder.event(type: .xid, nextPosition: 2031, body: EventBuilder.littleEndian(77, 8))
        let rotate = EventBuilder.event(
            type: .rotate, nextPosition: 2075, body: EventBuilder.littleEndian(4, 8) + Array("mysql-bin.000008".utf8))
        let items = try Self.decodeAll([gtid, Self.tableMapEvent, rows, xid, rotate])
        #expect(items.count == 3)
        guard items.count == 3 else { return }
        if case .commit(let resumeAt, let committed) = items[1] {
            #expect(resumeAt == BinlogCoordinates(file: "mysql-bin.000007", position: 2031))
            #expect(committed == MariaDBGTID(domainID: 0, serverID: 1, sequence: 46))
        } else {
            Issue.record("expected a commit, got \(items[1])")
        }
        if case .rotate(let to) = items[2] {
            #expect(to == BinlogCoordinates(file: "mysql-bin.000008", position: 4))
        } else {
            Issue.record("expected a rotate, got \(items[2])")
        }
    }

    @Test func truncatedEventsThrow() throws {
        var decoder = BinlogEventDecoder()
        let event = Self.tableMapEvent
        for length in [0, 10, 19, event.count - 1] {
            var cut = Array(event.prefix(length))
            if length >= 13 {
                // Keep the header's length honest so the body itself is what is short.
                let patched = EventBuilder.littleEndian(UInt64(length), 4)
                cut.replaceSubrange(9..<13, with: patched)
            }
            #expect(throws: BinlogDecodingError.self) { try decoder.decode(cut) }
        }
    }
}
