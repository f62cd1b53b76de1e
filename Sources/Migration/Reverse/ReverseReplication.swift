import BillingModel
import DMSStaging
import DynamoDB
import DynamoDBModel
import Foundation
import MigrationCore

/// Reverse replication: a table's DynamoDB stream (NEW_AND_OLD_IMAGES) applied to
/// MySQL while DynamoDB is the write primary, so a rollback finds MySQL current.
///
/// Shards are read parents first (`ShardLineage`), each in its order; a page of
/// records becomes one MySQL transaction, then the page's dead letters and the
/// shard's checkpoint (its last sequence number) are saved through the state
/// layer. A killed run replays at most the page after the checkpoint: upserts of
/// whole images and deletes by key converge on replay.
/// Only changes written in the reverse epoch (`SwitchEpochHistory.reverseShouldApply`)
/// are copied: older ones are MySQL's own states coming back.
///
/// Progress (`ReverseStreamProgress`) is saved beside the checkpoint and
/// published (the `CONTROL#REVERSE` item) after every page and, while caught up,
/// at most every `publishInterval`. Changes of `MIGRATION#STATUS` items (its own
/// control item among them) never count as new records, so publishing cannot
/// keep the stream from catching up.
public struct ReverseReplication: Sendable {
    public struct Configuration: Sendable {
        public var streamArn: String
        public var mapping: Mapping
        public var epochs: SwitchEpochHistory
        /// The DynamoDB epoch whose writes this run copies.
        public var reverseEpoch: SwitchEpoch
        public var pageSize: Int
        public var pollInterval: Duration
        /// Stop after a round in which no shard had a new record and none closed (the drain of a rollback).
        public var stopWhenCaughtUp: Bool
        /// How often a caught-up run republishes its progress (so `caughtUpAt` stays fresh).
        public var publishInterval: Duration

        public init(
            streamArn: String, mapping: Mapping = .billing, epochs: SwitchEpochHistory, reverseEpoch: SwitchEpoch, pageSize: Int = 1_000,
            pollInterval: Duration = .seconds(1), stopWhenCaughtUp: Bool = false, publishInterval: Duration = .seconds(1)
        ) {
            self.streamArn = streamArn
            self.mapping = mapping
            self.epochs = epochs
            self.reverseEpoch = reverseEpoch
            self.pageSize = pageSize
            self.pollInterval = pollInterval
            self.stopWhenCaughtUp = stopWhenCaughtUp
            self.publishInterval = publishInterval
        }
    }

    public struct Summary: Sendable, Hashable, Codable {
        public enum StartedFrom: String, Sendable, Hashable, Codable {
            case checkpoint
            /// Every shard from its oldest record (no checkpoint, or one of another stream).
            case trimHorizon = "trim-horizon"
        }

        public enum Ending: String, Sendable, Hashable, Codable {
            /// `--until-caught-up`: a round over every shard found nothing new.
            case caughtUp = "caught-up"
            /// SIGINT or SIGTERM.
            case signal
        }

        public var streamArn = ""
        public var epoch = SwitchEpoch.initial
        public var startedFrom = StartedFrom.trimHorizon
        public var ending = Ending.signal
        public var records = 0
        /// Upserts and deletes sent to MySQL.
        public var rowWrites = 0
        /// Changes from an earlier epoch (MySQL already had them).
        public var skippedOlderEpoch = 0
        /// Tombstones over no row, tracking and control items.
        public var notRows = 0
        public var deadLettered = 0
        /// The lag when the run ended (0 when caught up; nil when no record was seen).
        public var lagSeconds: Double?
        public var caughtUp = false
        /// The checkpoint when the run ended: per shard, the last sequence number applied.
        public var checkpoints: [String: String] = [:]
        public var elapsedSeconds = 0.0

        public init() {}

        /// Every record written or dead-lettered (the loop throws otherwise).
        public var status: LoadSummary.Status { deadLettered > 0 ? .completedWithDeadLetters : .completed }
    }

    public let configuration: Configuration
    let streams: DynamoDBStreamsClient
    let target: any RowWriteTarget
    let state: StateLocation
    let checkpointer: Checkpointer
    let publisher: (any ReverseProgressPublisher)?
    public let stop: StopSignal
    public let progress: ReverseReplicationProgress

