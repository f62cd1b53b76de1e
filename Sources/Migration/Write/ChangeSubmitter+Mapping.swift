import BillingModel
import MigrationCore

// The mapping step of every change source (`apply`'s files, `stream`'s binlog):
// a change becomes its writes, or a dead letter with the mapping's reason.

/// What a settled change needs to become a dead letter.
struct ChangeContext: Sendable {
    /// `.write` for submitted changes; `.map` or `.parse` for rejected ones.
    var stage: DeadLetterRecord.Stage
    var origin: RowOrigin
    var row: SourceRow?
    var raw: String?
    /// The change's batch id (see `LogKey.batch`), when the submitter knows it; else given at `deadLetter`.
    var batch: String?

    func deadLetter(table: String, columns: [String]?, reason: String, at: String, batch: String? = nil) -> DeadLetterRecord {
        DeadLetterRecord(
            stage: stage, table: table, source: origin.source, line: origin.line, reason: reason,
            columns: row == nil ? nil : columns, values: row?.map(UnitAssembler.text), raw: raw, at: at,
            batch: self.batch ?? batch)
    }
}

extension ChangeSubmitter where Context == ChangeContext {
    /// Maps one change and submits its writes, versioned `version` (default: the
    /// change's position, its epoch-0 key); a change the mapping rejects settles
    /// at once as a dead letter with the mapping's reason. Returns the writes (none when rejected).
    @discardableResult
    func submit(_ change: SourceChange, mapper: ItemMapper, mark: Mark, version: String? = nil, batch: String? = nil) async throws -> [WriteOp] {
        let writes: [WriteOp]
        do throws(MappingError) {
            writes = try mapper.map(change, version: version ?? change.position.orderingKey)
        } catch {
            reject(
                entity: change.table, mark: mark,
                context: ChangeContext(stage: .map, origin: change.origin, row: change.row, batch: batch),
                reason: error.description)
            return []
        }
        try await submit(
            writes, entity: change.table, mark: mark,
            context: ChangeContext(stage: .write, origin: change.origin, row: change.row, batch: batch))
        return writes
    }
}
