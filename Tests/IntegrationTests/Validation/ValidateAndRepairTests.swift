import AWSCore
import BillingModel
import DynamoDB
import DynamoDBModel
import Foundation
import Migration
import MySQLSource
import Testing
import Validation
import ValidationCore

@Suite("validate and repair against MariaDB and moto_server")
struct ValidateAndRepairTests {
    func validator(_ fixture: MigratedFixture, scope: ValidationConfiguration.Scope = .full) throws -> Validator {
        // Small ranges, so that a full run spreads the table over several range files.
        var configuration = ValidationConfiguration(
            table: fixture.table, scope: scope, concurrency: 3, scanSegments: 3,
            sourceDescription: fixture.source.description)
        configuration.accountsPerRange = 2
        return try Validator(configuration: configuration, source: fixture.source, dynamoDB: fixture.dynamoDB)
    }

    func repairer(_ fixture: MigratedFixture) -> Repairer {
        Repairer(
            table: fixture.table, source: fixture.source, dynamoDB: fixture.dynamoDB,
            target: DynamoDBWriteTarget(aws: fixture.client, tableName: fixture.table))
    }

    struct Found: Hashable, CustomStringConvertible {
        var kind: MismatchKind
        var pk: String
        var sk: String
        var description: String { "\(kind.rawValue) \(pk) / \(sk)" }
    }

    func found(_ report: ValidationReport) -> Set<Found> {
        Set(report.mismatches.map { Found(kind: $0.kind, pk: $0.pk, sk: $0.sk) })
    }

    @Test func aCleanMigrationValidatesCleanAndRecordsTheRun() async throws {
        try await MigratedFixture.with { fixture in
            let report = try await validator(fixture).run()
            #expect(report.isClean, "\(report.mismatches.prefix(5))")
            #expect(report.totals.rows > 100)
            #expect(report.totals.rows == report.totals.items)
            #expect(report.totals.matched == report.totals.rows)
            #expect(Set(report.entities.keys) == Set(Mapping.billing.tables.map(\.table)))
            let record = try await fixture.item(ValidationRunRecord.key(run: report.run))
            #expect(record?["Status"] == .s("PASSED"))
            #expect(record?["RowsChecked"] == .n(String(report.totals.rows)))
            // The run record is not data: a second run stays clean.
            #expect(try await validator(fixture).run().isClean)
        }
    }

