import BillingModel
import BillingService
import Foundation
import SampleData
import Testing

@Suite struct ModelTests {
    @Test func decimalsAreExactAndCompareByValue() throws {
        let a = try #require(BillingDecimal("24000.00"))
        let b = try #require(BillingDecimal("2.4E4"))
        #expect(a == b)
        #expect(BillingDecimal("12.3O") == nil)
        #expect(DecimalText.fitted("12.5", precision: 12, scale: 2) == "12.50")
        #expect(DecimalText.fitted("12.345", precision: 12, scale: 2) == nil)
        #expect(DecimalText.fitted("12345678901", precision: 12, scale: 2) == nil)
        #expect(DecimalText.fitted("-0.0001", precision: 12, scale: 4) == "-0.0001")
    }

    @Test func timestampBytesAreTheISO8601Text() {
        // Leap days, both sides of the epoch, years 0 and 9999, then years outside
        // 0...9999 (the text's own fallback form), and a stride through the years between.
        let day: Int64 = 86_400_000
        var epochs: [Int64] = [0, -1, 1, 951_782_400_000, 951_868_799_999, 4_107_542_400_000, -62_167_219_200_000, 253_402_300_799_999]
        epochs += [-62_167_219_200_001, 253_402_300_800_000]
        let step = 997 * Int(day) + 12_345_678  // an Int64 strides by Int
        epochs += Array(stride(from: epochs[6], to: epochs[7], by: step))
        for epoch in epochs {
            let timestamp = BillingTimestamp(epochMilliseconds: epoch)
            #expect(timestamp.withISO8601Bytes { String(decoding: $0, as: UTF8.self) } == timestamp.iso8601, "\(epoch)")
        }
    }

    @Test func decimalsTravelAsJSONStrings() throws {
        let data = try JSONEncoder().encode([try #require(BillingDecimal("0.10"))])
        #expect(String(decoding: data, as: UTF8.self) == "[\"0.10\"]")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([BillingDecimal].self, from: Data("[0.1]".utf8)) }
    }

    @Test func datesAndTimestamps() throws {
        #expect(BillingDate("2024-02-30") == nil)
        #expect(BillingDate("2024-02-29")?.text == "2024-02-29")
        let time = try #require(BillingTimestamp(sql: "2024-01-15 10:22:31.120"))
        #expect(time.iso8601 == "2024-01-15T10:22:31.120Z")
        #expect(time.sql == "2024-01-15 10:22:31.120")
        #expect(BillingTimestamp(iso8601: time.iso8601) == time)
    }

    /// Every generated row of every table reads into its model and back to the same row.
    @Test func everyTableRoundTripsThroughItsModel() throws {
        let data = SampleDataSet(SampleDataConfiguration(seed: 7, accounts: 3))
        var counted = 0
        for table in SampleTable.allCases {
            for row in data.rows(of: table) {
                let record = try BillingRecord(table: table.name, row: row)
                #expect(record.table == table.name)
                let fitted = try RowFitting.billing.fitted(table: table.name, row: record.row)
                #expect(ItemDecoder(mapping: .billing).differingColumns(table: table.name, expected: row, actual: fitted).isEmpty)
                counted += 1
            }
        }
        #expect(counted > 100)
    }

    @Test func recordsEncodeWithTheirEntityAndNullsLeftOut() throws {
        let data = SampleDataSet(SampleDataConfiguration(seed: 7, accounts: 1))
        let row = try #require(data.rows(of: .charge).first { $0[3] == .null })
        let record = try BillingRecord(table: "CHARGE", row: row)
        let json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(record)) as? [String: Any]
        #expect(json?["entity"] as? String == "CHARGE")
        #expect(json?["subscriber_no"] == nil)
        #expect(json?["amount"] is String)
        let back = try JSONDecoder().decode(BillingRecord.self, from: try JSONEncoder().encode(record))
        #expect(back == record)
    }

    @Test func rowFittingRejectsTooLongText() throws {
        let data = SampleDataSet(SampleDataConfiguration(seed: 7, accounts: 1))
        var row = try #require(data.rows(of: .subscriber).first { _ in true })
        row[5] = .text("PLAN-TOO-LONG")
        #expect(throws: BillingModelError.self) { try RowFitting.billing.fitted(table: "SUBSCRIBER", row: row) }
    }
}

@Suite struct CursorAndOrderTests {
    let codec = PageCursorCodec(secret: Array("test-secret".utf8))
    let query = BillingQuery.account(ban: 42)

    @Test func aCursorRoundTrips() throws {
        let position = PagePosition(indexSortKey: nil, pk: "BAN#42", sk: "BILL#0000000003")
        let cursor = codec.encode(position, for: query)
        #expect(try codec.decode(cursor, for: query) == position)
    }

