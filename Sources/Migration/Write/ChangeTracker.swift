import MigrationCore
import Synchronization

/// The `ChangeLedger` shared by the lanes that record writes and the reader that
/// opens changes and takes what settled. It outlives a `ChangeApplier.run`, so
/// the settled changes of a failed run can still be checkpointed.
public final class ChangeTracker<Mark: Sendable, Context: Sendable>: Sendable {
    public typealias Ledger = ChangeLedger<Mark, Context>

    private let ledger = Mutex(Ledger())
    /// Signalled whenever the ledger may have moved, so a collector waits for
    /// settled changes instead of polling for them.
    let settlements = Wakeup()

    public init() {}

    /// The entries that passed under the low-watermark since the last call, in order.
    public func takeSettled() -> [Ledger.Settled] {
        ledger.withLock { $0.takeSettled() }
    }

    /// Changes opened and not yet under the watermark.
    public var pendingCount: Int { ledger.withLock { $0.pendingCount } }

    public var isSettled: Bool { ledger.withLock { $0.isSettled } }

    func open(mark: Mark, entity: String, context: Context, writes: Int) -> Int {
        ledger.withLock { $0.open(mark: mark, entity: entity, context: context, writes: writes) }
    }

    func reject(mark: Mark, entity: String, context: Context, reason: String) {
        ledger.withLock { $0.reject(mark: mark, entity: entity, context: context, reason: reason) }
        settlements.signal()
    }

    func mark(_ mark: Mark) {
        ledger.withLock { $0.mark(mark) }
        settlements.signal()
    }

    func record(_ ticket: Int, _ result: Ledger.WriteResult) {
        ledger.withLock { $0.record(ticket, result) }
        settlements.signal()
    }
}
