import BillingModel
import DMSStaging
import Foundation
import MigrationCore
import Testing
@testable import Migration

/// How `stage` writes one binlog change as DMS change-file rows.
@Suite struct BinlogFileStagerTests {
    let mapper = try! ItemMapper(mapping: .billing)
    let position = SourcePosition.binlog(fileSequence: 3, position: 900, rowIndex: 1)

    func subscriber(ban: String, number: String) -> SourceRow {
        let columns = Mapping.billing.table("SUBSCRIBER")!.columns
        return columns.map { column in
            switch column.name {
            case "ban": .text(ban)
            case "subscriber_no": .text(number)
            case "sub_status": .text("A")
            default: .null
            }
        }
    }

    func change(_ operation: SourceChange.Operation, _ row: SourceRow, before: SourceRow? = nil) -> SourceChange {
        SourceChange(table: "SUBSCRIBER", operation: operation, row: row, before: before, position: position, origin: .init(source: "test"))
    }

    @Test func insertsUpdatesAndDeletesKeepTheirOperation() throws {
        let row = subscriber(ban: "100", number: "7")
        let sequence = try #require(BinlogChangeSequence.sequence(of: position))
        for (operation, expected) in [(SourceChange.Operation.insert, SourceChange.Operation.insert), (.delete, .delete)] {
            let rows = BinlogFileStager.changeRows(change(operation, row, before: row), itemKeyChanged: false)
            #expect(rows == [DMSChangeRow(operation: expected, row: row, changeSequence: sequence)])
        }
        let updated = subscriber(ban: "100", number: "7")
        let update = change(.update, updated, before: row)
        #expect(!BinlogFileStager.itemKeyChanged(update, mapper: mapper))
        #expect(BinlogFileStager.changeRows(update, itemKeyChanged: false).map(\.operation) == [.update])
    }

    /// A subscriber moved to another account, or given a new number, lands on
    /// another item: the old row is deleted first, then the new one inserted.
    @Test(arguments: [("200", "7"), ("100", "8")])
    func anUpdateThatMovesTheItemIsADeleteThenAnInsert(ban: String, number: String) throws {
        let before = subscriber(ban: "100", number: "7")
        let after = subscriber(ban: ban, number: number)
        let update = change(.update, after, before: before)
        #expect(BinlogFileStager.itemKeyChanged(update, mapper: mapper))
        let rows = BinlogFileStager.changeRows(update, itemKeyChanged: true)
        #expect(rows.map(\.operation) == [.delete, .insert])
        #expect(rows.map(\.row) == [before, after])
        let sequences = rows.compactMap(\.changeSequence)
        #expect(sequences.count == 2 && sequences[0] < sequences[1])
    }

    @Test func changeFileNamesRiseEvenWhenTheClockDoesNot() {
        let now = Date(timeIntervalSince1970: 1_795_000_000.5)
        let first = BinlogFileStager.nextFileName(after: nil, now: now)
        #expect(first.name == "20261118-110640500.csv")
        let sameInstant = BinlogFileStager.nextFileName(after: first.date, now: now)
        let clockBack = BinlogFileStager.nextFileName(after: sameInstant.date, now: now.addingTimeInterval(-5))
        #expect(sameInstant.name == "20261118-110640501.csv")
        #expect(clockBack.name == "20261118-110640502.csv")
    }
}