    @Test func aTamperedCursorIsRefused() throws {
        let cursor = codec.encode(PagePosition(indexSortKey: nil, pk: "BAN#42", sk: "ACCOUNT"), for: query)
        var bytes = Array(cursor.utf8)
        bytes[3] = bytes[3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: BillingModelError.self) { try codec.decode(String(decoding: bytes, as: UTF8.self), for: query) }
        #expect(throws: BillingModelError.self) {
            try PageCursorCodec(secret: Array("other".utf8)).decode(cursor, for: query)
        }
    }

    @Test func aCursorOfAnotherQueryIsRefused() throws {
        let cursor = codec.encode(PagePosition(indexSortKey: nil, pk: "BAN#42", sk: "ACCOUNT"), for: query)
        #expect(throws: BillingModelError.self) { try codec.decode(cursor, for: .account(ban: 43)) }
    }

    let every: [BillingQuery] = {
        let (d1, d2, d3) = (BillingDate("2024-01-01")!, BillingDate("2024-02-01")!, BillingDate("2024-03-01")!)
        return [
            .account(ban: 42), .account(ban: 43), .accountEntity(ban: 42, sortKey: "ACCOUNT"), .subscriber(subscriberNo: "42"),
            .subscriber(subscriberNo: "4"), .subscriberCharges(subscriberNo: "42", from: d1, to: d2),
            .cycleBills(cycleCode: "42", from: d1, to: d2), .featureCharges(featureCode: "42", from: d1, to: d2),
            .featureCharges(featureCode: "42", from: d1, to: d3), .featureCharges(featureCode: "42", from: d2, to: d3),
        ]
    }()

    func refused(_ cursor: String, for query: BillingQuery? = nil) -> Bool {
        do {
            _ = try codec.decode(cursor, for: query ?? self.query)
            return false
        } catch {
            return true
        }
    }

    @Test func cursorsRoundTripEveryShapeOfPositionAndQuery() throws {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        // Every payload length modulo 3, with and without an index sort key, and
        // fields of 128 bytes and more (two-byte lengths), multi-byte UTF-8 among them.
        var positions = (0..<12).map { PagePosition(indexSortKey: nil, pk: "BAN#" + String(repeating: "9", count: $0), sk: "ACCOUNT") }
        positions += (0..<12).map { PagePosition(indexSortKey: "2024-01-0\($0 % 9 + 1)", pk: "BAN#\($0)", sk: "BILL#\($0)") }
        positions.append(PagePosition(indexSortKey: String(repeating: "é", count: 200), pk: "", sk: String(repeating: "x", count: 1024)))
        for query in every {
            for position in positions {
                let cursor = codec.encode(position, for: query)
                #expect(cursor.allSatisfy { alphabet.contains($0) }, "\(cursor)")
                #expect(try codec.decode(cursor, for: query) == position)
            }
        }
    }

    @Test func aCursorIsValidOnlyWithItsOwnQuery() throws {
        let position = PagePosition(indexSortKey: "2024-01-15", pk: "BAN#42", sk: "BILL#0000000003")
        for issued in every {
            let cursor = codec.encode(position, for: issued)
            for other in every where other != issued {
                #expect(refused(cursor, for: other), "\(issued) -> \(other)")
            }
        }
    }

    @Test func everyTruncationAndChangedSymbolIsRefused() throws {
        let cursor = codec.encode(PagePosition(indexSortKey: nil, pk: "BAN#42", sk: "BILL#0000000003"), for: query)
        let symbols = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=.% é")
        let characters = Array(cursor)
        for length in 0..<characters.count {
            #expect(refused(String(characters[..<length])), "first \(length)")
            #expect(refused(String(characters[(characters.count - length)...])), "last \(length)")
        }
        // A changed symbol changes the bytes, or (in the last symbol's unused low
        // bits) only the text: both are refused, so each cursor has one text.
        for index in characters.indices {
            for symbol in symbols where symbol != characters[index] {
                var changed = characters
                changed[index] = symbol
                #expect(refused(String(changed)), "\(index): \(symbol)")
            }
        }
        for suffix in ["A", "AA", "=", "==", ".", "\n"] {
            #expect(refused(cursor + suffix), "\(suffix)")
        }
    }

    @Test func garbledCursorsAreRefused() {
        let issuedByTheJSONForm = "eyJwIjp7InBrIjoiQkFOIzQyIiwic2siOiJBQ0NPVU5UIn0sInEiOiJhY2NvdW50In0.c2lnbmF0dXJl"
        for garbled in ["", "A", "AA", "AAAA", ".", "forged.cursor", issuedByTheJSONForm, String(repeating: "A", count: 64), String(repeating: "A", count: 100_000)] {
            #expect(refused(garbled), "\(garbled.prefix(40))")
        }
    }

