import BillingModel

/// Makes injected malformed rows: a good row of the account, given keys no good row
/// uses (so a bad row never overwrites a good item), then broken in one way.
enum SampleBadRowFactory {
    static func kinds(for table: SampleTable) -> [SampleBadRowKind] {
        switch table {
        case .billingAccount: return [.wrongColumnCount, .unparseableDate, .nonNumericDecimal]
        case .customer: return [.wrongColumnCount, .unparseableDate]
        case .subscriber: return [.wrongColumnCount, .unparseableDate, .hashInKey]
        case .serviceAgreement, .bill, .charge: return SampleBadRowKind.allCases
        }
    }

    static let badDates = ["15/01/2024", "2024-13-45", "2024-02-30", "not a date", "20240115"]
    static let badDecimals = ["N/A", "12.3O", "1,234.00", "--5", "1e5x"]

    static func make(ordinal: Int, table: SampleTable, builder: SampleRowBuilder, rowNumber: Int) -> SampleBadRow {
        let applicable = kinds(for: table)
        let kind = applicable[(ordinal / SampleTable.allCases.count) % applicable.count]
        var row = template(table: table, builder: builder)
        let columns = table.columns
        func set(_ column: String, _ value: String) {
            row[table.index(of: column)!] = .text(value)
        }
        let serial = SampleFormatting.pad(ordinal, 7)

        // Unique keys first.
        switch table {
        case .billingAccount:
            set("ban", String(9_000_000_000 + UInt64(ordinal)))
        case .customer:
            set("customer_id", String(900_000_000 + UInt64(ordinal)))
            set("ban", String(9_000_000_000 + UInt64(ordinal)))
        case .subscriber:
            set("subscriber_no", "BAD" + serial)
        case .serviceAgreement:
            set("soc", "BD" + serial)
        case .bill:
            set("bill_seq_number", String(1_000_000 + ordinal))
        case .charge:
            set("charge_seq", String(9_000_000_000 + UInt64(ordinal)))
        }

        let reason: String
        switch kind {
        case .wrongColumnCount:
            if ordinal % 2 == 0 {
                row.removeLast()
            } else {
                row.append(.text("EXTRA"))
            }
            reason = "\(row.count) fields instead of \(columns.count)"
        case .unparseableDate:
            let column = dateColumn(table)
            let value = badDates[ordinal % badDates.count]
            set(column, value)
            reason = "\(table.name).\(column) is not a date: '\(value)'"
        case .nonNumericDecimal:
            let column = decimalColumn(table)!
            let value = badDecimals[ordinal % badDecimals.count]
            set(column, value)
            reason = "\(table.name).\(column) is not a decimal: '\(value)'"
        case .hashInKey:
            let column: String
            let value: String
            switch table {
            case .subscriber: (column, value) = ("subscriber_no", "BAD#" + serial)
            case .serviceAgreement: (column, value) = ("soc", "BD#" + serial)
            case .bill: (column, value) = ("cycle_code", "C#" + SampleFormatting.pad(ordinal % 10_000_000, 7))
            default: (column, value) = ("activity_num", "BAD#" + serial)
            }
            set(column, value)
            reason = "'#' in key column \(table.name).\(column): '\(value)'"
        }

        let key = table.primaryKey.map { name -> String in
            let value = row[table.index(of: name)!].text ?? "NULL"
            return name + "=" + value
        }.joined(separator: ", ")
        return SampleBadRow(
            ordinal: ordinal,
            table: table,
            kind: kind,
            rowNumber: rowNumber,
            key: key,
            reason: reason,
            values: row
        )
    }

    static func dateColumn(_ table: SampleTable) -> String {
        switch table {
        case .billingAccount: return "status_date"
        case .customer: return "birth_date"
        case .subscriber: return "sub_status_date"
        case .serviceAgreement: return "effective_date"
        case .bill: return "bill_date"
        case .charge: return "charge_creation_date"
        }
    }

    static func decimalColumn(_ table: SampleTable) -> String? {
        switch table {
        case .billingAccount: return "credit_limit"
        case .serviceAgreement: return "monthly_rate"
        case .bill: return "total_charges"
        case .charge: return "amount"
        case .customer, .subscriber: return nil
        }
    }

    /// A good row of the account to start from; with a shape that has no such row
    /// (no bills or charges configured), one from the same account with one of each.
    private static func template(table: SampleTable, builder: SampleRowBuilder) -> SourceRow {
        if let first = builder.rows(table).first { return first }
        var configuration = builder.configuration
        configuration.billsPerAccount = max(1, configuration.billsPerAccount)
        configuration.chargesPerBill = max(1, configuration.chargesPerBill.lowerBound)...max(1, configuration.chargesPerBill.upperBound)
        let account = SampleAccount(configuration: configuration, index: builder.account.index)
        return SampleRowBuilder(configuration: configuration, account: account).rows(table)[0]
    }
}
