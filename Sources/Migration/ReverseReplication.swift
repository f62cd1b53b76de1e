import BillingModel
import DMSStaging
import DynamoDB
import DynamoDBModel
import Foundation
import MigrationCore
import MySQLSource

/// Where reverse replication writes: one call per page of stream records, applied
/// atomically (MySQL: one transaction).
public protocol RowWriteTarget: Sendable {
    func apply(_ writes: [RowWrite]) async throws
}

/// `RowWriteTarget` on a MySQL connection: upserts (`INSERT … ON DUPLICATE KEY
/// UPDATE` of the mapped columns) and deletes by primary key, one transaction per call.
public struct MySQLRowWriteTarget: RowWriteTarget {
    public let connection: MySQLConnection

    public init(connection: MySQLConnection) {
        self.connection = connection
    }

    public func apply(_ writes: [RowWrite]) async throws {
        guard !writes.isEmpty else { return }
        let connection = self.connection
        var statements: [String] = []
        for write in writes {
            statements.append(try await Self.statement(write, literal: { try await connection.literal($0) }))
        }
        // As AWS DMS does on its targets: rows arrive in each account's stream order, a
        // child may land before a parent that sits in another shard (a moved subscriber).
        _ = try await connection.execute("SET SESSION foreign_key_checks = 0")
        _ = try await connection.execute("START TRANSACTION")
        do {
            for statement in statements { _ = try await connection.execute(statement) }
            _ = try await connection.execute("COMMIT")
        } catch {
            _ = try? await connection.execute("ROLLBACK")
            throw error
        }
    }

    /// The SQL of one write, values rendered by `literal` (the connection's escaping).
    public static func statement(_ write: RowWrite, literal: (SourceValue) async throws -> String) async throws -> String {
        func name(_ identifier: String) -> String { "`" + identifier.replacingOccurrences(of: "`", with: "``") + "`" }
        switch write {
        case .upsert(let table, let columns, let values):
            var literals: [String] = []
            for value in values { literals.append(try await literal(value)) }
            return "INSERT INTO \(name(table)) (" + columns.map(name).joined(separator: ", ") + ") VALUES ("
                + literals.joined(separator: ", ") + ") ON DUPLICATE KEY UPDATE "
                + columns.map { "\(name($0)) = VALUES(\(name($0)))" }.joined(separator: ", ")
        case .delete(let table, let keyColumns, let keyValues):
            var conditions: [String] = []
            for (column, value) in zip(keyColumns, keyValues) { conditions.append("\(name(column)) = \(try await literal(value))") }
            return "DELETE FROM \(name(table)) WHERE " + conditions.joined(separator: " AND ")
        }
    }
}

/// Reverse replication: a table's DynamoDB stream (NEW_AND_OLD_IMAGES) applied to
/// MySQL while DynamoDB is the write primary, so a rollback finds MySQL current.
///
/// Shards are read parents first (`ShardLineage`), each in its order; a page of
/// records becomes one MySQL transaction, then the shard's checkpoint (its last
/// sequence number) is saved. A killed run replays at most the page after the
/// checkpoint: upserts of whole images and deletes by key converge on replay.
/// Only changes written in the reverse epoch (`SwitchEpochHistory.reverseShouldApply`)
/// are copied: older ones are MySQL's own states coming back.
public struct ReverseReplication: Sendable {
    public struct Configuration: Sendable {
        public var streamArn: String
        public var mapping: Mapping
        public var epochs: SwitchEpochHistory
        /// The DynamoDB epoch whose writes this run copies.
        public var reverseEpoch: SwitchEpoch
        public var pageSize: Int
        public var pollInterval: Duration
        /// Stop after a round in which no shard had a record (the drain of a rollback).
        public var stopWhenCaughtUp: Bool

        public init(
            streamArn: String, mapping: Mapping = .billing, epochs: SwitchEpochHistory, reverseEpoch: SwitchEpoch, pageSize: Int = 1_000,
            pollInterval: Duration = .seconds(1), stopWhenCaughtUp: Bool = false
        ) {
            self.streamArn = streamArn
            self.mapping = mapping
            self.epochs = epochs
            self.reverseEpoch = reverseEpoch
            self.pageSize = pageSize
            self.pollInterval = pollInterval
            self.stopWhenCaughtUp = stopWhenCaughtUp
        }
    }

    public struct Summary: Sendable, Hashable, Codable {
        public var records = 0
        /// Upserts and deletes sent to MySQL.
        public var rowWrites = 0
        /// Changes from an earlier epoch (MySQL already had them).
        public var skippedOlderEpoch = 0
        /// Tombstones over no row, tracking and control items.
        public var notRows = 0
        public var deadLettered = 0
    }

    public let configuration: Configuration
    let streams: DynamoDBStreamsClient
    let target: any RowWriteTarget
    let stateStore: any ObjectStore
    let checkpointKey: String
    let deadLetters: DeadLetterStore
    public let stop: StopSignal