    @Test func positionsOrderAsUTF8BytesIndexKeyFirst() {
        let a = PagePosition(indexSortKey: "2024-01-01", pk: "BAN#9", sk: "BILL#1")
        let b = PagePosition(indexSortKey: "2024-01-01", pk: "BAN#10", sk: "BILL#1")
        let c = PagePosition(indexSortKey: "2024-01-02", pk: "BAN#1", sk: "BILL#1")
        #expect(b < a)  // "BAN#10" < "BAN#9" as bytes, as DynamoDB orders keys
        #expect(a < c)
        #expect([c, a, b].sorted() == [b, a, c])
    }

    @Test func cutKeepsLimitAndPointsAfterTheLast() {
        let records = (0..<5).map { i in
            PositionedRecord(
                position: PagePosition(indexSortKey: nil, pk: "BAN#1", sk: "SK\(i)"),
                record: .account(
                    BillingAccount(
                        ban: 1, accountType: "I", accountSubType: "R", banStatus: "O", statusDate: BillingDate("2024-01-01")!,
                        billCycle: "C05", currency: "USD", startServiceDate: BillingDate("2024-01-01")!,
                        createdAt: BillingTimestamp(epochMilliseconds: 0), updatedAt: BillingTimestamp(epochMilliseconds: 0))))
        }
        let page = StorePage.cut(records, limit: 3)
        #expect(page.records.count == 3)
        #expect(page.next?.sk == "SK2")
        #expect(StorePage.cut(Array(records.prefix(3)), limit: 3).next == nil)
    }
}

@Suite struct VersionTests {
    @Test func applicationVersionsSortAfterEveryReplicatedPosition() {
        let app = ApplicationVersion(epoch: 0, clock: 1).orderingKey
        for position in [
            SourcePosition.fullLoad(file: "x", line: 1), .binlog(fileSequence: 999_999, position: 1 << 40, rowIndex: 9),
            .changeSequence("99999999999999999999999999999999999"), .changeFile(name: "20991231-235959999", line: 9),
        ] {
            #expect(position.orderingKey < app)
        }
        #expect(ApplicationVersion(epoch: 1, clock: 0) > ApplicationVersion(epoch: 0, clock: .max))
    }

    @Test func applicationVersionsAreItemVersionsOfTheApplicationClock() {
        let version = ApplicationVersion(epoch: 1, clock: 1_800_000_000_000_123)
        #expect(version.orderingKey == ItemVersion(epoch: SwitchEpoch(1), position: .applicationClock(1_800_000_000_000_123)).orderingKey)
        #expect(version.orderingKey == "V0000000001A00001800000000000123")
        #expect(ApplicationVersion(orderingKey: version.orderingKey) == version)
        #expect(ItemVersion.epoch(ofOrderingKey: version.orderingKey) == SwitchEpoch(1))
        // Replicated positions, of any epoch, are not application writes.
        #expect(ApplicationVersion(orderingKey: "B000000000300000000000000004567000002") == nil)
        #expect(ApplicationVersion(orderingKey: ItemVersion(epoch: SwitchEpoch(2), position: .source(.binlog(fileSequence: 3, position: 9, rowIndex: 0))).orderingKey) == nil)
        #expect(ApplicationVersion(orderingKey: "V0000000001A0000000000000000000000x") == nil)
    }

    /// The lost write issue 12 names: after a rollback (epoch 2, MySQL primary again),
    /// a MySQL update of an item the service last wrote in epoch 1 must win, and a
    /// binlog change from before the rollback position must not.
    @Test func aServiceWriteOfEpochOneLosesToAMySQLChangeOfEpochTwo() {
        var history = SwitchEpochHistory()
        history.switchToDynamoDB()
        let serviceWrite = ApplicationVersion(epoch: 1, clock: 1_800_000_000_000_000).orderingKey
        let rollbackAt = SourcePosition.binlog(fileSequence: 4, position: 10_000, rowIndex: 0)
        history.switchToMySQL(resumingAt: rollbackAt)
        let after = history.version(ofMySQLChangeAt: .binlog(fileSequence: 4, position: 10_200, rowIndex: 0)).orderingKey
        let before = history.version(ofMySQLChangeAt: .binlog(fileSequence: 4, position: 9_800, rowIndex: 3)).orderingKey
        #expect(ItemVersion.isOlder(serviceWrite, than: after))
        #expect(ItemVersion.isOlder(before, than: serviceWrite))
        // The service's next write in a later DynamoDB epoch wins over epoch 2's changes again.
        history.switchToDynamoDB()
        #expect(ItemVersion.isOlder(after, than: ApplicationVersion(epoch: 3, clock: 1).after(existing: after).orderingKey))
    }

    @Test func aWriteMovesTheItemsVersionForwardWhateverTheClock() {
        let existing = ApplicationVersion(epoch: 2, clock: 500).orderingKey
        let next = ApplicationVersion(epoch: 2, clock: 100).after(existing: existing)
        #expect(next.clock == 501)
        #expect(ApplicationVersion(orderingKey: next.orderingKey) == next)
        #expect(ApplicationVersion(epoch: 2, clock: 900).after(existing: existing).clock == 900)
    }
}