    public init(
        configuration: Configuration, streams: DynamoDBStreamsClient, target: any RowWriteTarget, state: StateLocation,
        publisher: (any ReverseProgressPublisher)? = nil, stop: StopSignal = StopSignal()
    ) {
        self.configuration = configuration
        self.streams = streams
        self.target = target
        self.state = state
        checkpointer = Checkpointer(state: state)
        self.publisher = publisher
        self.stop = stop
        progress = ReverseReplicationProgress(streamArn: configuration.streamArn, epoch: configuration.reverseEpoch)
    }

    /// The dead-letter folder of a shard (under `{state}/dead-letters/`).
    public static func deadLetterFolder(shard: String) -> String { "reverse/\(shard)" }

    public func run() async throws -> Summary {
        let clock = ContinuousClock()
        let started = clock.now
        let reverse = ReverseMapper(decoder: ItemDecoder(mapping: configuration.mapping))
        var checkpoint = StreamCheckpoint(streamArn: configuration.streamArn)
        var summary = Summary()
        summary.streamArn = configuration.streamArn
        summary.epoch = configuration.reverseEpoch
        // A checkpoint of another stream (the table's stream re-enabled): its shards mean nothing here.
        if let saved = try await state.read(StateFile<StreamCheckpoint>.reverseCheckpoint), saved.streamArn == configuration.streamArn {
            checkpoint = saved
            summary.startedFrom = .checkpoint
        }
        var lastPublish: ContinuousClock.Instant?
        while !stop.isStopped {
            let roundStart = Date().timeIntervalSince1970
            let description = try await streams.describeStream(configuration.streamArn)
            let lineage = ShardLineage(description.shards.map { .init(id: $0.shardId, parentId: $0.parentShardId, isClosed: $0.isClosed) })
            checkpoint.prune(keeping: Set(description.shards.map(\.shardId)))
            var newRecords = 0
            // A shard read to its end makes its children readable, in the next round.
            var finishedShards = false
            for shard in lineage.readable(finished: checkpoint.finishedShards) where !stop.isStopped {
                let start: ShardIteratorStart = checkpoint.resumePoint(shard: shard.id).map { .afterSequenceNumber($0.digits) } ?? .trimHorizon
                var iterator: String? = try await streams.getShardIterator(streamArn: configuration.streamArn, shardId: shard.id, from: start)
                while let current = iterator, !stop.isStopped {
                    let page = try await streams.getRecords(shardIterator: current, limit: configuration.pageSize)
                    let fresh = page.records.filter { !Self.isMigrationItem($0) }.count
                    newRecords += fresh
                    if fresh > 0 { progress.update { $0.readRecords(page.records) } }
                    let letters = try await apply(page.records, shard: shard.id, reverse: reverse, summary: &summary)
                    if let last = page.records.last, let sequence = StreamSequenceNumber(last.sequenceNumber) {
                        checkpoint.markApplied(shard: shard.id, through: sequence)
                    }
                    if page.nextShardIterator == nil {
                        checkpoint.markFinished(shard: shard.id)
                        finishedShards = true
                    }
                    if !page.records.isEmpty || page.nextShardIterator == nil {
                        let interval = DeadLetterInterval(
                            letters, folder: Self.deadLetterFolder(shard: shard.id),
                            fromRecord: Int(page.records.first?.sequenceNumber.suffix(15) ?? "") ?? 0)
                        try await checkpointer.save(checkpoint, to: .reverseCheckpoint, after: interval)
                    }
                    progress.update { $0.applied(page.records, summary: summary, checkpoint: checkpoint) }
                    if fresh > 0 {
                        try await publish()
                        lastPublish = clock.now
                    }
                    // An empty page of an open shard: caught up with it for now.
                    iterator = page.records.isEmpty ? nil : page.nextShardIterator
                }
            }
            if stop.isStopped { break }
            if newRecords == 0 && !finishedShards {
                progress.update { $0.markCaughtUp(roundStartedAt: roundStart, checkpoint: checkpoint) }
                if lastPublish.map({ clock.now - $0 >= configuration.publishInterval }) ?? true {
                    try await publish()
                    lastPublish = clock.now
                }
                if configuration.stopWhenCaughtUp {
                    summary.ending = .caughtUp
                    break
                }
                await stop.sleep(for: configuration.pollInterval)
            }
        }
        try await publish()
        let final = progress.snapshot()
        summary.lagSeconds = final.lagSeconds
        summary.caughtUp = final.caughtUp
        summary.checkpoints = final.checkpoints
        summary.elapsedSeconds = (clock.now - started).seconds
        return summary
    }

