import BillingModel
#if canImport(Glibc)
import Glibc
#endif
import Testing

@testable import SampleData

/// All rows of a small data set, by table.
private func collect(_ dataSet: SampleDataSet) -> [SampleTable: [SourceRow]] {
    var all: [SampleTable: [SourceRow]] = [:]
    for table in SampleTable.allCases {
        all[table] = Array(dataSet.rows(of: table))
    }
    return all
}

private func column(_ table: SampleTable, _ name: String) -> Int {
    table.index(of: name)!
}

private func text(_ row: SourceRow, _ table: SampleTable, _ name: String) -> String? {
    row[column(table, name)].text
}

@Suite("Sample data generation")
struct SampleDataTests {
    @Test("the same seed gives the same rows; another seed gives other rows")
    func determinism() {
        let configuration = SampleDataConfiguration(seed: 42, accounts: 12, badRows: 7)
        let first = collect(SampleDataSet(configuration))
        let second = collect(SampleDataSet(configuration))
        for table in SampleTable.allCases {
            #expect(first[table]! == second[table]!, "\(table) differs between runs")
        }
        let other = collect(SampleDataSet(SampleDataConfiguration(seed: 43, accounts: 12, badRows: 7)))
        #expect(first[.charge]! != other[.charge]!)
        #expect(first[.customer]! != other[.customer]!)
    }

    @Test("one table's rows do not depend on generating the others first")
    func tablesAreIndependent() {
        let dataSet = SampleDataSet(SampleDataConfiguration(seed: 5, accounts: 4))
        let chargesFirst = Array(dataSet.rows(of: .charge))
        _ = collect(dataSet)
        #expect(Array(dataSet.rows(of: .charge)) == chargesFirst)
    }

    @Test("row counts known up front match the rows generated")
    func countsUpFront() {
        let dataSet = SampleDataSet(SampleDataConfiguration(seed: 7, accounts: 25, badRows: 9))
        let rows = collect(dataSet)
        for table in SampleTable.allCases {
            #expect(dataSet.rowCounts[table] == rows[table]!.count, "\(table)")
        }
        #expect(dataSet.totalRowCount == rows.values.reduce(0) { $0 + $1.count })
        #expect(dataSet.rowCounts[.billingAccount] == 25 + dataSet.badRows.filter { $0.table == .billingAccount }.count)
        #expect(dataSet.goodRowCount(.bill) == 25 * 12)
    }

