import BillingModel
import MySQLSource

/// The changes a transaction made, worked out from `SELECT`s before and after
/// it: the oracle the binlog stream is checked against.
struct TableState {
    var table: String
    var keyIndexes: [Int]
    var rows: [[SourceValue]: SourceRow]

    init(table: String, keyIndexes: [Int], rows: [SourceRow]) {
        self.table = table
        self.keyIndexes = keyIndexes
        self.rows = Dictionary(uniqueKeysWithValues: rows.map { row in (keyIndexes.map { row[$0] }, row) })
    }

    func key(of row: SourceRow) -> [SourceValue] { keyIndexes.map { row[$0] } }

    /// Inserts, deletes and in-place updates from `self` to `after`.
    func changes(to after: TableState) -> [FixtureChange] {
        var changes: [FixtureChange] = []
        for (key, row) in after.rows {
            if let old = rows[key] {
                if old != row { changes.append(FixtureChange(table: table, operation: "update", row: row, before: old)) }
            } else {
                changes.append(FixtureChange(table: table, operation: "insert", row: row, before: nil))
            }
        }
        for (key, old) in rows where after.rows[key] == nil {
            changes.append(FixtureChange(table: table, operation: "delete", row: old, before: nil))
        }
        return changes
    }
}

/// Binlog changes in the oracle's terms: an update that moves a row to
/// another key is a delete of the old key and an insert of the new one.
func normalised(_ changes: [SourceChange], keyIndexes: [String: [Int]]) -> [FixtureChange] {
    changes.flatMap { change -> [FixtureChange] in
        guard change.operation == .update, let before = change.before, let key = keyIndexes[change.table],
              key.map({ before[$0] }) != key.map({ change.row[$0] })
        else { return [FixtureChange(change)] }
        return [
            FixtureChange(table: change.table, operation: "delete", row: before, before: nil),
            FixtureChange(table: change.table, operation: "insert", row: change.row, before: nil),
        ]
    }
}

/// A stable order for comparing change lists as multisets.
func sortedForComparison(_ changes: [FixtureChange]) -> [FixtureChange] {
    changes.sorted { "\($0)" < "\($1)" }
}