    @Test func eachCorruptionIsReportedExactlyAndRepairFixesThemAll() async throws {
        try await MigratedFixture.with { fixture in
            var expected: Set<Found> = []
            let first = try await fixture.items(ofAccount: fixture.accounts[0])
            let second = try await fixture.items(ofAccount: fixture.accounts[1])
            let third = try await fixture.items(ofAccount: fixture.accounts[2])

            // An item deleted.
            let bill = try #require(first.first { $0.entity == "BILL" })
            try await fixture.delete(bill.key)
            expected.insert(Found(kind: .missing, pk: bill.key.pk, sk: bill.key.sk))

            // An attribute changed.
            var customer = try #require(first.first { $0.entity == "CUSTOMER" })
            customer["city"] = .s("Elsewhere")
            try await fixture.put(customer)
            expected.insert(Found(kind: .different, pk: customer.key.pk, sk: customer.key.sk))

            // A decimal changed in its last digit.
            var charge = try #require(first.first { $0.entity == "CHARGE" })
            let amount = try #require(charge["amount"]?.numberValue)
            charge["amount"] = .n(String(amount.dropLast()) + (amount.last == "9" ? "8" : "9"))
            try await fixture.put(charge)
            expected.insert(Found(kind: .different, pk: charge.key.pk, sk: charge.key.sk))

            // A NULL column turned into an empty string.
            let nullable = Mapping.billing.table("CUSTOMER")!.columns.filter(\.isNullable).map(\.attributeName)
            var withNull = try #require(second.first { item in item.entity == "CUSTOMER" })
            let absent = try #require(nullable.first { withNull[$0] == nil })
            withNull[absent] = .s("")
            try await fixture.put(withNull)
            expected.insert(Found(kind: .different, pk: withNull.key.pk, sk: withNull.key.sk))

            // An extra item: a charge no source row has.
            var extra = try #require(second.first { $0.entity == "CHARGE" })
            extra["SK"] = .s("CHARGE#00088888888888888888#X1")
            extra["charge_seq"] = .n("88888888888888888")
            extra["activity_num"] = .s("X1")
            try await fixture.put(extra)
            expected.insert(Found(kind: .extra, pk: extra.key.pk, sk: extra.key.sk))

            // A GSI key that no longer matches its attributes.
            var agreement = try #require(second.first { $0.entity == "SERVICE_AGREEMENT" })
            agreement["GSI1SK"] = .s("SA#WRONG")
            try await fixture.put(agreement)
            expected.insert(Found(kind: .gsiKeyMismatch, pk: agreement.key.pk, sk: agreement.key.sk))

            // Charges (and every other child) whose account item is gone.
            let account = try #require(third.first { $0.entity == "BILLING_ACCOUNT" })
            try await fixture.delete(account.key)
            expected.insert(Found(kind: .missing, pk: account.key.pk, sk: account.key.sk))
            for child in third where child.entity != "BILLING_ACCOUNT" {
                expected.insert(Found(kind: .orphan, pk: child.key.pk, sk: child.key.sk))
            }
            #expect(third.contains { $0.entity == "CHARGE" })

            let report = try await validator(fixture).run()
            #expect(found(report) == expected, "unexpected: \(found(report).subtracting(expected)); not found: \(expected.subtracting(found(report)))")
            #expect(report.mismatchCount == expected.count)
            let decimal = report.mismatches.first { $0.pk == charge.key.pk && $0.sk == charge.key.sk }
            #expect(decimal?.differences.map(\.attribute) == ["amount"])
            #expect(decimal?.differences.first?.expected?.value == amount)
            let empty = report.mismatches.first { $0.pk == withNull.key.pk && $0.sk == withNull.key.sk }
            #expect(empty?.differences == [AttributeDifference(attribute: absent, expected: nil, actual: ReportedValue(type: "S", value: ""))])
            #expect(report.entities["CHARGE"]?.orphans == third.filter { $0.entity == "CHARGE" }.count)
            #expect(report.isAlert)
            let record = try await fixture.item(ValidationRunRecord.key(run: report.run))
            #expect(record?["Status"] == .s("FAILED"))
            #expect(record?["Missing"] == .n("2"))

            // The same accounts by Query find the same.
            let byAccount = try await validator(fixture, scope: .accounts(Array(fixture.accounts.prefix(3)))).run()
            #expect(found(byAccount) == expected)

            // The report survives its JSON file, and repair fixes everything.
            let decoded = try JSONDecoder().decode(ValidationReport.self, from: JSONEncoder().encode(report))
            let summary = try await repairer(fixture).run(report: decoded)
            #expect(summary.failures.isEmpty)
            #expect(summary.rewritten == 6)  // two missing, three different, one GSI key
            #expect(summary.tombstoned == 1)
            #expect(summary.leftAlone == third.count - 1)
            let after = try await validator(fixture).run()
            #expect(after.isClean, "\(after.mismatches.prefix(5))")
            #expect(after.itemsNotData >= 2)  // the tombstone and the run records
        }
    }

    @Test func repairNeverOverwritesANewerChange() async throws {
        try await MigratedFixture.with { fixture in
            let items = try await fixture.items(ofAccount: fixture.accounts[4])
            var subscriber = try #require(items.first { $0.entity == "SUBSCRIBER" })
            subscriber["price_plan"] = .s("STALE")
            try await fixture.put(subscriber)
            let report = try await validator(fixture, scope: .accounts([fixture.accounts[4]])).run()
            #expect(found(report) == [Found(kind: .different, pk: subscriber.key.pk, sk: subscriber.key.sk)])

            // Meanwhile the stream applies a change far in the future of the source.
            var newer = subscriber
            newer["price_plan"] = .s("NEWER")
            newer["SourceVersion"] = .s(SourcePosition.binlog(fileSequence: 999_999, position: 1, rowIndex: 0).orderingKey)
            try await fixture.put(newer)
            let summary = try await repairer(fixture).run(report: report)
            #expect(summary.skippedNewer == 1)
            #expect(summary.rewritten == 0)
            #expect(try await fixture.item(subscriber.key)?["price_plan"] == .s("NEWER"))
        }
    }

    @Test func aSampleAndAnEntityFilterCompareTheirShare() async throws {
        try await MigratedFixture.with { fixture in
            let all = try await validator(fixture, scope: .sample(share: 1, seed: 3)).run()
            #expect(all.isClean)
            #expect(all.accountsChecked == fixture.accounts.count)
            let half = try await validator(fixture, scope: .sample(share: 0.5, seed: 3)).run()
            #expect(half.accountsChecked! < fixture.accounts.count)
            #expect(half.totals.rows < all.totals.rows)

            var configuration = try validator(fixture).configuration
            configuration.entities = ["BILL"]
            let bills = try await Validator(configuration: configuration, source: fixture.source, dynamoDB: fixture.dynamoDB).run()
            #expect(Set(bills.entities.keys) == ["BILL"])
            #expect(bills.totals.rows == all.entities["BILL"]?.rows)
            #expect(bills.isClean)
        }
    }
}
