/// One entity's counts in a validation.
public struct EntityTally: Sendable, Hashable, Codable {
    /// Source rows compared.
    public var rows = 0
    /// Data items found (tombstones and tracking items are not data).
    public var items = 0
    /// Rows whose item is there and equal in every attribute.
    public var matched = 0
    public var missing = 0
    public var extra = 0
    public var different = 0
    public var orphans = 0
    /// Items whose reference is dangling in the source as well (a charge of a
    /// deleted subscriber, where MySQL has no foreign key): the table says what
    /// the source says, so these are a finding about the data, not a mismatch.
    public var sourceOrphans = 0
    public var gsiKeyMismatches = 0
    /// Source rows the mapping rejects (a load dead-letters them): not expected in the table.
    public var unmappable = 0
    /// Keys with at least one mismatch of any kind.
    public var failedKeys = 0

    public init() {}

    public mutating func add(_ other: EntityTally) {
        rows += other.rows
        items += other.items
        matched += other.matched
        missing += other.missing
        extra += other.extra
        different += other.different
        orphans += other.orphans
        sourceOrphans += other.sourceOrphans
        gsiKeyMismatches += other.gsiKeyMismatches
        unmappable += other.unmappable
        failedKeys += other.failedKeys
    }

    mutating func count(_ kind: MismatchKind) {
        switch kind {
        case .missing: missing += 1
        case .extra: extra += 1
        case .different: different += 1
        case .orphan: orphans += 1
        case .gsiKeyMismatch: gsiKeyMismatches += 1
        }
    }

    /// Keys checked: every row, and every item that has no row.
    public var checkedKeys: Int { rows + extra }

    public var mismatches: Int { missing + extra + different + orphans + gsiKeyMismatches }
}
