import Logging
import MigrationCore

/// The dead letters of one checkpoint interval: a folder (a file, a table, a
/// binlog file) and the record the interval starts at, which names the object.
public struct DeadLetterInterval: Sendable {
    public var records: [DeadLetterRecord]
    public var folder: String
    public var fromRecord: Int

    public init(_ records: [DeadLetterRecord], folder: String, fromRecord: Int) {
        self.records = records
        self.folder = folder
        self.fromRecord = fromRecord
    }
}

/// Saves checkpoints the one safe way: the dead letters of the interval first,
/// then the watermark, so that a checkpoint never points past a dead letter that
/// is not stored. Every command's checkpoints go through it.
public struct Checkpointer: Sendable {
    public let state: StateLocation
    public let deadLetters: DeadLetterStore

    public init(state: StateLocation) {
        self.state = state
        self.deadLetters = state.deadLetters
    }

    /// Writes the interval's dead letters, then `watermark` (when there is one yet) at `file`.
    public func save<Watermark>(
        _ watermark: Watermark?, to file: StateFile<Watermark>, after interval: DeadLetterInterval, logging ids: Logger.Metadata = [:]
    ) async throws {
        try await save(watermark.map { [($0, file)] } ?? [], after: [interval], logging: ids)
    }

    /// Writes every interval's dead letters, then every watermark; `ids` go on
    /// the checkpoint's log line (debug).
    public func save<Watermark>(
        _ watermarks: [(Watermark, StateFile<Watermark>)], after intervals: [DeadLetterInterval], logging ids: Logger.Metadata = [:]
    ) async throws {
        for interval in intervals where !interval.records.isEmpty {
            try await deadLetters.write(interval.records, file: interval.folder, fromRecord: interval.fromRecord)
        }
        for (watermark, file) in watermarks {
            try await state.write(watermark, to: file)
            Self.logger.debug("checkpoint saved", metadata: ids.merging(["checkpoint": .string(state.key(file.path))]) { $1 })
        }
    }

    static let logger = Logger(label: "billmig.checkpoints")
}
