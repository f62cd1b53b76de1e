import BillingModel
@testable import MySQLWorkload
import SampleData
import Testing

struct WorkloadPlannerTests {
    /// A model of a few accounts with the shape of the sample data.
    static func model(accounts: Int = 6) -> WorkloadModel {
        let rows = (0..<accounts).map { index -> WorkloadModel.Account in
            let ban = UInt64(100_000_001 + index)
            let subscribers = (0..<(1 + index % 3)).map { position in
                WorkloadModel.Subscriber(number: String(4_165_550_000 + index * 10 + position), agreements: ["PLNBAS15", "VM"])
            }
            let charges = (1...5).map { WorkloadModel.Charge(sequence: UInt64($0), activity: "AC000000000\($0)") }
            return WorkloadModel.Account(
                ban: ban, customerID: UInt64(5_000_000 + index), subscribers: subscribers, bills: [1, 2, 3], charges: charges)
        }
        return WorkloadModel(accounts: rows)
    }

    @Test func aSeedGivesTheSameTransactions() {
        var first = WorkloadPlanner(model: Self.model(), seed: 7)
        var second = WorkloadPlanner(model: Self.model(), seed: 7)
        var other = WorkloadPlanner(model: Self.model(), seed: 8)
        let a = (0..<300).map { _ in first.next() }
        let b = (0..<300).map { _ in second.next() }
        let c = (0..<300).map { _ in other.next() }
        #expect(a == b)
        #expect(a != c)
        #expect(first.model == second.model)
    }

    /// Every statement, run against an in-memory copy of the six tables that
    /// enforces the keys and foreign keys of CONTRACT §1, changes exactly the
    /// rows it announces; rolled-back transactions are valid too but leave nothing.
    @Test func transactionsKeepTheForeignKeysAndTheirRowCounts() throws {
        let model = Self.model()
        var database = KeyDatabase(model: model)
        var planner = WorkloadPlanner(model: model, seed: 2024)
        var templates: Set<String> = []
        var kinds: Set<String> = []
        var rollbacks = 0
        for number in 0..<4000 {
            let budget = number % 50 == 0 ? 1 : 40
            let transaction = planner.next(budget: budget)
            #expect(transaction.plannedChanges >= 1 && transaction.plannedChanges <= budget, "\(transaction.label)")
            var scratch = database
            for statement in transaction.statements {
                let changed = try scratch.run(statement)
                #expect(changed == statement.expectedRows, "\(transaction.label): \(statement.sql(MySQLLiteral()))")
                kinds.insert("\(statement.table.name) \(statement.kind.rawValue)")
                // InnoDB checks foreign keys statement by statement.
                try scratch.checkForeignKeys()
            }
            if transaction.rollsBack {
                rollbacks += 1
            } else {
                do { try scratch.checkChargesHaveTheirSubscribers() } catch { Issue.record("after \(transaction.label): \(error)"); throw error }
                database = scratch
                templates.insert(transaction.label)
            }
            // The planner's model follows the committed state, row for row.
            #expect(planner.model.rowCounts == database.rowCounts, "after \(transaction.label)")
        }
        #expect(templates == Set(WorkloadTemplate.allCases.map(\.rawValue)))
        for table in SampleTable.allCases {
            for kind in [WorkloadChangeKind.insert, .update, .delete] {
                #expect(kinds.contains("\(table.name) \(kind.rawValue)"), "\(table.name) \(kind.rawValue)")
            }
        }
        for keyed in ["CHARGE", "SERVICE_AGREEMENT", "CUSTOMER", "BILL", "SUBSCRIBER"] {
            #expect(kinds.contains("\(keyed) key-change"))
        }
        #expect(rollbacks > 40 && rollbacks < 250)
    }

