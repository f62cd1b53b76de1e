import BillingModel
import SampleData

/// What a workload statement does to the rows it touches, as a change stream sees it.
public enum WorkloadChangeKind: String, CaseIterable, Sendable, Hashable, Codable {
    case insert
    case update
    case delete
    /// An UPDATE that changes the primary key (or, for SUBSCRIBER, the `ban` that
    /// makes its DynamoDB partition key): the item moves.
    case keyChange = "key-change"
}

/// A value in a workload statement: a literal, or the server's `NOW(3)` (the
/// statement's time, which is what `updated_at` should say).
public enum WorkloadValue: Sendable, Hashable {
    case value(SourceValue)
    case now

    public static let null = WorkloadValue.value(.null)
    public static func text(_ text: String) -> WorkloadValue { .value(.text(text)) }

    func sql(_ literal: MySQLLiteral) -> String {
        switch self {
        case .value(let value): return literal.literal(value)
        case .now: return "NOW(3)"
        }
    }
}

/// One statement of a workload transaction, with the rows it must change.
public struct WorkloadStatement: Sendable, Hashable {
    public enum Operation: Sendable, Hashable {
        /// Full rows in the table's column order.
        case insert(rows: [[WorkloadValue]])
        /// `UPDATE table SET … WHERE key`.
        case update(set: [Assignment], key: [Assignment])
        /// `DELETE FROM table WHERE key`.
        case delete(key: [Assignment])
    }

    public struct Assignment: Sendable, Hashable {
        public var column: String
        public var value: WorkloadValue
        public init(_ column: String, _ value: WorkloadValue) {
            self.column = column
            self.value = value
        }
    }

    public var table: SampleTable
    public var kind: WorkloadChangeKind
    public var operation: Operation
    /// Rows the statement changes when the planner's model is right.
    public var expectedRows: Int

    public init(table: SampleTable, kind: WorkloadChangeKind, operation: Operation, expectedRows: Int) {
        self.table = table
        self.kind = kind
        self.operation = operation
        self.expectedRows = expectedRows
    }

    /// The statement as SQL for a connection whose escaping `literal` describes.
    public func sql(_ literal: MySQLLiteral) -> String {
        let name = MySQLLiteral.identifier(table.name)
        func condition(_ key: [Assignment]) -> String {
            key.map { assignment in
                let column = MySQLLiteral.identifier(assignment.column)
                return assignment.value == .null ? column + " IS NULL" : column + " = " + assignment.value.sql(literal)
            }.joined(separator: " AND ")
        }
        switch operation {
        case .insert(let rows):
            let columns = table.columns.map(MySQLLiteral.identifier).joined(separator: ", ")
            let values = rows.map { "(" + $0.map { $0.sql(literal) }.joined(separator: ", ") + ")" }
            return "INSERT INTO \(name) (\(columns)) VALUES " + values.joined(separator: ", ")
        case .update(let set, let key):
            let assignments = set.map { MySQLLiteral.identifier($0.column) + " = " + $0.value.sql(literal) }
            return "UPDATE \(name) SET " + assignments.joined(separator: ", ") + " WHERE " + condition(key)
        case .delete(let key):
            return "DELETE FROM \(name) WHERE " + condition(key)
        }
    }
}

/// The statements of one transaction, and whether it ends in ROLLBACK.
public struct WorkloadTransaction: Sendable, Hashable {
    /// What the transaction does, for people (`new account`, `move subscriber`).
    public var label: String
    public var statements: [WorkloadStatement]
    /// Ends in ROLLBACK: none of its changes may reach the target.
    public var rollsBack: Bool

    public init(label: String, statements: [WorkloadStatement], rollsBack: Bool) {
        self.label = label
        self.statements = statements
        self.rollsBack = rollsBack
    }

    /// Row changes the statements make (committed or rolled back).
    public var plannedChanges: Int { statements.reduce(0) { $0 + $1.expectedRows } }
}
