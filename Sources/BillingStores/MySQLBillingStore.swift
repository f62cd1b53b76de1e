import Backoff
import BillingModel
import BillingService
import DynamoDBModel
import MySQLSource

/// The billing store over MySQL (blue): keyset-paged SELECTs ordered exactly
/// as the items' keys order (`PagePosition`), and one transaction per write
/// (rows read `FOR UPDATE`, planned, changed, committed), over a bounded pool.
public struct MySQLBillingStore: BillingStore {
    /// How a write's transaction is run again after a deadlock or a lock-wait
    /// timeout. Two opens of one new customer_id both gap-lock the missing row
    /// (`FOR UPDATE`) and then both insert it: InnoDB undoes one of them. Run
    /// again, the loser reads the winner's row and answers 409, as DynamoDB does.
    public struct ConflictRetry: Sendable, Hashable {
        /// Attempts of one write in all; the last conflict is answered 409.
        public var maxAttempts: Int
        /// Full jitter, so the transactions that collided do not collide again in step.
        public var backoff: ExponentialBackoff

        public init(maxAttempts: Int = 10, backoff: ExponentialBackoff = ExponentialBackoff(base: .milliseconds(5), cap: .milliseconds(250))) {
            self.maxAttempts = max(1, maxAttempts)
            self.backoff = backoff
        }
    }

    public let name = StoreName.mysql
    let pool: MySQLConnectionPool
    let mapping: Mapping
    let mapper: ItemMapper
    let conflictRetry: ConflictRetry

    public init(pool: MySQLConnectionPool, mapping: Mapping = .billing, conflictRetry: ConflictRetry = ConflictRetry()) throws {
        self.pool = pool
        self.mapping = mapping
        self.mapper = try ItemMapper(mapping: mapping)
        self.conflictRetry = conflictRetry
    }

    // MARK: Reads

    /// The SQL form of each table's item keys, as the mapping builds them
    /// (CONTRACT §2), so rows sort and page exactly as items do.
    static let keyExpressions: [String: (pk: String, sk: String, gsi1: String?, gsi2: String?)] = [
        "BILLING_ACCOUNT": ("CONCAT('BAN#', ban)", "'ACCOUNT'", nil, nil),
        "CUSTOMER": ("CONCAT('BAN#', ban)", "'CUSTOMER'", nil, nil),
        "SUBSCRIBER": ("CONCAT('BAN#', ban)", "CONCAT('SUB#', subscriber_no)", "'ACCOUNT'", nil),
        "SERVICE_AGREEMENT": ("CONCAT('BAN#', ban)", "CONCAT('SA#', subscriber_no, '#', soc)", "CONCAT('SA#', soc)", nil),
        "BILL": ("CONCAT('BAN#', ban)", "CONCAT('BILL#', LPAD(bill_seq_number, 10, '0'))", nil, "CAST(cycle_close_date AS CHAR)"),
        "CHARGE": (
            "CONCAT('BAN#', ban)", "CONCAT('CHARGE#', LPAD(charge_seq, 20, '0'), '#', activity_num)",
            "CONCAT('CHARGE#', charge_creation_date)", "CAST(charge_creation_date AS CHAR)"
        ),
    ]

    /// One SELECT of a query: a table and its filter.
    struct Part {
        var table: String
        var filter: String
        var index: KeyQuery.Target
    }

    func parts(_ query: BillingQuery, quote: (String) -> String) -> [Part] {
        switch query {
        case .account(let ban):
            return mapping.tables.map { Part(table: $0.table, filter: "ban = \(ban)", index: .base) }
        case .accountEntity(let ban, let sortKey):
            // The sort key's prefix names the table (CONTRACT §2).
            let prefixes = [
                ("ACCOUNT", "BILLING_ACCOUNT"), ("CUSTOMER", "CUSTOMER"), ("SUB#", "SUBSCRIBER"), ("SA#", "SERVICE_AGREEMENT"),
                ("BILL#", "BILL"), ("CHARGE#", "CHARGE"),
            ]
            guard let table = prefixes.first(where: { sortKey.hasPrefix($0.0) })?.1, let sk = Self.keyExpressions[table]?.sk else {
                return []
            }
            return [Part(table: table, filter: "ban = \(ban) AND \(Self.binary(sk)) = CAST(\(quote(sortKey)) AS BINARY)", index: .base)]
        case .subscriber(let number):
            return [
                Part(table: "SUBSCRIBER", filter: "subscriber_no = \(quote(number))", index: .gsi1),
                Part(table: "SERVICE_AGREEMENT", filter: "subscriber_no = \(quote(number))", index: .gsi1),
            ]
        case .subscriberCharges(let number, let from, let to):
            return [
                Part(
                    table: "CHARGE",
                    filter: "subscriber_no = \(quote(number)) AND charge_creation_date BETWEEN \(quote(from.text)) AND \(quote(to.text))",
                    index: .gsi1)
            ]
        case .cycleBills(let cycle, let from, let to):
            return [
                Part(
                    table: "BILL",
                    filter: "cycle_code = \(quote(cycle)) AND cycle_close_date BETWEEN \(quote(from.text)) AND \(quote(to.text))",
                    index: .gsi2)
            ]
        case .featureCharges(let feature, let from, let to):
            return [
                Part(
                    table: "CHARGE",
                    filter: "feature_code = \(quote(feature)) AND charge_creation_date BETWEEN \(quote(from.text)) AND \(quote(to.text))",
                    index: .gsi2)
            ]
        }
    }

