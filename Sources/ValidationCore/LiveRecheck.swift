import DynamoDBModel

/// The bookkeeping of live validation (pure): which mismatches of a first pass
/// were only changes in flight, and which last.
///
/// While changes flow, a key can differ only because the stream has not yet
/// applied a change the source already has (or has applied one the source read
/// did not see). So every mismatch is checked again: its account's rows are
/// read, then the source position `P` after them; once the stream has applied
/// everything up to `P`, the items are read. A key that now matches was in
/// flight (settled). A key that still differs while its item's `SourceVersion`
/// is at or below `P` lasts: the stream has applied every change the row read
/// saw, and the item still disagrees. A key whose item holds a change after `P`
/// (for an orphan: any item of its partition) moved again meanwhile: it stays
/// in flight for the next round.
public struct LiveRecheck: Sendable {
    /// Keys still in flight, with their first-pass mismatches.
    private var pending: [ItemKey: [Mismatch]] = [:]
    private var lasting: [ItemKey: [Mismatch]] = [:]
    /// Keys of the first pass that settled, with their first-pass mismatches.
    private var settled: [ItemKey: [Mismatch]] = [:]
    /// Keys first seen mismatched in a recheck (not in the first pass).
    private var discovered: Set<ItemKey> = []
    private var firstPass: Set<ItemKey> = []
    public private(set) var rounds = 1
    /// First-pass mismatches not listed (over the report's cap): never rechecked.
    public let omitted: Int

    /// The partition number (account) of a partition key; nil for a key of none.
    private let number: @Sendable (String) -> UInt64?

    /// `number` reads the partition number of a key (billing's `BAN#{ban}` by
    /// default; `PartitionScheme.number(inPartitionKey:)` for any mapping).
    public init(
        firstPass mismatches: [Mismatch], omitted: Int,
        number: @escaping @Sendable (String) -> UInt64? = { AccountPartitions.account(inPartitionKey: $0) }
    ) {
        self.omitted = omitted
        self.number = number
        for mismatch in mismatches {
            if number(mismatch.pk) == nil {
                lasting[mismatch.key, default: []].append(mismatch)
            } else {
                pending[mismatch.key, default: []].append(mismatch)
            }
            firstPass.insert(mismatch.key)
        }
    }

    /// The accounts that hold keys in flight, ascending.
    public var pendingAccounts: [UInt64] {
        Set(pending.keys.compactMap { number($0.pk) }).sorted()
    }

    public var isSettled: Bool { pending.isEmpty }

    public mutating func startRound() {
        rounds += 1
    }

    /// Records a recheck of `accounts`: the mismatches found, the
    /// `SourceVersion` of every item read (tombstones too) by key, and the
    /// ordering key of the source position read after the rows.
    public mutating func record(
        accounts: [UInt64], mismatches: [Mismatch], versions: [ItemKey: String], position: String
    ) {
        let checked = Set(accounts)
        var found: [ItemKey: [Mismatch]] = [:]
        for mismatch in mismatches { found[mismatch.key, default: []].append(mismatch) }
        func isAfterPosition(_ version: String) -> Bool { position.utf8.lexicographicallyPrecedes(version.utf8) }
        // An orphan is decided by its parent, not by itself: the account item
        // deleted by a change after the position while its children's deletes
        // are still in flight looks like an orphan at an old version. So any
        // item of its partition that moved on keeps an orphan in flight.
        let movedPartitions = Set(versions.lazy.filter { isAfterPosition($0.value) }.map(\.key.pk))
        func movedOn(_ key: ItemKey, _ mismatches: [Mismatch]) -> Bool {
            if let version = versions[key], isAfterPosition(version) { return true }
            return mismatches.contains { $0.kind == .orphan } && movedPartitions.contains(key.pk)
        }
        for key in pending.keys {
            guard let account = number(key.pk), checked.contains(account) else { continue }
            if let now = found[key] {
                if !movedOn(key, now) {
                    lasting[key] = now
                    pending[key] = nil
                }
            } else {
                settled[key] = pending[key]
                pending[key] = nil
            }
        }
        for (key, now) in found where !firstPass.contains(key) && lasting[key] == nil && pending[key] == nil {
            // A change that landed between the passes: recheck it like the others.
            discovered.insert(key)
            if movedOn(key, now) { pending[key] = now } else { lasting[key] = now }
        }
    }

    /// The outcome: the mismatches that last or could not be confirmed (still
    /// in flight after the last round), the first pass's counts corrected for
    /// keys that settled, and the live summary.
    public func finish(entities: [String: EntityTally], shareChecked: Double)
        -> (mismatches: [Mismatch], entities: [String: EntityTally], summary: LiveSummary)
    {
        var entities = entities
        for (_, mismatches) in settled {
            for mismatch in mismatches { entities[mismatch.entity ?? PartitionComparator.unknownEntity]?.uncount(mismatch.kind) }
            if let first = mismatches.first {
                let entity = first.entity ?? PartitionComparator.unknownEntity
                entities[entity]?.failedKeys -= 1
                if !mismatches.contains(where: { $0.kind == .extra }) { entities[entity]?.matched += 1 }
            }
        }
        for key in discovered {
            guard let mismatches = lasting[key] ?? pending[key], let first = mismatches.first else { continue }
            let entity = first.entity ?? PartitionComparator.unknownEntity
            for mismatch in mismatches { entities[entity, default: EntityTally()].count(mismatch.kind) }
            entities[entity, default: EntityTally()].failedKeys += 1
        }
        let remaining = (lasting.values.flatMap { $0 } + pending.values.flatMap { $0 }).sorted(by: PartitionComparator.reportOrder)
        let summary = LiveSummary(
            rounds: rounds, rechecked: firstPass.count + discovered.count, settled: settled.count,
            lasting: lasting.count, unconfirmed: pending.count + omitted, shareChecked: shareChecked)
        return (remaining, entities, summary)
    }
}

extension EntityTally {
    mutating func uncount(_ kind: MismatchKind) {
        switch kind {
        case .missing: missing -= 1
        case .extra: extra -= 1
        case .different: different -= 1
        case .orphan: orphans -= 1
        case .gsiKeyMismatch: gsiKeyMismatches -= 1
        }
    }
}
