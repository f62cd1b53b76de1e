import BillingModel
import DynamoDB
import DynamoDBModel
import Migration
import MigrationCore
import MySQLSource
import ValidationCore

/// What a repair did.
public struct RepairSummary: Sendable, Codable, Hashable {
    /// The version the repair's writes carry (the source's binlog position read
    /// before any row was), so a newer change is never overwritten.
    public var version: String
    /// Items written again from their source rows.
    public var rewritten = 0
    /// Extra items replaced by tombstones (their row is not in the source).
    public var tombstoned = 0
    /// Extra items of no known entity, deleted.
    public var deleted = 0
    /// Writes skipped because the item already holds a newer change.
    public var skippedNewer = 0
    /// Mismatches a repair does not act on (orphans: their parent's repair fixes them).
    public var leftAlone = 0
    /// Writes that failed, with the reason.
    public var failures: [String] = []

    public init(version: String) {
        self.version = version
    }
}

/// Puts right what a validation report names, through the version-conditional
/// apply: every write is conditional on `SourceVersion < version`, where
/// `version` is the source's binlog position read before the rows are. A row
/// read after that position holds every change committed before it, so the
/// write is at least as new as anything the stream wrote before; a change
/// committed later carries a higher version and wins, whichever lands first.
/// Without a binlog the repair carries version `1`: newer than a full load
/// (`0`), older than every change. After a rollback the position carries its
/// epoch (`epochs`), as the stream's changes do, so a repair of an item last
/// written in an earlier DynamoDB epoch is not skipped as stale.
public struct Repairer: Sendable {
    public let table: String
    public let mapping: Mapping
    public let mapperOptions: ItemMapper.Options
    public let source: MySQLConnectionConfiguration
    public let dynamoDB: DynamoDBClient
    public let target: any ItemWriteTarget
    public let applyConfiguration: ChangeApplier.Configuration
    public let epochs: SwitchEpochHistory

    public init(
        table: String, mapping: Mapping = .billing, mapperOptions: ItemMapper.Options = .init(),
        source: MySQLConnectionConfiguration, dynamoDB: DynamoDBClient, target: any ItemWriteTarget,
        applyConfiguration: ChangeApplier.Configuration = .init(lanes: 8), epochs: SwitchEpochHistory = SwitchEpochHistory()
    ) {
        self.epochs = epochs
        self.table = table
        self.mapping = mapping
        self.mapperOptions = mapperOptions
        self.source = source
        self.dynamoDB = dynamoDB
        self.target = target
        self.applyConfiguration = applyConfiguration
    }

    /// The version a repair without a binlog position carries.
    public static let fallbackVersion = "1"

    public func run(report: ValidationReport) async throws -> RepairSummary {
        let connection = try await MySQLConnection.connect(source)
        do {
            let summary = try await run(report: report, connection: connection)
            await connection.close()
            return summary
        } catch {
            await connection.close()
            throw error
        }
    }

    func run(report: ValidationReport, connection: MySQLConnection) async throws -> RepairSummary {
        let mapper = try ItemMapper(mapping: mapping, options: mapperOptions)
        let reader = ValidationSourceReader(connection: connection, database: source.database, mapping: mapping)
        let position = try await reader.currentPosition()
        let version = position.map { epochs.version(ofMySQLChangeAt: $0.sourcePosition(rowIndex: 0)).orderingKey } ?? Self.fallbackVersion
        var summary = RepairSummary(version: version)

        // One action per key, whatever kinds of mismatch it has.
        var writes: [(entity: String, ops: [WriteOp])] = []
        var deletions: [ItemKey] = []
        var seen: Set<ItemKey> = []
        for mismatch in report.mismatches {
            guard mismatch.kind != .orphan else {
                summary.leftAlone += 1
                continue
            }
            guard seen.insert(mismatch.key).inserted else { continue }
            guard let entity = mismatch.entity, let sourceKey = mismatch.sourceKey else {
                deletions.append(mismatch.key)
                continue
            }
            if let row = try await reader.row(table: entity, key: sourceKey) {
                do {
                    let (key, item) = try mapper.item(table: entity, row: row, version: version)
                    writes.append((entity, [WriteOp(key: key, action: .put(item), entity: entity, version: version)]))
                    if key != mismatch.key, mismatch.kind == .extra {
                        // The row moved to another key: the item at the old one is extra.
                        writes.append((entity, [WriteOp(key: mismatch.key, action: .tombstone, entity: entity, version: version)]))
                    }
                } catch {
                    summary.failures.append("\(mismatch.key): the source row does not map: \(error)")
                }
            } else {
                writes.append((entity, [WriteOp(key: mismatch.key, action: .tombstone, entity: entity, version: version)]))
            }
        }

        // The ordered, version-conditional apply the change stream uses.
        let throttle = WriteThrottle(configuration: AdaptiveRateController.Configuration())
        let applier = ChangeApplier(target: target, throttle: throttle, configuration: applyConfiguration)
        let tracker = ChangeTracker<Int, Bool>()
        let planned = writes
        try await applier.run(tracker: tracker) { submitter in
            for (index, write) in planned.enumerated() {
                let isTombstone: Bool
                if case .tombstone = write.ops[0].action { isTombstone = true } else { isTombstone = false }
                try await submitter.submit(write.ops, entity: write.entity, mark: index, context: isTombstone)
            }
        }
        for settled in tracker.takeSettled() {
            guard let change = settled.change else { continue }
            switch change.outcome {
            case .applied:
                if change.context { summary.tombstoned += 1 } else { summary.rewritten += 1 }
            case .skippedStale:
                summary.skippedNewer += 1
            case .deadLettered(let reason):
                summary.failures.append(reason)
            }
        }

        // Items of no known entity: deleted, unless a change has written them since.
        for key in deletions {
            let condition = DynamoDB.Expression(
                "attribute_not_exists(#version) OR #version < :version",
                names: ["#version": MigrationAttribute.sourceVersion], values: [":version": .s(version)])
            let keyItem: Item = [mapping.partitionKeyAttribute: .s(key.pk), mapping.sortKeyAttribute: .s(key.sk)]
            let outcome = try await dynamoDB.deleteItem(table, key: keyItem, condition: condition)
            if outcome.isApplied { summary.deleted += 1 } else { summary.skippedNewer += 1 }
        }
        return summary
    }
}