    /// Compared and ordered as UTF-8 bytes, as DynamoDB orders keys.
    static func binary(_ expression: String) -> String { "CAST(\(expression) AS BINARY)" }

    public func page(_ query: BillingQuery, after: PagePosition?, limit: Int) async throws(StoreError) -> StorePage {
        let mapping = self.mapping
        let mapper = self.mapper
        let selects: [(String, Part)]
        do {
            selects = try await pool.withConnection { connection in
                let quote: (String) -> String = { text in (try? connection.quote(text)) ?? "''" }
                return parts(query, quote: quote).map { part in
                    (Self.select(part, mapping: mapping, after: after, limit: limit + 1, quote: quote), part)
                }
            }
        } catch {
            throw Self.storeError(error)
        }
        var collected: [PositionedRecord] = []
        for (sql, part) in selects {
            let rows: [SourceRow]
            do {
                rows = try await pool.withConnection { connection in try connection.query(sql).rows }
            } catch {
                throw Self.storeError(error)
            }
            for row in rows {
                do {
                    let (_, item) = try mapper.item(table: part.table, row: row, version: "0")
                    guard let position = PagePosition(item: item, target: part.index) else { continue }
                    collected.append(PositionedRecord(position: position, record: try BillingRecord(table: part.table, row: row)))
                } catch {
                    throw StoreError(.unavailable, "a \(part.table) row cannot be served: \(error)")
                }
            }
        }
        collected.sort { $0.position < $1.position }
        return StorePage.cut(collected, limit: limit)
    }

    static func select(_ part: Part, mapping: Mapping, after: PagePosition?, limit: Int, quote: (String) -> String) -> String {
        guard let table = mapping.table(part.table), let keys = keyExpressions[part.table] else { return "SELECT 1 FROM DUAL WHERE FALSE" }
        let columns = table.columns.map { "`\($0.name)`" }.joined(separator: ", ")
        let indexSortKey: String? =
            switch part.index.indexName {
            case nil: nil
            case "GSI1": keys.gsi1
            default: keys.gsi2
            }
        let order = ([indexSortKey, keys.pk, keys.sk].compactMap { $0 }).map(binary)
        var filter = part.filter
        if let after {
            let values = ([indexSortKey == nil ? nil : after.indexSortKey ?? "", after.pk, after.sk].compactMap { $0 }).map {
                "CAST(\(quote($0)) AS BINARY)"
            }
            filter += " AND (\(order.joined(separator: ", "))) > (\(values.joined(separator: ", ")))"
        }
        return "SELECT \(columns) FROM `\(table.table)` WHERE \(filter) ORDER BY \(order.joined(separator: ", ")) LIMIT \(limit)"
    }

    // MARK: Writes

    /// A deadlock or lock-wait timeout is the write's conflict with a concurrent
    /// one, not the store failing: the transaction runs again (`conflictRetry`),
    /// and if it still conflicts it is answered 409, never 503 (which the breaker counts).
    public func execute(_ write: BillingWrite, context: WriteContext) async throws(StoreError) -> WriteReceipt {
        let mapping = self.mapping
        let mapper = self.mapper
        var attempt = 1
        while true {
            do {
                return try await pool.withConnection { connection in
                    try Self.transaction(connection, write: write, context: context, mapping: mapping, mapper: mapper)
                }.get()
            } catch let error as StoreError {
                throw error
            } catch let error as MySQLError where error.isTransactionConflict {
                guard attempt < conflictRetry.maxAttempts else {
                    throw StoreError(
                        .conflict, "the write collided with concurrent writes of the same rows \(attempt) times (\(error.message)); retry it")
                }
                do {
                    try await Task.sleep(for: conflictRetry.backoff.jittered(afterAttempt: attempt))
                } catch {
                    // The request was cancelled (its client left, or the service stops): nothing was written.
                    throw StoreError(.conflict, "the write collided with a concurrent one and was cancelled before its retry; retry it")
                }
                attempt += 1
            } catch {
                throw Self.storeError(error)
            }
        }
    }