    @Test func anEmptyDatabaseGetsAccountsFirst() throws {
        var planner = WorkloadPlanner(model: WorkloadModel(accounts: []), seed: 1)
        let first = planner.next(budget: 1)
        #expect(first.statements.map(\.table) == [.billingAccount])
        #expect(first.statements.first?.kind == .insert)
        var database = KeyDatabase(model: WorkloadModel(accounts: []))
        if !first.rollsBack { _ = try database.run(first.statements[0]) }
        for _ in 0..<200 {
            let transaction = planner.next(budget: 10)
            var scratch = database
            for statement in transaction.statements { #expect(try scratch.run(statement) == statement.expectedRows) }
            try scratch.checkForeignKeys()
            if !transaction.rollsBack { database = scratch }
        }
        #expect(planner.model.rowCounts == database.rowCounts)
        #expect(database.rowCounts["CHARGE", default: 0] > 0)
    }

    @Test func splitModelsShareNoAccountsAndNoIdentifiers() {
        var model = Self.model(accounts: 7)
        model.bans = .init(next: 900_000_001)
        let parts = model.split(into: 3)
        #expect(parts.map(\.accounts.count) == [3, 2, 2])
        let bans = parts.flatMap { $0.accounts.map(\.ban) }
        #expect(Set(bans).count == 7)
        var allocated: [UInt64] = []
        for var part in parts {
            for _ in 0..<5 { allocated.append(part.bans.take()) }
        }
        #expect(Set(allocated).count == 15)
        #expect(allocated.min() == 900_000_001)
    }

    @Test func connectionsShareTheChangesAndTheFirstUsesTheSeed() {
        for (changes, connections) in [(2000, 3), (7, 4), (1, 1), (10_001, 8)] {
            let configuration = WorkloadConfiguration(changes: changes, connections: connections, seed: 42)
            let shares = (0..<connections).map { configuration.share(ofConnection: $0) }
            #expect(shares.reduce(0, +) == changes)
            #expect(shares.max()! - shares.min()! <= 1)
        }
        let configuration = WorkloadConfiguration(changes: 10, connections: 3, seed: 42)
        #expect(configuration.seed(ofConnection: 0) == 42)
        #expect(Set((0..<3).map { configuration.seed(ofConnection: $0) }).count == 3)
    }

    @Test func statementsRenderAsSQL() {
        let update = WorkloadStatement(
            table: .charge, kind: .update,
            operation: .update(
                set: [.init("description", .text("it's\nnew")), .init("bill_seq_number", .null), .init("updated_at", .now)],
                key: [.init("ban", .text("7")), .init("charge_seq", .text("3"))]),
            expectedRows: 1)
        #expect(update.sql(MySQLLiteral()) == #"UPDATE `CHARGE` SET `description` = 'it\'s\nnew', `bill_seq_number` = NULL, `updated_at` = NOW(3) WHERE `ban` = '7' AND `charge_seq` = '3'"#)
        let delete = WorkloadStatement(table: .bill, kind: .delete, operation: .delete(key: [.init("ban", .text("7"))]), expectedRows: 1)
        #expect(delete.sql(MySQLLiteral()) == "DELETE FROM `BILL` WHERE `ban` = '7'")
        let insert = WorkloadStatement(
            table: .billingAccount, kind: .insert,
            operation: .insert(rows: [SampleTable.billingAccount.columns.map { _ in WorkloadValue.text("x") }]), expectedRows: 1)
        #expect(insert.sql(MySQLLiteral()).hasPrefix("INSERT INTO `BILLING_ACCOUNT` (`ban`, `account_type`"))
    }
}

/// The six tables reduced to rows of values, with CONTRACT §1's primary keys,
/// unique key and foreign keys enforced.
struct KeyDatabase {
    struct Violation: Error, CustomStringConvertible { var description: String }

    typealias Row = [String: WorkloadValue]
    var tables: [SampleTable: [[WorkloadValue]: Row]] = [:]

