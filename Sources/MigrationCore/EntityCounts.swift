/// What happened to the rows of one entity (source table).
public struct EntityCounts: Sendable, Codable, Equatable {
    /// Rows read from the source, good or bad.
    public var rowsRead: Int
    /// Items DynamoDB accepted.
    public var itemsWritten: Int
    /// Rows that went to the dead-letter store instead.
    public var deadLettered: Int
    /// A backfill's rows dated outside its range (read from staged files, which
    /// cannot be filtered before they are read): left out on purpose.
    public var skippedOutOfRange: Int
    /// A backfill's rows whose item the table already holds at the same version
    /// or a newer one (a change applied since, or the same snapshot loaded
    /// before): left as they are, by the version condition.
    public var keptNewer: Int

    public init(rowsRead: Int = 0, itemsWritten: Int = 0, deadLettered: Int = 0, skippedOutOfRange: Int = 0, keptNewer: Int = 0) {
        self.rowsRead = rowsRead
        self.itemsWritten = itemsWritten
        self.deadLettered = deadLettered
        self.skippedOutOfRange = skippedOutOfRange
        self.keptNewer = keptNewer
    }

    public static func + (lhs: EntityCounts, rhs: EntityCounts) -> EntityCounts {
        EntityCounts(
            rowsRead: lhs.rowsRead + rhs.rowsRead,
            itemsWritten: lhs.itemsWritten + rhs.itemsWritten,
            deadLettered: lhs.deadLettered + rhs.deadLettered,
            skippedOutOfRange: lhs.skippedOutOfRange + rhs.skippedOutOfRange,
            keptNewer: lhs.keptNewer + rhs.keptNewer
        )
    }

    public static func += (lhs: inout EntityCounts, rhs: EntityCounts) {
        lhs = lhs + rhs
    }

    /// Rows neither written, dead-lettered nor skipped. Non-zero after a finished
    /// run is a bug or a failure, never a success.
    public var unaccounted: Int { rowsRead - itemsWritten - deadLettered - skippedOutOfRange - keptNewer }

    private enum CodingKeys: String, CodingKey {
        case rowsRead, itemsWritten, deadLettered, skippedOutOfRange, keptNewer
    }

    // The backfill's counts are left out at zero, so checkpoints and summaries of
    // full loads read and look as they did before backfills existed.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rowsRead = try container.decode(Int.self, forKey: .rowsRead)
        itemsWritten = try container.decode(Int.self, forKey: .itemsWritten)
        deadLettered = try container.decode(Int.self, forKey: .deadLettered)
        skippedOutOfRange = try container.decodeIfPresent(Int.self, forKey: .skippedOutOfRange) ?? 0
        keptNewer = try container.decodeIfPresent(Int.self, forKey: .keptNewer) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rowsRead, forKey: .rowsRead)
        try container.encode(itemsWritten, forKey: .itemsWritten)
        try container.encode(deadLettered, forKey: .deadLettered)
        if skippedOutOfRange != 0 { try container.encode(skippedOutOfRange, forKey: .skippedOutOfRange) }
        if keptNewer != 0 { try container.encode(keptNewer, forKey: .keptNewer) }
    }
}
