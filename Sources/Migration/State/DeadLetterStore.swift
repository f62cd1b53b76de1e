import DMSStaging
import Foundation
import Logging
import MigrationCore
import NIOCore

/// Dead-letter records as JSON lines under one prefix of an object store.
///
/// Each source file gets a folder; each object in it holds the records of one
/// checkpoint interval and is named after the interval's first record, so a
/// resumed run rewrites, never duplicates, what a killed run left beyond its
/// last checkpoint.
public struct DeadLetterStore: Sendable {
    let location: StateLocation
    var store: any ObjectStore { location.store }
    /// Ends with `/`.
    public var prefix: String { location.prefix }

    /// - Parameter location: the dead letters' own folder (`{state}/dead-letters/`).
    public init(_ location: StateLocation) {
        self.location = location
    }

    public init(store: any ObjectStore, prefix: String) {
        self.init(StateLocation(store: store, prefix: prefix))
    }

    func folder(for file: String) -> String { prefix + file + "/" }

    static func objectName(fromRecord: Int) -> String {
        let digits = String(fromRecord)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".jsonl"
    }

    /// Writes the records of the interval that starts at data record `fromRecord`,
    /// each with the run id of the current task (`LogContext`), then logs each
    /// one, at warning, with the same ids: this is the one place dead letters
    /// are stored, so every one has its log line.
    public func write(_ records: [DeadLetterRecord], file: String, fromRecord: Int) async throws {
        guard !records.isEmpty else { return }
        let runID = LogContext.runID
        let stamped = records.map { record in
            var record = record
            record.runID = record.runID ?? runID
            return record
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var buffer = ByteBuffer()
        for record in stamped {
            buffer.writeBytes(try encoder.encode(record))
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        let key = folder(for: file) + Self.objectName(fromRecord: fromRecord)
        try await store.put(key: key, bytes: buffer)
        for record in stamped { Self.logger.warning("dead letter", metadata: Self.metadata(of: record, storedAt: key)) }
    }

    static let logger = Logger(label: "billmig.dead-letters")

    /// What a dead letter's log line says: its ids and what identifies the row,
    /// never the row's columns (the record has them).
    static func metadata(of record: DeadLetterRecord, storedAt key: String) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "stage": .string(record.stage.rawValue), "table": .string(record.table), "source": .string(record.source),
            "reason": .string(record.reason), "deadLetterObject": .string(key),
        ]
        if let runID = record.runID { metadata[LogKey.runID] = .string(runID) }
        if let batch = record.batch { metadata[LogKey.batch] = .string(batch) }
        if let line = record.line { metadata["line"] = .stringConvertible(line) }
        if let itemKey = record.key { metadata["key"] = .string(itemKey) }
        return metadata
    }

    /// Removes what a previous run wrote for intervals at or after `fromRecord`:
    /// those records will be produced again by the resumed run.
    public func discard(file: String, fromRecord: Int) async throws {
        for object in try await store.list(prefix: folder(for: file)) {
            let name = object.key.split(separator: "/").last.map(String.init) ?? ""
            guard let start = Int(name.prefix(while: \.isNumber)), start >= fromRecord else { continue }
            try await store.delete(key: object.key)
        }
    }

    /// Every record under the prefix, for reports and tests.
    public func readAll() async throws -> [DeadLetterRecord] {
        var records: [DeadLetterRecord] = []
        let decoder = JSONDecoder()
        for object in try await store.list(prefix: prefix) where object.key.hasSuffix(".jsonl") {
            let buffer = try await store.get(key: object.key)
            for line in buffer.readableBytesView.split(separator: UInt8(ascii: "\n")) {
                records.append(try decoder.decode(DeadLetterRecord.self, from: Data(line)))
            }
        }
        return records
    }
}