    init(model: WorkloadModel) {
        func text(_ value: Any) -> WorkloadValue { .text("\(value)") }
        for account in model.accounts {
            add(.billingAccount, ["ban": text(account.ban)])
            if let customer = account.customerID { add(.customer, ["customer_id": text(customer), "ban": text(account.ban)]) }
            for subscriber in account.subscribers {
                add(.subscriber, ["subscriber_no": .text(subscriber.number), "ban": text(account.ban)])
                for soc in subscriber.agreements {
                    add(.serviceAgreement, ["ban": text(account.ban), "subscriber_no": .text(subscriber.number), "soc": .text(soc)])
                }
            }
            for bill in account.bills { add(.bill, ["ban": text(account.ban), "bill_seq_number": text(bill)]) }
            for charge in account.charges {
                add(.charge, ["ban": text(account.ban), "charge_seq": text(charge.sequence), "activity_num": .text(charge.activity)])
            }
        }
    }

    private mutating func add(_ table: SampleTable, _ row: Row) {
        tables[table, default: [:]][key(table, row)] = row
    }

    func key(_ table: SampleTable, _ row: Row) -> [WorkloadValue] {
        table.primaryKey.map { row[$0] ?? .null }
    }

    var rowCounts: [String: Int] {
        Dictionary(uniqueKeysWithValues: SampleTable.allCases.map { ($0.name, tables[$0]?.count ?? 0) })
    }

    /// Runs a statement; returns the rows it changed.
    mutating func run(_ statement: WorkloadStatement) throws -> Int {
        let table = statement.table
        switch statement.operation {
        case .insert(let rows):
            for values in rows {
                guard values.count == table.columns.count else { throw Violation(description: "\(table.name): wrong column count") }
                let row = Row(uniqueKeysWithValues: zip(table.columns, values).map { ($0, $1) })
                guard tables[table]?[key(table, row)] == nil else { throw Violation(description: "duplicate key in \(table.name)") }
                add(table, row)
            }
            return rows.count
        case .update(let set, let condition):
            let matches = (tables[table] ?? [:]).filter { matchesCondition($0.value, condition) }
            for (oldKey, var row) in matches.sorted(by: { "\($0.key)" < "\($1.key)" }) {
                tables[table]![oldKey] = nil
                for assignment in set { row[assignment.column] = assignment.value }
                guard tables[table]?[key(table, row)] == nil else { throw Violation(description: "duplicate key in \(table.name)") }
                add(table, row)
            }
            return matches.count
        case .delete(let condition):
            let matches = (tables[table] ?? [:]).filter { matchesCondition($0.value, condition) }
            for oldKey in matches.keys { tables[table]![oldKey] = nil }
            return matches.count
        }
    }

    private func matchesCondition(_ row: Row, _ condition: [WorkloadStatement.Assignment]) -> Bool {
        condition.allSatisfy { row[$0.column] == $0.value }
    }

    /// Not a foreign key in the schema, but the application's rule at commit (and
    /// what validation reports as an orphan): a charge's subscriber exists.
    func checkChargesHaveTheirSubscribers() throws {
        let subscribers = Set((tables[.subscriber] ?? [:]).values.map { $0["subscriber_no"]! })
        for row in (tables[.charge] ?? [:]).values {
            if let subscriber = row["subscriber_no"], subscriber != .null, !subscribers.contains(subscriber) {
                throw Violation(description: "CHARGE billed to a subscriber that is gone: \(row)")
            }
        }
    }

    /// CONTRACT §1's foreign keys and CUSTOMER's unique `ban`.
    func checkForeignKeys() throws {
        let bans = Set((tables[.billingAccount] ?? [:]).values.map { $0["ban"]! })
        let subscribers = Set((tables[.subscriber] ?? [:]).values.map { $0["subscriber_no"]! })
        for table in [SampleTable.customer, .subscriber, .bill, .charge] {
            for row in (tables[table] ?? [:]).values where !bans.contains(row["ban"]!) {
                throw Violation(description: "\(table.name) row without its account: \(row)")
            }
        }
        for row in (tables[.serviceAgreement] ?? [:]).values where !subscribers.contains(row["subscriber_no"]!) {
            throw Violation(description: "SERVICE_AGREEMENT without its subscriber: \(row)")
        }
        let customerBans = (tables[.customer] ?? [:]).values.map { $0["ban"]! }
        if Set(customerBans).count != customerBans.count {
            throw Violation(description: "two customers for one account")
        }
    }
}