    public init(
        configuration: Configuration, streams: DynamoDBStreamsClient, target: any RowWriteTarget,
        state: (store: any ObjectStore, prefix: String), stop: StopSignal = StopSignal()
    ) {
        self.configuration = configuration
        self.streams = streams
        self.target = target
        stateStore = state.store
        let prefix = state.prefix.isEmpty || state.prefix.hasSuffix("/") ? state.prefix : state.prefix + "/"
        checkpointKey = prefix + "reverse/checkpoint.json"
        deadLetters = DeadLetterStore(store: state.store, prefix: prefix + "dead-letters/")
        self.stop = stop
    }

    public func run() async throws -> Summary {
        let reverse = ReverseMapper(decoder: ItemDecoder(mapping: configuration.mapping))
        var checkpoint = try await loadCheckpoint()
        var summary = Summary()
        while !stop.isStopped {
            let description = try await streams.describeStream(configuration.streamArn)
            let lineage = ShardLineage(description.shards.map { .init(id: $0.shardId, parentId: $0.parentShardId, isClosed: $0.isClosed) })
            checkpoint.prune(keeping: Set(description.shards.map(\.shardId)))
            var roundRecords = 0
            for shard in lineage.readable(finished: checkpoint.finishedShards) where !stop.isStopped {
                let start: ShardIteratorStart = checkpoint.resumePoint(shard: shard.id).map { .afterSequenceNumber($0.digits) } ?? .trimHorizon
                var iterator: String? = try await streams.getShardIterator(streamArn: configuration.streamArn, shardId: shard.id, from: start)
                while let current = iterator, !stop.isStopped {
                    let page = try await streams.getRecords(shardIterator: current, limit: configuration.pageSize)
                    roundRecords += page.records.count
                    try await apply(page.records, shard: shard.id, reverse: reverse, summary: &summary)
                    if let last = page.records.last, let sequence = StreamSequenceNumber(last.sequenceNumber) {
                        checkpoint.markApplied(shard: shard.id, through: sequence)
                    }
                    if page.nextShardIterator == nil {
                        checkpoint.markFinished(shard: shard.id)
                    }
                    if !page.records.isEmpty || page.nextShardIterator == nil { try await save(checkpoint) }
                    // An empty page of an open shard: caught up with it for now.
                    iterator = page.records.isEmpty ? nil : page.nextShardIterator
                }
            }
            if configuration.stopWhenCaughtUp && roundRecords == 0 { break }
            if roundRecords == 0 { await stop.sleep(for: configuration.pollInterval) }
        }
        return summary
    }

    /// One page: its MySQL writes in one transaction, its unreadable items dead-lettered first.
    private func apply(_ records: [StreamRecord], shard: String, reverse: ReverseMapper, summary: inout Summary) async throws {
        var writes: [RowWrite] = []
        var letters: [DeadLetterRecord] = []
        for record in records {
            summary.records += 1
            if let newImage = record.newImage {
                let version = newImage[MigrationAttribute.sourceVersion]?.stringValue ?? ""
                guard configuration.epochs.reverseShouldApply(versionKey: version, reverseEpoch: configuration.reverseEpoch) else {
                    summary.skippedOlderEpoch += 1
                    continue
                }
            }
            do {
                let rowWrites = try reverse.rowWrites(oldImage: record.oldImage, newImage: record.newImage)
                if rowWrites.isEmpty { summary.notRows += 1 }
                writes += rowWrites
            } catch {
                letters.append(
                    DeadLetterRecord(
                        stage: .map, table: record.newImage?[MigrationAttribute.entityType]?.stringValue ?? "", source: "\(configuration.streamArn) \(shard)",
                        line: nil, reason: "\(error)", raw: (record.newImage ?? record.oldImage).map { String(decoding: DynamoDBJSON.encode($0), as: UTF8.self) },
                        key: ItemKey(item: record.keys)?.description, at: Timestamp.now()))
            }
        }
        if let first = records.first, !letters.isEmpty {
            try await deadLetters.write(letters, file: "reverse/\(shard)", fromRecord: Int(first.sequenceNumber.suffix(15)) ?? 0)
            summary.deadLettered += letters.count
        }
        try await target.apply(writes)
        summary.rowWrites += writes.count
    }

    private func loadCheckpoint() async throws -> StreamCheckpoint {
        guard try await stateStore.head(key: checkpointKey) != nil else { return StreamCheckpoint(streamArn: configuration.streamArn) }
        let buffer = try await stateStore.get(key: checkpointKey)
        let checkpoint = try JSONDecoder().decode(StreamCheckpoint.self, from: Data(buffer.readableBytesView))
        guard checkpoint.streamArn == configuration.streamArn else {
            // Another stream (the table's stream was re-enabled): its shards mean nothing here.
            return StreamCheckpoint(streamArn: configuration.streamArn)
        }
        return checkpoint
    }

    private func save(_ checkpoint: StreamCheckpoint) async throws {
        try await stateStore.put(key: checkpointKey, bytes: try JSONEncoder().encode(checkpoint))
    }
}
