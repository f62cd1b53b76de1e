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
