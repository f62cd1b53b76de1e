/// What happened to the changes of one entity (source table) while they were applied.
public struct ChangeCounts: Sendable, Codable, Equatable {
    /// Changes read from the source, good or bad.
    public var changesRead: Int
    /// Changes that wrote at least one item (a row, or a tombstone).
    public var applied: Int
    /// Changes whose every write found a newer (or the same) version already there:
    /// replays and changes that arrived after a later one. Not an error.
    public var skippedStale: Int
    /// Changes that went to the dead-letter store instead.
    public var deadLettered: Int

    public init(changesRead: Int = 0, applied: Int = 0, skippedStale: Int = 0, deadLettered: Int = 0) {
        self.changesRead = changesRead
        self.applied = applied
        self.skippedStale = skippedStale
        self.deadLettered = deadLettered
    }

    /// Counts one settled change.
    public mutating func record(_ outcome: ChangeOutcome) {
        changesRead += 1
        switch outcome {
        case .applied: applied += 1
        case .skippedStale: skippedStale += 1
        case .deadLettered: deadLettered += 1
        }
    }

    public static func + (lhs: ChangeCounts, rhs: ChangeCounts) -> ChangeCounts {
        ChangeCounts(
            changesRead: lhs.changesRead + rhs.changesRead,
            applied: lhs.applied + rhs.applied,
            skippedStale: lhs.skippedStale + rhs.skippedStale,
            deadLettered: lhs.deadLettered + rhs.deadLettered)
    }

    public static func += (lhs: inout ChangeCounts, rhs: ChangeCounts) {
        lhs = lhs + rhs
    }

    /// Changes neither applied, skipped as stale, nor dead-lettered: non-zero after
    /// a finished run is a bug or a failure.
    public var unaccounted: Int { changesRead - applied - skippedStale - deadLettered }
}

/// How one change ended.
public enum ChangeOutcome: Sendable, Hashable {
    case applied
    case skippedStale
    /// Not applied; the change is in the dead-letter store with this reason.
    case deadLettered(reason: String)
}
