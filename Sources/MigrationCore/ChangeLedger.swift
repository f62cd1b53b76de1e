/// What one write of a change, conditional on its source version, did.
public enum ChangeWriteResult: Sendable, Hashable {
    case applied
    /// A newer (or the same) version was already there.
    case skippedStale
    /// Rejected, or not accepted within the retry budget.
    case failed(reason: String)
}

/// The bookkeeping of changes whose writes finish out of order: which changes are
/// settled, how each ended, and the low-watermark over their marks.
///
/// A change opens with the number of its writes (two for a primary-key change:
/// the tombstone at the old key and the put at the new one) and settles when the
/// last of them is recorded. Only changes under the watermark (it and everything
/// opened before it settled) are handed out, in the order they were opened, so a
/// checkpoint taken from them is always safe to resume from. Pure: the applier
/// feeds it events and persists what it hands out.
public struct ChangeLedger<Mark: Sendable, Context: Sendable>: Sendable {
    public typealias WriteResult = ChangeWriteResult

    /// An entry under the watermark: a change with its outcome, or a bare mark
    /// (such as the end of a file) that only moves the watermark.
    public struct Settled: Sendable {
        public var mark: Mark
        public var change: SettledChange?
    }

    public struct SettledChange: Sendable {
        public var entity: String
        public var context: Context
        public var outcome: ChangeOutcome
    }

    private struct Entry: Sendable {
        var mark: Mark
        var entity: String?
        var context: Context?
        var remainingWrites: Int
        var applied = false
        var failures: [String] = []
    }

    private var watermark = BatchWatermark<Int>(start: -1)
    private var entries: [Int: Entry] = [:]
    private var ready: [Settled] = []
    /// The mark of the last entry under the watermark, nil before any.
    public private(set) var lastSettledMark: Mark?

    public init() {}

    /// True when every opened entry has settled.
    public var isSettled: Bool { watermark.isSettled }

    /// Entries opened and not yet under the watermark.
    public var pendingCount: Int { entries.count }

    /// Opens a change with `writes` (at least one) writes; returns its ticket.
    public mutating func open(mark: Mark, entity: String, context: Context, writes: Int) -> Int {
        precondition(writes > 0, "a change to apply has at least one write")
        let ticket = watermark.issue(upTo: 0)
        entries[ticket] = Entry(mark: mark, entity: entity, context: context, remainingWrites: writes)
        return ticket
    }

    /// A change that cannot be applied at all (unparsable, unmappable): it settles
    /// at once as dead-lettered, in its place in the order.
    public mutating func reject(mark: Mark, entity: String, context: Context, reason: String) {
        let ticket = watermark.issue(upTo: 0)
        var entry = Entry(mark: mark, entity: entity, context: context, remainingWrites: 0)
        entry.failures = [reason]
        entries[ticket] = entry
        settle(ticket)
    }

    /// A mark with no change (the end of a file): it passes under the watermark
    /// once everything opened before it has settled.
    public mutating func mark(_ mark: Mark) {
        let ticket = watermark.issue(upTo: 0)
        entries[ticket] = Entry(mark: mark, remainingWrites: 0)
        settle(ticket)
    }

    /// Records one write of the change `ticket`.
    public mutating func record(_ ticket: Int, _ result: WriteResult) {
        guard var entry = entries[ticket], entry.remainingWrites > 0 else { return }
        entry.remainingWrites -= 1
        switch result {
        case .applied: entry.applied = true
        case .skippedStale: break
        case .failed(let reason): entry.failures.append(reason)
        }
        entries[ticket] = entry
        if entry.remainingWrites == 0 { settle(ticket) }
    }

    /// Hands out the entries that passed under the watermark since the last call,
    /// in the order they were opened.
    public mutating func takeSettled() -> [Settled] {
        defer { ready = [] }
        return ready
    }

    private mutating func settle(_ ticket: Int) {
        for sequence in watermark.complete(ticket) {
            guard let entry = entries.removeValue(forKey: sequence) else { continue }
            lastSettledMark = entry.mark
            var change: SettledChange?
            if let entity = entry.entity, let context = entry.context {
                let outcome: ChangeOutcome
                if !entry.failures.isEmpty {
                    outcome = .deadLettered(reason: entry.failures.joined(separator: "; "))
                } else if entry.applied {
                    outcome = .applied
                } else {
                    outcome = .skippedStale
                }
                change = SettledChange(entity: entity, context: context, outcome: outcome)
            }
            ready.append(Settled(mark: entry.mark, change: change))
        }
    }
}
