import BillingModel
import Foundation
import MigrationCore
import Testing

@Suite struct LoadSelectionTests {
    func refusal(entities: [String] = [], since: String? = nil, until: String? = nil) -> String? {
        do {
            _ = try LoadSelection(entities: entities, since: since, until: until, mapping: .billing)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func entitiesAreTablesOfTheMappingInItsOrder() throws {
        let selection = try LoadSelection(entities: ["charge", "BILL", "CHARGE"], since: nil, until: nil, mapping: .billing)
        #expect(selection.tables == ["BILL", "CHARGE"])
        #expect(selection.dates == nil)
        #expect(selection.includes("CHARGE") && !selection.includes("CUSTOMER"))
        #expect(
            refusal(entities: ["CHARGES"])
                == "--entity CHARGES: the mapping has no such entity; it has BILLING_ACCOUNT, CUSTOMER, SUBSCRIBER, SERVICE_AGREEMENT, BILL, CHARGE")
        // No --entity: every table.
        #expect(try LoadSelection(entities: [], since: nil, until: nil, mapping: .billing).tables.count == 6)
    }

    @Test func aRangeIsTwoDaysInOrderOverTablesWithADateColumn() throws {
        let march = try LoadSelection(entities: ["CHARGE"], since: "2024-03-01", until: "2024-03-31", mapping: .billing)
        #expect(march.dates?.since == "2024-03-01" && march.dates?.until == "2024-03-31")
        #expect(try LoadSelection(entities: ["CHARGE"], since: "2024-03-01", until: nil, mapping: .billing).dates?.until == nil)
        #expect(refusal(entities: ["CHARGE"], since: "2024-3-1") == "--since 2024-3-1: not a date; write YYYY-MM-DD (e.g. 2024-03-01)")
        #expect(refusal(entities: ["CHARGE"], until: "2024-02-30")?.hasPrefix("--until 2024-02-30: not a date") == true)
        #expect(
            refusal(entities: ["CHARGE"], since: "2024-04-01", until: "2024-03-31")
                == "--since 2024-04-01 is after --until 2024-03-31: both ends are included, so the range is empty")
        #expect(
            refusal(entities: ["CHARGE", "CUSTOMER"], since: "2024-03-01")
                == "--since/--until select rows by a table's date column, and CUSTOMER has none (`dateColumn` in the mapping file): "
                + "choose among SERVICE_AGREEMENT, BILL, CHARGE with --entity, or leave the range out")
        // Without --entity a range covers every table, and three have no date.
        #expect(refusal(until: "2024-03-31")?.contains("BILLING_ACCOUNT, CUSTOMER, SUBSCRIBER have none") == true)
    }

    @Test func theNameTellsSelectionsApartAndKeepsARerunInItsState() throws {
        func name(_ entities: [String], _ since: String?, _ until: String?) throws -> String {
            try LoadSelection(entities: entities, since: since, until: until, mapping: .billing).stateFolder
        }
        #expect(try name(["CHARGE"], "2024-03-01", "2024-03-31") == "backfill/CHARGE_2024-03-01..2024-03-31/")
        #expect(try name(["CHARGE", "BILL"], nil, nil) == "backfill/BILL+CHARGE_all-dates/")
        #expect(try name(["BILL", "CHARGE"], nil, nil) == name(["charge", "bill"], nil, nil))
        let names = try [
            name(["CHARGE"], "2024-03-01", "2024-03-31"), name(["CHARGE"], "2024-03-01", nil), name(["CHARGE"], nil, "2024-03-31"),
            name(["CHARGE"], nil, nil), name(["BILL", "CHARGE"], "2024-03-01", "2024-03-31"), name(["CHARGE"], "2024-04-01", "2024-04-30"),
        ]
        #expect(Set(names).count == names.count)
        #expect(try LoadSelection(entities: ["CHARGE"], since: "2024-03-01", until: "2024-03-31", mapping: .billing).description
            == "CHARGE dated 2024-03-01..2024-03-31")
    }

    @Test func theDayAfterUntilEndsTheRangeForSQL() throws {
        func after(_ until: String) throws -> String? {
            try LoadSelection(entities: ["CHARGE"], since: nil, until: until, mapping: .billing).dates?.dayAfterUntil
        }
        #expect(try after("2024-03-31") == "2024-04-01")
        #expect(try after("2024-02-28") == "2024-02-29")
        #expect(try after("2023-02-28") == "2023-03-01")
        #expect(try after("2024-12-31") == "2025-01-01")
        #expect(try LoadSelection(entities: ["CHARGE"], since: "2024-01-01", until: nil, mapping: .billing).dates?.dayAfterUntil == nil)
    }

    @Test func theFilterKeepsRowsDatedInTheRangeEndsIncluded() throws {
        let charge = try #require(Mapping.billing.table("CHARGE"))
        let selection = try LoadSelection(entities: ["CHARGE"], since: "2024-03-01", until: "2024-03-31", mapping: .billing)
        let filter = try #require(selection.dateFilter(for: charge))
        #expect(filter.column == "charge_creation_date" && filter.columnIndex == 5)
        func row(_ date: SourceValue) -> SourceRow {
            var row = SourceRow(repeating: .text("1"), count: charge.columns.count)
            row[5] = date
            return row
        }
        #expect(filter.admits(row(.text("2024-03-01"))))
        #expect(filter.admits(row(.text("2024-03-31"))))
        #expect(filter.admits(row(.text("2024-03-31 23:59:59.999"))), "a DATETIME's day counts")
        #expect(!filter.admits(row(.text("2024-02-29"))))
        #expect(!filter.admits(row(.text("2024-04-01"))))
        #expect(!filter.admits(row(.null)), "a row without a date is in no range")
        #expect(filter.admits(row(.text("yesterday"))), "not a date: the mapper dead-letters it")
        // No range, or a table without a date column: no filter.
        #expect(try LoadSelection(entities: ["CHARGE"], since: nil, until: nil, mapping: .billing).dateFilter(for: charge) == nil)
        #expect(selection.dateFilter(for: try #require(Mapping.billing.table("CUSTOMER"))) == nil)
    }

    @Test func backfillVersionsSortBetweenWhatTheyReplaceAndWhatTheyMustNot() {
        let fullLoad = SourcePosition.fullLoad(file: "f", line: 1).orderingKey
        let earlier = BackfillVersion.staged(startedAtMilliseconds: 1_700_000_000_000)
        let later = BackfillVersion.staged(startedAtMilliseconds: 1_700_000_000_001)
        let repair = "1"
        let changes = [
            SourcePosition.binlog(fileSequence: 1, position: 4, rowIndex: 0).orderingKey,
            SourcePosition.changeSequence("1").orderingKey,
            SourcePosition.changeFile(name: "20240301-000000000", line: 1).orderingKey,
            ItemVersion(epoch: SwitchEpoch(1), position: .applicationClock(1)).orderingKey,
        ]
        // A staged re-load replaces the full load and older re-loads, never a repair or a change.
        #expect(ItemVersion.isOlder(fullLoad, than: earlier))
        #expect(ItemVersion.isOlder(earlier, than: later))
        #expect(ItemVersion.isOlder(later, than: repair))
        for change in changes { #expect(ItemVersion.isOlder(later, than: change)) }
        // A snapshot's rows replace the changes before its position, not those after.
        let snapshot = BackfillVersion.snapshot(at: .binlog(fileSequence: 3, position: 1_000, rowIndex: 0))
        #expect(ItemVersion.isOlder(fullLoad, than: snapshot))
        #expect(ItemVersion.isOlder(SourcePosition.binlog(fileSequence: 3, position: 999, rowIndex: 7).orderingKey, than: snapshot))
        #expect(ItemVersion.isOlder(snapshot, than: SourcePosition.binlog(fileSequence: 3, position: 1_001, rowIndex: 0).orderingKey))
        #expect(ItemVersion.isOlder(snapshot, than: SourcePosition.binlog(fileSequence: 4, position: 4, rowIndex: 0).orderingKey))
    }

    @Test func skippedRowsAreAccountedForAndLeftOutOfOldJSON() throws {
        var counts = EntityCounts(rowsRead: 10, itemsWritten: 5, deadLettered: 1, skippedOutOfRange: 3, keptNewer: 1)
        #expect(counts.unaccounted == 0)
        counts += EntityCounts(rowsRead: 1)
        #expect(counts.unaccounted == 1)
        let plain = String(decoding: try JSONEncoder().encode(EntityCounts(rowsRead: 2, itemsWritten: 2)), as: UTF8.self)
        #expect(!plain.contains("skipped") && !plain.contains("kept"))
        #expect(try JSONDecoder().decode(EntityCounts.self, from: Data(#"{"rowsRead":2,"itemsWritten":1,"deadLettered":1}"#.utf8))
            == EntityCounts(rowsRead: 2, itemsWritten: 1, deadLettered: 1))
        #expect(try JSONDecoder().decode(EntityCounts.self, from: try JSONEncoder().encode(counts)) == counts)

        var ledger = FileLoadLedger()
        let unit = ledger.open(upTo: 4, counts: EntityCounts(rowsRead: 4, skippedOutOfRange: 1), deadLetters: [])
        ledger.close(unit, written: 2, keptNewer: 1, writeFailures: [])
        #expect(ledger.doneCounts == EntityCounts(rowsRead: 4, itemsWritten: 2, skippedOutOfRange: 1, keptNewer: 1))
        #expect(ledger.doneCounts.unaccounted == 0)
    }
}
