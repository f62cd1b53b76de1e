import DynamoDBModel

/// Turns source changes into writes, following a `Mapping` (pure, no I/O).
///
/// The mapping is validated and compiled once into index-based plans, so
/// mapping a row does no lookup by column name: one lookup of the table, then
/// straight passes over the row's values.
///
/// Errors are thrown (typed `MappingError`), so a caller handles the one
/// failure type without unwrapping a `Result` for every row; the whole change
/// fails (nothing of it is written) and goes to the dead-letter store.
public struct ItemMapper: Sendable {
    public struct Options: Sendable, Hashable {
        /// The source's time zone as a fixed offset east of UTC, in seconds;
        /// DATETIME/TIMESTAMP values are read in it and written in UTC. 0 (UTC)
        /// unless the source time zone is configured.
        public var sourceUTCOffsetSeconds: Int

        public init(sourceUTCOffsetSeconds: Int = 0) {
            self.sourceUTCOffsetSeconds = sourceUTCOffsetSeconds
        }
    }

    public let mapping: Mapping
    public let options: Options
    private let plans: [TablePlan]
    /// Plan positions by table name, for mappings with many tables; a few
    /// tables are found faster by comparing names than by hashing one.
    private let planPositions: [String: Int]?

    /// Validates and compiles a mapping. Throws when the mapping is invalid or
    /// the offset is beyond ±18 hours.
    public init(mapping: Mapping, options: Options = Options()) throws(MappingValidationError) {
        try mapping.validate()
        guard abs(options.sourceUTCOffsetSeconds) <= 18 * 3600 else {
            throw MappingValidationError(problems: [
                .init(table: nil, message: "the source UTC offset \(options.sourceUTCOffsetSeconds)s is beyond ±18 hours")
            ])
        }
        self.mapping = mapping
        self.options = options
        self.plans = mapping.tables.map { TablePlan($0, mapping: mapping, options: options) }
        self.planPositions =
            plans.count > 16 ? Dictionary(uniqueKeysWithValues: plans.enumerated().map { ($1.table, $0) }) : nil
    }

    /// The writes for one change:
    /// - snapshot: one unconditional put; insert/update: one conditional put;
    /// - update whose `before` row has another PK/SK: a conditional tombstone
    ///   at the old key, then the conditional put at the new key;
    /// - delete: a conditional tombstone at the row's key (only the key columns
    ///   of a deleted row are read).
    /// Every write carries `change.position.orderingKey` (the change's epoch-0
    /// version) as its version.
    public func map(_ change: SourceChange) throws(MappingError) -> [WriteOp] {
        try map(change, version: change.position.orderingKey)
    }

    /// The writes for one change, each carrying `version` (an `ItemVersion` key:
    /// the forward stream gives a change after a rollback its epoch's key).
    public func map(_ change: SourceChange, version: String) throws(MappingError) -> [WriteOp] {
        let plan = try plan(of: change)
        do throws(MappingError) {
            switch change.operation {
            case .snapshot, .insert, .update:
                let (key, item) = try plan.item(change.row, version: version)
                let put = WriteOp(key: key, action: .put(item), entity: plan.entityType, version: version)
                if change.operation == .update, let before = change.before {
                    let oldKey = try plan.key(before)
                    if oldKey != key {
                        let tombstone = WriteOp(key: oldKey, action: .tombstone, entity: plan.entityType, version: version)
                        return [tombstone, put]
                    }
                }
                return [put]
            case .delete:
                let key = try plan.key(change.row)
                return [
                    WriteOp(key: key, action: .tombstone, entity: plan.entityType, version: version)
                ]
            }
        } catch {
            var error = error
            error.origin = change.origin
            throw error
        }
    }

    /// A full load's put of a snapshot row: its key and its BatchWriteItem put
    /// request, encoded straight from the checked row (no `Item` is built). The
    /// request decodes to the item `map` puts; the errors are `map`'s.
    public func encodedPut(_ change: SourceChange) throws(MappingError) -> EncodedPut {
        let plan = try plan(of: change)
        do throws(MappingError) {
            let version = change.position.orderingKey
            let (key, request) = plan.encodePut(try plan.check(change.row, version: version), version: version)
            return EncodedPut(key: key, request: request, entity: plan.entityType)
        } catch {
            var error = error
            error.origin = change.origin
            throw error
        }
    }

    /// The full item of a row, with `SourceVersion` = `version`.
    public func item(table: String, row: SourceRow, version: String) throws(MappingError) -> (key: ItemKey, item: Item) {
        try plan(table).item(row, version: version)
    }

    /// The PK/SK of a row; only its key columns are read.
    public func key(table: String, row: SourceRow) throws(MappingError) -> ItemKey {
        try plan(table).key(row)
    }

    private func plan(of change: SourceChange) throws(MappingError) -> TablePlan {
        guard let plan = plan(named: change.table) else {
            throw MappingError(
                kind: .unknownTable, table: change.table, reason: "the mapping has no table `\(change.table)`",
                origin: change.origin)
        }
        return plan
    }

    private func plan(named table: String) -> TablePlan? {
        if let planPositions { return planPositions[table].map { plans[$0] } }
        for plan in plans where plan.table == table { return plan }
        return nil
    }

    func plan(_ table: String) throws(MappingError) -> TablePlan {
        guard let plan = plan(named: table) else {
            throw MappingError(kind: .unknownTable, table: table, reason: "the mapping has no table `\(table)`")
        }
        return plan
    }
}

/// A row's put as the load sends it: encoded once, with its key and entity.
public struct EncodedPut: Sendable {
    public let key: ItemKey
    public let request: EncodedPutRequest
    public let entity: String
}
