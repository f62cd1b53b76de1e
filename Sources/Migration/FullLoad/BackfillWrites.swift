import BillingModel
import MigrationCore

/// How a backfill writes its items: each one conditional on its version, so a
/// re-loaded row never overwrites a newer change the stream (or `apply`) wrote,
/// whether that change landed before the backfill or lands while it runs.
/// BatchWriteItem takes no condition, so every item is one PutItem, retried and
/// dead-lettered by the change applier's rules; a unit's puts go one after the
/// other, and the load's units in flight (`--concurrency`) make the parallelism.
struct BackfillWrites: Sendable {
    /// The `SourceVersion` every item carries (`BackfillVersion`).
    let version: String
    let applier: ChangeApplier

    func apply(_ puts: [PendingPut]) async throws -> BatchApplier.Outcome {
        var outcome = BatchApplier.Outcome()
        for put in puts {
            switch try await applier.apply(WriteOp(key: put.key, action: .put(put.item), entity: put.entity, version: version)) {
            case .applied: outcome.written += 1
            case .skippedStale: outcome.keptNewer.append(put)
            case .failed(let reason): outcome.failed.append((put, reason))
            }
        }
        return outcome
    }
}
