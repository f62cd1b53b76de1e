import BillingModel

/// What to generate.
public struct SampleDataConfiguration: Sendable, Hashable {
    /// Same seed, same data, byte for byte.
    public var seed: UInt64
    /// Accounts; each has one customer, 1-5 subscribers, 2-4 service agreements per
    /// subscriber, `billsPerAccount` bills and `chargesPerBill` charges per bill (plus
    /// 0-8 unbilled ones). About 330 rows per account with the defaults.
    public var accounts: Int
    /// Malformed rows to inject, spread over the tables (see `SampleBadRow`).
    public var badRows: Int
    public var firstBillYear: Int
    public var firstBillMonth: Int
    public var billsPerAccount: Int
    public var chargesPerBill: ClosedRange<Int>
    /// The first account's `ban`; accounts are numbered on from it.
    public var firstBan: UInt64

    public init(
        seed: UInt64,
        accounts: Int,
        badRows: Int = 0,
        firstBillYear: Int = 2024,
        firstBillMonth: Int = 1,
        billsPerAccount: Int = 12,
        chargesPerBill: ClosedRange<Int> = 10...40,
        firstBan: UInt64 = 100_000_001
    ) {
        precondition(accounts >= 0, "accounts must not be negative")
        precondition(badRows >= 0, "badRows must not be negative")
        precondition(badRows == 0 || accounts > 0, "bad rows need at least one account")
        precondition((1...12).contains(firstBillMonth), "firstBillMonth is 1-12")
        precondition(billsPerAccount >= 0 && chargesPerBill.lowerBound >= 0, "counts must not be negative")
        self.seed = seed
        self.accounts = accounts
        self.badRows = badRows
        self.firstBillYear = firstBillYear
        self.firstBillMonth = firstBillMonth
        self.billsPerAccount = billsPerAccount
        self.chargesPerBill = chargesPerBill
        self.firstBan = firstBan
    }

    /// About how many accounts give `rows` rows in all with the default shape.
    public static func accounts(forApproximateRows rows: Int) -> Int {
        max(1, (rows + 165) / 330)
    }
}

/// A kind of malformed row.
public enum SampleBadRowKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// One field too few or too many: the CSV reader rejects it.
    case wrongColumnCount
    /// A DATE column that is not a date (`15/01/2024`, `2024-02-30`).
    case unparseableDate
    /// A DECIMAL column that is not a number (`N/A`, `12.3O`).
    case nonNumericDecimal
    /// `#` in a value that goes into a DynamoDB key: a mapping error.
    case hashInKey
}

/// One injected malformed row: where it is in its table's stream and what is wrong.
public struct SampleBadRow: Sendable, Hashable {
    /// 0-based injection number (0..<badRows).
    public var ordinal: Int
    public var table: SampleTable
    public var kind: SampleBadRowKind
    /// 1-based position among the rows `rows(of: table)` yields.
    public var rowNumber: Int
    /// The row's key columns as `name=value` pairs, for finding it in a dead-letter store.
    public var key: String
    /// What is wrong, for people.
    public var reason: String
    /// The row as generated.
    public var values: SourceRow
}

/// A deterministic billing data set: rows for the six tables, generated on demand.
///
/// Nothing is stored per row: `rows(of:)` yields a table's rows one at a time (holding
/// at most one account's rows), so a million rows take constant memory. Row counts
/// are known up front, bad rows included. Foreign keys hold for every good row:
/// customers, subscribers and bills point to their account, service agreements and
/// charges to subscribers of their account, charges' `bill_seq_number` to an existing
/// bill (or NULL while unbilled), and bills are numbered 1...`billsPerAccount`.
public struct SampleDataSet: Sendable {
    public let configuration: SampleDataConfiguration
    /// Rows each table yields, bad rows included.
    public let rowCounts: [SampleTable: Int]
    /// The injected malformed rows, in injection order.
    public let badRows: [SampleBadRow]
    /// Bad rows by table and the account they follow.
    private let badRowsByPlace: [SampleTable: [Int: [SampleBadRow]]]

    public init(_ configuration: SampleDataConfiguration) {
        self.configuration = configuration
        var counts = Dictionary(uniqueKeysWithValues: SampleTable.allCases.map { ($0, 0) })

        // Bad row j goes to table j mod 6, after the rows of an account spread evenly.
        let total = configuration.badRows
        var planned: [(ordinal: Int, table: SampleTable, account: Int)] = (0..<total).map { ordinal in
            let table = SampleTable.allCases[ordinal % SampleTable.allCases.count]
            let account = min(
                configuration.accounts - 1,
                (2 * ordinal + 1) * configuration.accounts / (2 * max(total, 1))
            )
            return (ordinal, table, account)
        }
        planned.sort { ($0.account, $0.ordinal) < ($1.account, $1.ordinal) }

        var badRows: [SampleBadRow] = []
        var byPlace: [SampleTable: [Int: [SampleBadRow]]] = [:]
        var next = planned.startIndex
        for index in 0..<configuration.accounts {
            let account = SampleAccount(configuration: configuration, index: index)
            for table in SampleTable.allCases {
                counts[table]! += account.rowCount(table, configuration: configuration)
            }
            while next < planned.endIndex && planned[next].account == index {
                let plan = planned[next]
                next += 1
                counts[plan.table]! += 1
                let bad = SampleBadRowFactory.make(
                    ordinal: plan.ordinal,
                    table: plan.table,
                    builder: SampleRowBuilder(configuration: configuration, account: account),
                    rowNumber: counts[plan.table]!
                )
                badRows.append(bad)
                byPlace[plan.table, default: [:]][index, default: []].append(bad)
            }
        }
        self.rowCounts = counts
        self.badRows = badRows.sorted { $0.ordinal < $1.ordinal }
        self.badRowsByPlace = byPlace
    }

    /// Rows in all tables.
    public var totalRowCount: Int { rowCounts.values.reduce(0, +) }

    /// Good rows of `table` (its row count minus its bad rows).
    public func goodRowCount(_ table: SampleTable) -> Int {
        rowCounts[table, default: 0] - badRows.filter { $0.table == table }.count
    }

    /// The rows of `table`, in source column order, account by account.
    public func rows(of table: SampleTable) -> SampleRows {
        SampleRows(configuration: configuration, table: table, badRows: badRowsByPlace[table] ?? [:])
    }
}

/// One table's rows as a lazy sequence.
public struct SampleRows: Sequence, Sendable {
    let configuration: SampleDataConfiguration
    public let table: SampleTable
    let badRows: [Int: [SampleBadRow]]

    public struct Iterator: IteratorProtocol {
        let rows: SampleRows
        var nextAccount = 0
        var buffer: [SourceRow] = []
        var position = 0

        public mutating func next() -> SourceRow? {
            while position == buffer.count {
                guard nextAccount < rows.configuration.accounts else { return nil }
                let account = SampleAccount(configuration: rows.configuration, index: nextAccount)
                buffer = SampleRowBuilder(configuration: rows.configuration, account: account).rows(rows.table)
                if let bad = rows.badRows[nextAccount] {
                    buffer += bad.map(\.values)
                }
                nextAccount += 1
                position = 0
            }
            defer { position += 1 }
            return buffer[position]
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(rows: self)
    }
}
