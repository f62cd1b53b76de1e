/// Where a change came from in a sequence of change files, as the applier tracks it.
public struct ChangeMark: Sendable, Hashable {
    /// The sequence of files the change belongs to: a source table's change files,
    /// or the `CDC_TXN` files of a CdcPath.
    public var stream: String
    /// The file's key.
    public var file: String
    /// What orders the stream's files (the timestamp name); ties are broken by key.
    public var fileOrder: String
    /// Data records of the file up to and including this one (1-based).
    public var record: Int
    /// The mark after a file's last record: the whole file is covered.
    public var endOfFile: Bool

    public init(stream: String, file: String, fileOrder: String, record: Int, endOfFile: Bool = false) {
        self.stream = stream
        self.file = file
        self.fileOrder = fileOrder
        self.record = record
        self.endOfFile = endOfFile
    }
}

/// How far the application of one stream of change files has come.
///
/// Files of a stream are applied in order; `lastFile` is the last one fully
/// applied (every change written, skipped as stale or dead-lettered), and
/// `inProgress` the low-watermark within the next one. Re-applying changes is
/// harmless (every write is conditional on its version), so a resume may redo
/// what a killed run did after its last checkpoint.
public struct ChangeCheckpoint: Sendable, Codable, Equatable {
    public struct FilePosition: Sendable, Codable, Equatable, Comparable {
        public var order: String
        public var key: String

        public init(order: String, key: String) {
            self.order = order
            self.key = key
        }

        public static func < (lhs: FilePosition, rhs: FilePosition) -> Bool {
            if lhs.order != rhs.order { return lhs.order.utf8.lexicographicallyPrecedes(rhs.order.utf8) }
            return lhs.key.utf8.lexicographicallyPrecedes(rhs.key.utf8)
        }
    }

    public struct InProgress: Sendable, Codable, Equatable {
        public var file: FilePosition
        /// Data records from the file's start that are done.
        public var recordsDone: Int

        public init(file: FilePosition, recordsDone: Int) {
            self.file = file
            self.recordsDone = recordsDone
        }
    }

    public var stream: String
    public var lastFile: FilePosition?
    public var inProgress: InProgress?
    /// Counts per entity over every run so far.
    public var counts: [String: ChangeCounts]
    /// ISO-8601 time of the last save.
    public var updatedAt: String

    public init(
        stream: String, lastFile: FilePosition? = nil, inProgress: InProgress? = nil,
        counts: [String: ChangeCounts] = [:], updatedAt: String = ""
    ) {
        self.stream = stream
        self.lastFile = lastFile
        self.inProgress = inProgress
        self.counts = counts
        self.updatedAt = updatedAt
    }

    /// Where to start in a file: nil when it is already applied, otherwise the
    /// number of leading data records to skip.
    public func startRecord(for file: FilePosition) -> Int? {
        if let lastFile, file <= lastFile { return nil }
        if let inProgress, inProgress.file == file { return inProgress.recordsDone }
        return 0
    }
}

/// Turns settled changes into checkpoints, stream by stream (pure).
///
/// Fed the entries the `ChangeLedger` hands out, in order, it keeps each
/// stream's checkpoint current and knows the interval every dead letter
/// belongs to: dead-letter objects are named after the first record of the
/// interval since the last saved checkpoint, so a resumed run (which discards
/// those at or past its start) neither loses nor duplicates one.
public struct ChangeCheckpointBook: Sendable {
    private var current: [String: ChangeCheckpoint]
    private var saved: [String: ChangeCheckpoint]
    private var changed: Set<String> = []

    public init(checkpoints: [ChangeCheckpoint] = []) {
        var byStream: [String: ChangeCheckpoint] = [:]
        for checkpoint in checkpoints { byStream[checkpoint.stream] = checkpoint }
        current = byStream
        saved = byStream
    }

    /// The stream's checkpoint as it stands (saved or not).
    public func checkpoint(stream: String) -> ChangeCheckpoint {
        current[stream] ?? ChangeCheckpoint(stream: stream)
    }

    /// Takes one settled entry in: a change (with its entity and outcome) or a bare mark.
    public mutating func settle(_ mark: ChangeMark, entity: String?, outcome: ChangeOutcome?) {
        var checkpoint = checkpoint(stream: mark.stream)
        let position = ChangeCheckpoint.FilePosition(order: mark.fileOrder, key: mark.file)
        if mark.endOfFile {
            if checkpoint.lastFile.map({ $0 < position }) ?? true { checkpoint.lastFile = position }
            if checkpoint.inProgress?.file == position { checkpoint.inProgress = nil }
        } else {
            checkpoint.inProgress = .init(file: position, recordsDone: mark.record)
        }
        if let entity, let outcome {
            checkpoint.counts[entity, default: ChangeCounts()].record(outcome)
        }
        current[mark.stream] = checkpoint
        changed.insert(mark.stream)
    }

    /// The first record of the not yet checkpointed interval of `file` in `stream`:
    /// the name of the dead-letter object a record of it goes to.
    public func intervalStart(stream: String, file: String) -> Int {
        guard let inProgress = saved[stream]?.inProgress, inProgress.file.key == file else { return 0 }
        return inProgress.recordsDone
    }

    /// The checkpoints that changed since the last call, stamped `updatedAt`;
    /// from now on they count as saved (save the dead letters first).
    public mutating func takeChanged(updatedAt: String) -> [ChangeCheckpoint] {
        var result: [ChangeCheckpoint] = []
        for stream in changed.sorted() {
            guard var checkpoint = current[stream] else { continue }
            checkpoint.updatedAt = updatedAt
            current[stream] = checkpoint
            saved[stream] = checkpoint
            result.append(checkpoint)
        }
        changed = []
        return result
    }
}
