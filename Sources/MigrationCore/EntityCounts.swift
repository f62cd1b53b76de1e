/// What happened to the rows of one entity (source table).
public struct EntityCounts: Sendable, Codable, Equatable {
    /// Rows read from the source, good or bad.
    public var rowsRead: Int
    /// Items DynamoDB accepted.
    public var itemsWritten: Int
    /// Rows that went to the dead-letter store instead.
    public var deadLettered: Int

    public init(rowsRead: Int = 0, itemsWritten: Int = 0, deadLettered: Int = 0) {
        self.rowsRead = rowsRead
        self.itemsWritten = itemsWritten
        self.deadLettered = deadLettered
    }

    public static func + (lhs: EntityCounts, rhs: EntityCounts) -> EntityCounts {
        EntityCounts(
            rowsRead: lhs.rowsRead + rhs.rowsRead,
            itemsWritten: lhs.itemsWritten + rhs.itemsWritten,
            deadLettered: lhs.deadLettered + rhs.deadLettered
        )
    }

    public static func += (lhs: inout EntityCounts, rhs: EntityCounts) {
        lhs = lhs + rhs
    }

    /// Rows neither written nor dead-lettered. Non-zero after a finished run is a bug
    /// or a failure, never a success.
    public var unaccounted: Int { rowsRead - itemsWritten - deadLettered }
}