    /// Saves the progress under the state and publishes it (advisory: a lost
    /// publish is made good by the next one, and never stops replication).
    private func publish() async throws {
        var current = progress.snapshot()
        current.refreshLag()
        try await state.write(current, to: .reverseProgress)
        try? await publisher?.publish(current)
    }

    /// Items of the `MIGRATION#STATUS` partition: control and tracking items, never rows.
    static func isMigrationItem(_ record: StreamRecord) -> Bool {
        record.keys[ItemKey.partitionKeyName]?.stringValue == ControlItems.partitionKey
    }

    /// One page: its MySQL writes in one transaction. When MySQL refuses the page,
    /// each record's writes are applied alone and the refused ones dead-lettered.
    /// Returns the page's dead letters (saved with the checkpoint).
    private func apply(
        _ records: [StreamRecord], shard: String, reverse: ReverseMapper, summary: inout Summary
    ) async throws -> [DeadLetterRecord] {
        var perRecord: [(record: StreamRecord, writes: [RowWrite])] = []
        var letters: [DeadLetterRecord] = []
        for record in records {
            summary.records += 1
            if Self.isMigrationItem(record) {
                summary.notRows += 1
                continue
            }
            if let newImage = record.newImage {
                let version = newImage[MigrationAttribute.sourceVersion]?.stringValue ?? ""
                guard configuration.epochs.reverseShouldApply(versionKey: version, reverseEpoch: configuration.reverseEpoch) else {
                    summary.skippedOlderEpoch += 1
                    continue
                }
            }
            do {
                let rowWrites = try reverse.rowWrites(oldImage: record.oldImage, newImage: record.newImage)
                if rowWrites.isEmpty { summary.notRows += 1 } else { perRecord.append((record, rowWrites)) }
            } catch {
                letters.append(deadLetter(record, shard: shard, stage: .map, reason: "\(error)"))
            }
        }
        let writes = perRecord.flatMap(\.writes)
        guard !writes.isEmpty else {
            summary.deadLettered += letters.count
            return letters
        }
        do {
            try await target.apply(writes)
            summary.rowWrites += writes.count
        } catch where target.isRowRejection(error) {
            for (record, recordWrites) in perRecord {
                do {
                    try await target.apply(recordWrites)
                    summary.rowWrites += recordWrites.count
                } catch where target.isRowRejection(error) {
                    letters.append(deadLetter(record, shard: shard, stage: .write, reason: "MySQL refused the row: \(error)"))
                }
            }
        }
        summary.deadLettered += letters.count
        return letters
    }

    private func deadLetter(_ record: StreamRecord, shard: String, stage: DeadLetterRecord.Stage, reason: String) -> DeadLetterRecord {
        let image = record.newImage ?? record.oldImage
        return DeadLetterRecord(
            stage: stage, table: image?[MigrationAttribute.entityType]?.stringValue ?? "",
            source: "\(configuration.streamArn) \(shard) \(record.sequenceNumber)", line: nil, reason: reason,
            raw: image.map { String(decoding: DynamoDBJSON.encode($0), as: UTF8.self) }, key: ItemKey(item: record.keys)?.description,
            at: Timestamp.now(), batch: "\(shard):\(record.sequenceNumber)")
    }
}

/// Where the reverse stream's progress is published for the cutover commands.
public protocol ReverseProgressPublisher: Sendable {
    func publish(_ progress: ReverseStreamProgress) async throws
}

/// Publishes the progress as the `CONTROL#REVERSE` item of the table (`ControlItems`).
public struct ControlItemReversePublisher: ReverseProgressPublisher {
    let client: DynamoDBClient
    let tableName: String

    public init(client: DynamoDBClient, tableName: String) {
        self.client = client
        self.tableName = tableName
    }

    public func publish(_ progress: ReverseStreamProgress) async throws {
        _ = try await client.putItem(tableName, item: ControlItems.reverseProgress(progress))
    }
}