    @Test("good rows have the contract's shape: column counts, NOT NULL columns, text forms")
    func rowShapes() {
        let dataSet = SampleDataSet(SampleDataConfiguration(seed: 11, accounts: 30))
        let rows = collect(dataSet)
        let notNull: [SampleTable: Set<String>] = [
            .billingAccount: ["ban", "account_type", "account_sub_type", "ban_status", "status_date", "bill_cycle", "currency", "start_service_date", "created_at", "updated_at"],
            .customer: ["customer_id", "ban", "customer_type", "address_line1", "city", "postal_code", "country_code", "created_at", "updated_at"],
            .subscriber: ["subscriber_no", "ban", "sub_status", "sub_status_date", "product_type", "price_plan", "created_at", "updated_at"],
            .serviceAgreement: ["ban", "subscriber_no", "soc", "service_type", "effective_date", "monthly_rate", "created_at", "updated_at"],
            .bill: Set(SampleTable.bill.columns),
            .charge: ["ban", "charge_seq", "activity_num", "feature_code", "charge_creation_date", "amount", "tax_amount", "created_at", "updated_at"],
        ]
        let dates: [SampleTable: [String]] = [
            .billingAccount: ["status_date", "start_service_date"], .customer: ["birth_date"],
            .subscriber: ["sub_status_date", "init_activation_date"], .serviceAgreement: ["effective_date", "expiration_date"],
            .bill: ["cycle_close_date", "bill_date", "due_date"], .charge: ["charge_creation_date"],
        ]
        let decimals: [SampleTable: [(String, Int)]] = [
            .billingAccount: [("credit_limit", 2)], .serviceAgreement: [("monthly_rate", 2)],
            .bill: [("previous_balance", 2), ("payments", 2), ("total_charges", 2), ("total_taxes", 2), ("amount_due", 2)],
            .charge: [("amount", 4), ("tax_amount", 4)],
        ]
        for table in SampleTable.allCases {
            for row in rows[table]! {
                #expect(row.count == table.columns.count)
                for name in notNull[table]! {
                    #expect(!row[column(table, name)].isNull, "\(table).\(name) is NULL")
                }
                for name in dates[table, default: []] {
                    if let value = text(row, table, name) { #expect(isDate(value), "\(table).\(name) = \(value)") }
                }
                for (name, scale) in decimals[table, default: []] {
                    if let value = text(row, table, name) {
                        #expect(isDecimal(value, scale: scale), "\(table).\(name) = \(value)")
                    }
                }
                for name in ["created_at", "updated_at"] {
                    let value = text(row, table, name)!
                    #expect(isDateTime3(value), "\(table).\(name) = \(value)")
                }
                #expect(text(row, table, "created_at")! <= text(row, table, "updated_at")!)
            }
        }
    }

    @Test("foreign keys hold: subscribers, agreements, bills and charges point to their account")
    func foreignKeys() {
        let dataSet = SampleDataSet(SampleDataConfiguration(seed: 99, accounts: 40))
        let rows = collect(dataSet)
        let bans = Set(rows[.billingAccount]!.map { text($0, .billingAccount, "ban")! })
        #expect(bans.count == 40)

        let customerBans = rows[.customer]!.map { text($0, .customer, "ban")! }
        #expect(Set(customerBans) == bans && customerBans.count == 40, "one customer per account")
        #expect(Set(rows[.customer]!.map { text($0, .customer, "customer_id")! }).count == 40)

        var subscribersOf: [String: Set<String>] = [:]
        var planOf: [String: String] = [:]
        for row in rows[.subscriber]! {
            let ban = text(row, .subscriber, "ban")!
            #expect(bans.contains(ban))
            let number = text(row, .subscriber, "subscriber_no")!
            #expect(planOf[number] == nil, "subscriber_no \(number) is unique")
            subscribersOf[ban, default: []].insert(number)
            planOf[number] = text(row, .subscriber, "price_plan")!
        }
        for ban in bans {
            #expect((1...5).contains(subscribersOf[ban]?.count ?? 0), "1-5 subscribers for \(ban)")
        }

        var agreements: [String: [SourceRow]] = [:]
        var agreementKeys = Set<String>()
        for row in rows[.serviceAgreement]! {
            let ban = text(row, .serviceAgreement, "ban")!
            let number = text(row, .serviceAgreement, "subscriber_no")!
            #expect(subscribersOf[ban]?.contains(number) == true, "SA points to a subscriber of its account")
            agreements[number, default: []].append(row)
            #expect(agreementKeys.insert(ban + "|" + number + "|" + text(row, .serviceAgreement, "soc")!).inserted)
        }
        for (number, list) in agreements {
            #expect((2...4).contains(list.count), "2-4 agreements for \(number)")
            let plans = list.filter { text($0, .serviceAgreement, "service_type") == "P" }
            #expect(plans.count == 1, "exactly one price plan for \(number)")
            #expect(text(plans[0], .serviceAgreement, "soc") == planOf[number], "the P agreement is the subscriber's plan")
        }

        var billsOf: [String: [Int]] = [:]
        for row in rows[.bill]! {
            billsOf[text(row, .bill, "ban")!, default: []].append(Int(text(row, .bill, "bill_seq_number")!)!)
        }
        #expect(Set(billsOf.keys) == bans)
        for (ban, numbers) in billsOf {
            #expect(numbers == Array(1...12), "bills 1...12 of \(ban)")
        }

        var chargeKeys = Set<String>()
        for row in rows[.charge]! {
            let ban = text(row, .charge, "ban")!
            #expect(bans.contains(ban))
            if let number = text(row, .charge, "subscriber_no") {
                #expect(subscribersOf[ban]!.contains(number), "charge points to a subscriber of its own account")
            }
            if let bill = text(row, .charge, "bill_seq_number") {
                #expect(billsOf[ban]!.contains(Int(bill)!), "charge points to an existing bill")
            }
            let key = ban + "|" + text(row, .charge, "charge_seq")! + "|" + text(row, .charge, "activity_num")!
            #expect(chargeKeys.insert(key).inserted, "charge key \(key) is unique")
        }
    }

    @Test("bill totals are the sums of their charges; balances carry over")
    func billTotals() {
        let dataSet = SampleDataSet(SampleDataConfiguration(seed: 3, accounts: 8))
        let rows = collect(dataSet)
        var sums: [String: (charges: Int64, taxes: Int64)] = [:]
        for row in rows[.charge]! {
            guard let bill = text(row, .charge, "bill_seq_number") else { continue }
            let key = text(row, .charge, "ban")! + "|" + bill
            let amount = units(text(row, .charge, "amount")!, scale: 4)
            let tax = units(text(row, .charge, "tax_amount")!, scale: 4)
            sums[key, default: (0, 0)].charges += amount
            sums[key, default: (0, 0)].taxes += tax
        }
        var previousDue: [String: Int64] = [:]
        for row in rows[.bill]! {
            let ban = text(row, .bill, "ban")!
            let key = ban + "|" + text(row, .bill, "bill_seq_number")!
            let sum = sums[key] ?? (0, 0)
            #expect(units(text(row, .bill, "total_charges")!, scale: 2) == roundHalfAway(sum.charges, 100))
            #expect(units(text(row, .bill, "total_taxes")!, scale: 2) == roundHalfAway(sum.taxes, 100))
            let previous = units(text(row, .bill, "previous_balance")!, scale: 2)
            if let due = previousDue[ban] { #expect(previous == due) }
            let amountDue =
                previous - units(text(row, .bill, "payments")!, scale: 2) + units(text(row, .bill, "total_charges")!, scale: 2)
                + units(text(row, .bill, "total_taxes")!, scale: 2)
            #expect(units(text(row, .bill, "amount_due")!, scale: 2) == amountDue)
            previousDue[ban] = amountDue
            #expect(text(row, .bill, "cycle_close_date")! < text(row, .bill, "bill_date")!)
            #expect(text(row, .bill, "bill_date")! < text(row, .bill, "due_date")!)
        }
    }

    @Test("charges are realistic: VOICE and DATA dominate, ROAM is rare, credits negative, account-level and unbilled charges exist")
    func chargeDistribution() {
        let dataSet = SampleDataSet(SampleDataConfiguration(seed: 2024, accounts: 60))
        let charges = Array(dataSet.rows(of: .charge))
        var byFeature: [String: Int] = [:]
        for row in charges { byFeature[text(row, .charge, "feature_code")!, default: 0] += 1 }
        let ranked = byFeature.sorted { $0.value > $1.value }.map(\.key)
        #expect(Set(ranked.prefix(2)) == ["VOICE", "DATA"])
        let roam = Double(byFeature["ROAM", default: 0]) / Double(charges.count)
        #expect(roam > 0 && roam < 0.03, "ROAM share \(roam)")
        #expect(byFeature.count >= 7)
        for row in charges {
            let amount = text(row, .charge, "amount")!
            #expect(amount.hasPrefix("-") == (text(row, .charge, "feature_code") == "CREDIT"))
        }
        #expect(charges.contains { $0[column(.charge, "subscriber_no")].isNull }, "account-level charges")
        #expect(charges.contains { $0[column(.charge, "bill_seq_number")].isNull }, "unbilled charges")
        let perBill = Double(charges.filter { !$0[column(.charge, "bill_seq_number")].isNull }.count) / Double(60 * 12)
        #expect(perBill >= 10 && perBill <= 40, "tens of charges per bill: \(perBill)")
    }

    @Test("free text carries commas, quotes, newlines, non-ASCII, emoji; NULL and empty string both occur")
    func freeText() {
        let rows = collect(SampleDataSet(SampleDataConfiguration(seed: 8, accounts: 80)))
        let descriptions = rows[.charge]!.map { $0[column(.charge, "description")] }
        let notes = rows[.customer]!.map { $0[column(.customer, "notes")] }
        let texts = (descriptions + notes).compactMap(\.text)
        #expect(texts.contains { $0.contains(",") })
        #expect(texts.contains { $0.contains("\"") })
        #expect(texts.contains { $0.contains("\n") })
        #expect(texts.contains { $0.contains("\r\n") })
        #expect(texts.contains { $0.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF } }, "CJK")
        #expect(texts.contains { $0.unicodeScalars.contains { $0.value >= 0x1F300 } }, "emoji")
        #expect(texts.contains { $0.contains("é") || $0.contains("ü") }, "accents")
        #expect(descriptions.contains(.null) && descriptions.contains(.text("")))
        let line2 = rows[.customer]!.map { $0[column(.customer, "address_line2")] }
        #expect(line2.contains(.null) && line2.contains(.text("")))
        let firstNames = rows[.customer]!.compactMap { text($0, .customer, "first_name") }
        #expect(firstNames.contains { $0.hasSuffix(" ") }, "trailing spaces are data")
        #expect(rows[.customer]!.contains { $0[column(.customer, "state_code")].isNull })
        #expect(rows[.billingAccount]!.contains { $0[column(.billingAccount, "credit_limit")].isNull })
    }

    @Test("bad rows: the requested number, spread over tables and kinds, where the report says")
    func badRows() {
        let dataSet = SampleDataSet(SampleDataConfiguration(seed: 17, accounts: 20, badRows: 24))
        #expect(dataSet.badRows.count == 24)
        #expect(dataSet.badRows.map(\.ordinal) == Array(0..<24))
        #expect(Set(dataSet.badRows.map(\.table)) == Set(SampleTable.allCases))
        #expect(Set(dataSet.badRows.map(\.kind)) == Set(SampleBadRowKind.allCases))
        let rows = collect(dataSet)
        for bad in dataSet.badRows {
            let row = rows[bad.table]![bad.rowNumber - 1]
            #expect(row == bad.values, "bad row \(bad.ordinal) sits at row \(bad.rowNumber) of \(bad.table)")
            switch bad.kind {
            case .wrongColumnCount:
                #expect(row.count != bad.table.columns.count)
            case .unparseableDate:
                #expect(row.count == bad.table.columns.count)
                #expect(row.contains { value in value.text.map { !isDate($0) && SampleBadRowFactory.badDates.contains($0) } ?? false })
            case .nonNumericDecimal:
                #expect(row.contains { value in value.text.map { SampleBadRowFactory.badDecimals.contains($0) } ?? false })
            case .hashInKey:
                #expect(bad.reason.contains("#"))
                #expect(row.contains { $0.text?.contains("#") ?? false })
            }
        }
        // Bad rows never reuse a good row's key.
        for table in SampleTable.allCases {
            let keyColumns = table.primaryKey.map { column(table, $0) }
            var keys = Set<[SourceValue]>()
            for row in rows[table]! where row.count == table.columns.count {
                #expect(keys.insert(keyColumns.map { row[$0] }).inserted, "duplicate key in \(table)")
            }
        }
        // Good rows are the same as without bad rows.
        let clean = collect(SampleDataSet(SampleDataConfiguration(seed: 17, accounts: 20)))
        for table in SampleTable.allCases {
            let badPositions = Set(dataSet.badRows.filter { $0.table == table }.map { $0.rowNumber - 1 })
            let good = rows[table]!.enumerated().filter { !badPositions.contains($0.offset) }.map(\.element)
            #expect(good == clean[table]!)
        }
    }

    @Test("SplitMix64 matches the reference sequence")
    func splitMixReference() {
        // Reference values of SplitMix64 seeded with 1234567 (from the published algorithm).
        var generator = SplitMix64(seed: 1_234_567)
        #expect(generator.next() == 6_457_827_717_110_365_317)
        #expect(generator.next() == 3_203_168_211_198_807_973)
        #expect(generator.next() == 9_817_491_932_198_370_423)
    }

    @Test("calendar helpers agree with known dates")
    func calendar() {
        #expect(SampleFormatting.days(year: 1970, month: 1, day: 1) == 0)
        #expect(SampleFormatting.date(SampleFormatting.days(year: 2024, month: 2, day: 29)) == "2024-02-29")
        #expect(SampleFormatting.date(SampleFormatting.days(year: 2024, month: 2, day: 29) + 1) == "2024-03-01")
        #expect(SampleFormatting.days(year: 2000, month: 3, day: 1) == 11_017)
        #expect(SampleFormatting.dateTime(19_737, millisecond: 37_351_120) == "2024-01-15 10:22:31.120")
        #expect(SampleFormatting.decimal(-123_400, scale: 4) == "-12.3400")
        #expect(SampleFormatting.decimal(5, scale: 2) == "0.05")
        #expect(SampleFormatting.decimal(-5, scale: 2) == "-0.05")
        #expect(SampleFormatting.roundedDivision(-150, 100) == -2)
        #expect(SampleFormatting.roundedDivision(149, 100) == 1)
    }
}

// MARK: Helpers

func isDate(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D else { return false }
    guard bytes.enumerated().allSatisfy({ $0.offset == 4 || $0.offset == 7 || ($0.element >= 0x30 && $0.element <= 0x39) }) else {
        return false
    }
    let month = Int(text.dropFirst(5).prefix(2))!
    let day = Int(text.dropFirst(8))!
    let year = Int(text.prefix(4))!
    return (1...12).contains(month) && day >= 1 && day <= SampleFormatting.daysInMonth(year: year, month: month)
}

func isDateTime3(_ text: String) -> Bool {
    let parts = text.split(separator: " ")
    guard parts.count == 2, isDate(String(parts[0])) else { return false }
    let time = Array(parts[1].utf8)
    guard time.count == 12, time[2] == 0x3A, time[5] == 0x3A, time[8] == 0x2E else { return false }
    return Int(parts[1].prefix(2))! < 24 && Int(parts[1].dropFirst(3).prefix(2))! < 60
}

func isDecimal(_ text: String, scale: Int) -> Bool {
    var body = Substring(text)
    if body.hasPrefix("-") { body = body.dropFirst() }
    let parts = body.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty, parts[1].count == scale else { return false }
    return parts.allSatisfy { $0.allSatisfy { $0.isASCII && $0.isNumber } }
}

/// A decimal's value in 10^-scale units.
func units(_ text: String, scale: Int) -> Int64 {
    let negative = text.hasPrefix("-")
    let digits = text.filter { $0 != "-" && $0 != "." }
    let value = Int64(digits)!
    _ = scale
    return negative ? -value : value
}

func roundHalfAway(_ value: Int64, _ divisor: Int64) -> Int64 {
    value >= 0 ? (value + divisor / 2) / divisor : -((-value + divisor / 2) / divisor)
}

// MARK: Scale

/// Exact counts over a larger data set. Constant memory is a benchmark figure
/// (scripts/bench measures peak RSS), not something a parallel test run can judge.
@Suite("Sample data at scale")
struct SampleDataScaleTests {
    @Test("a larger data set streams with exact counts known up front")
    func largerDataSet() {
        let target = 60_000
        let configuration = SampleDataConfiguration(
            seed: 2026,
            accounts: SampleDataConfiguration.accounts(forApproximateRows: target),
            badRows: 50
        )
        let dataSet = SampleDataSet(configuration)
        #expect(
            dataSet.totalRowCount >= target * 90 / 100 && dataSet.totalRowCount <= target * 110 / 100,
            "\(dataSet.totalRowCount)"
        )
        var total = 0
        for table in SampleTable.allCases {
            var count = 0
            for _ in dataSet.rows(of: table) { count += 1 }
            #expect(count == dataSet.rowCounts[table], "\(table)")
            total += count
        }
        #expect(total == dataSet.totalRowCount)
    }
}