    /// Runs on the connection's executor: one transaction, rolled back on any failure.
    static func transaction(
        _ connection: isolated MySQLConnection, write: BillingWrite, context: WriteContext, mapping: Mapping, mapper: ItemMapper
    ) throws(MySQLError) -> Result<WriteReceipt, StoreError> {
        try connection.execute("START TRANSACTION")
        do {
            var found: [[SourceRow]] = []
            for read in write.reads {
                found.append(try readForUpdate(connection, read, mapping: mapping))
            }
            let mutations: [RowMutation]
            do {
                mutations = try write.mutations(found: found, context: context)
            } catch {
                try connection.execute("ROLLBACK")
                return .failure(error)
            }
            var records: [BillingRecord] = []
            var partitionKeys: Set<String> = []
            for mutation in mutations {
                do {
                    try apply(connection, mutation, mapping: mapping)
                } catch let error where error.errorNumber == 1062 || error.errorNumber == 1452 {
                    try connection.execute("ROLLBACK")
                    return .failure(
                        StoreError(error.errorNumber == 1062 ? .conflict : .notFound, "the write conflicts: \(error.message)"))
                }
                for (table, row) in mutation.images {
                    partitionKeys.formUnion(partitionKeysOf(table: table, row: row, mapper: mapper))
                }
                if let (table, row) = mutation.result, let record = try? BillingRecord(table: table, row: row) {
                    records.append(record)
                }
            }
            try connection.execute("COMMIT")
            // The binlog position the change stream must pass before DynamoDB shows this write.
            let position = try connection.binlogEnd().map {
                ReplicationPosition(orderingKey: $0.sourcePosition(rowIndex: 0).orderingKey)
            }
            return .success(WriteReceipt(records: records, partitionKeys: partitionKeys, position: position))
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    static func readForUpdate(_ connection: isolated MySQLConnection, _ read: RowRead, mapping: Mapping) throws(MySQLError) -> [SourceRow] {
        let table: String
        var conditions: [String] = []
        switch read {
        case .row(let name, let known):
            table = name
            for (column, value) in known.sorted(by: { $0.key < $1.key }) {
                conditions.append("`\(column)` = \(try connection.quote(value))")
            }
        case .serviceAgreements(let ban, let number):
            table = ServiceAgreement.table
            conditions = ["ban = \(ban)", "subscriber_no = \(try connection.quote(number))"]
        case .subscriberOnAnyAccount(let number):
            table = Subscriber.table
            conditions = ["subscriber_no = \(try connection.quote(number))"]
        case .customer(let id):
            table = Customer.table
            conditions = ["customer_id = \(id)"]
        }
        guard let spec = mapping.table(table) else { return [] }
        let columns = spec.columns.map { "`\($0.name)`" }.joined(separator: ", ")
        return try connection.query(
            "SELECT \(columns) FROM `\(table)` WHERE \(conditions.joined(separator: " AND ")) FOR UPDATE"
        ).rows
    }

    static func apply(_ connection: isolated MySQLConnection, _ mutation: RowMutation, mapping: Mapping) throws(MySQLError) {
        guard let spec = mapping.table(mutation.table) else { return }
        func keyCondition(_ row: SourceRow) throws(MySQLError) -> String {
            var parts: [String] = []
            for column in spec.primaryKey {
                guard let index = spec.columnIndex(column) else { continue }
                parts.append("`\(column)` = \(try connection.literal(row[index]))")
            }
            return parts.joined(separator: " AND ")
        }
        switch mutation {
        case .insert(_, let row):
            var values: [String] = []
            for value in row { values.append(try connection.literal(value)) }
            let columns = spec.columns.map { "`\($0.name)`" }.joined(separator: ", ")
            try connection.execute("INSERT INTO `\(spec.table)` (\(columns)) VALUES (\(values.joined(separator: ", ")))")
        case .update(_, let before, let after):
            var assignments: [String] = []
            for (index, column) in spec.columns.enumerated() {
                assignments.append("`\(column.name)` = \(try connection.literal(after[index]))")
            }
            try connection.execute(
                "UPDATE `\(spec.table)` SET \(assignments.joined(separator: ", ")) WHERE \(try keyCondition(before))")
        case .delete(_, let row):
            try connection.execute("DELETE FROM `\(spec.table)` WHERE \(try keyCondition(row))")
        }
    }

    public func ping() async throws(StoreError) {
        do {
            _ = try await pool.withConnection { connection in try connection.query("SELECT 1").rows.count }
        } catch {
            throw Self.storeError(error)
        }
    }

    static func storeError(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        return StoreError(.unavailable, "MySQL: \(error)")
    }
}

/// The partition keys (base and index) of a row's item: what a write under it invalidates.
func partitionKeysOf(table: String, row: SourceRow, mapper: ItemMapper) -> Set<String> {
    guard let (_, item) = try? mapper.item(table: table, row: row, version: "0") else { return [] }
    var keys: Set<String> = []
    for name in [ItemKey.partitionKeyName, "GSI1PK", "GSI2PK"] {
        if let value = item[name]?.stringValue { keys.insert(value) }
    }
    return keys
}

extension RowMutation {
    /// The rows before and after (both invalidate what they were part of).
    var images: [(String, SourceRow)] {
        switch self {
        case .insert(let table, let row), .delete(let table, let row): [(table, row)]
        case .update(let table, let before, let after): [(table, before), (table, after)]
        }
    }

    /// The row as the write leaves it (nil for a delete).
    var result: (String, SourceRow)? {
        switch self {
        case .insert(let table, let row), .update(let table, _, let row): (table, row)
        case .delete: nil
        }
    }
}
