import BillingModel

/// Where a load stands, assembled from what it leaves behind: the tracking
/// items in the table and the checkpoints in the state location.
public struct LoadStatus: Sendable, Codable, Equatable {
    public struct Entity: Sendable, Codable, Equatable {
        public var entity: String
        public var files: Int
        public var filesCompleted: Int
        public var filesInProgress: Int
        public var filesFailed: Int
        public var rowsRead: Int
        public var itemsWritten: Int
        public var deadLettered: Int
    }

    public struct File: Sendable, Codable, Equatable {
        public var batchId: String
        public var entity: String
        public var status: String
        public var recordsProcessed: Int
        public var recordsFailed: Int
        public var startTime: String?
        public var endTime: String?
        public var error: String?
    }

    /// `NOT_STARTED`, `IN_PROGRESS`, `FAILED` or `COMPLETED`.
    public var overall: String
    public var entities: [Entity]
    public var files: [File]
    /// For a direct snapshot load: where the change stream starts.
    public var snapshot: SnapshotPosition?
    /// The binlog change stream's checkpoint, with its lag and throughput, when one is saved.
    public var replication: BinlogCheckpoint?
    /// Staged files read up to damage and dead-lettered as files: replace them and load again.
    public var damagedFiles: [String]
    /// Reverse replication's published progress (`CONTROL#REVERSE`), when it has run.
    public var reverse: ReverseStreamProgress?
    /// The workers' dead-letter queue (`status --queue`): the files no worker could process.
    public var deadLetterQueue: DeadLetterQueueStatus?
    /// Where `billmig migrate` stands (its phases), when it runs under this state.
    public var migration: MigrationProgress?
    /// What the long-running commands under this state last said (running, paused on
    /// what, ended): `{state}/runs/`.
    public var activity: [RunActivity] = []
    /// Why the table's tracking items could not be read (the target unreachable): the
    /// rest comes from the state alone.
    public var tableError: String?

    public init(tracking: [TrackingItem], checkpoints: [FileCheckpoint], entityOrder: [String]) {
        files = tracking.sorted { ($0.entityType, $0.batchId) < ($1.entityType, $1.batchId) }.map {
            File(
                batchId: $0.batchId, entity: $0.entityType, status: $0.status.rawValue,
                recordsProcessed: $0.recordsProcessed, recordsFailed: $0.recordsFailed,
                startTime: $0.startTimeMilliseconds.map(DateTimeText.iso8601(epochMilliseconds:)),
                endTime: $0.endTimeMilliseconds.map(DateTimeText.iso8601(epochMilliseconds:)),
                error: $0.errorDetails)
        }
        var byEntity: [String: Entity] = [:]
        func entry(_ name: String) -> Entity {
            byEntity[name] ?? Entity(
                entity: name, files: 0, filesCompleted: 0, filesInProgress: 0, filesFailed: 0,
                rowsRead: 0, itemsWritten: 0, deadLettered: 0)
        }
        for item in tracking {
            var entity = entry(item.entityType)
            entity.files += 1
            switch item.status {
            case .completed: entity.filesCompleted += 1
            case .failed: entity.filesFailed += 1
            case .inProgress, .pending: entity.filesInProgress += 1
            }
            byEntity[item.entityType] = entity
        }
        // Checkpoints carry the row counts (tracking items count items only).
        for checkpoint in checkpoints {
            var entity = entry(checkpoint.table)
            entity.rowsRead += checkpoint.counts.rowsRead
            entity.itemsWritten += checkpoint.counts.itemsWritten
            entity.deadLettered += checkpoint.counts.deadLettered
            byEntity[checkpoint.table] = entity
        }
        damagedFiles = checkpoints.filter { $0.state == .damaged }.map(\.file).sorted()
        let known = entityOrder.filter { byEntity[$0] != nil }
        let others = byEntity.keys.filter { !entityOrder.contains($0) }.sorted()
        entities = (known + others).map { byEntity[$0]! }

        if tracking.isEmpty && checkpoints.isEmpty {
            overall = "NOT_STARTED"
        } else if tracking.contains(where: { $0.status == .failed }) {
            overall = "FAILED"
        } else if tracking.contains(where: { $0.status == .inProgress || $0.status == .pending })
            || checkpoints.contains(where: { $0.state == .inProgress })
        {
            overall = "IN_PROGRESS"
        } else {
            overall = "COMPLETED"
        }
    }
}

/// What a worker queue's dead-letter queue holds: the S3 objects whose messages no
/// worker could process within the queue's receive limit.
public struct DeadLetterQueueStatus: Sendable, Codable, Equatable {
    public var queueURL: String
    /// SQS's approximate count of messages in it.
    public var messages: Int
    /// The objects the messages read name (bucket/key), sorted.
    public var files: [String]
    /// Messages read that are no S3 event (shown by id).
    public var otherMessages: [String]

    public init(queueURL: String, messages: Int, files: [String], otherMessages: [String]) {
        self.queueURL = queueURL
        self.messages = messages
        self.files = files
        self.otherMessages = otherMessages
    }
}
