import BillingModel
import DMSStaging
import DynamoDBModel
import Foundation
import MigrationCore

/// Loads one staged full-load file: read and parse it as it streams, map each
/// row, write 25-item batches through the shared applier, and checkpoint the
/// low-watermark with its dead letters as batches settle.
struct StagedFileLoad: Sendable {
    let file: DMSFile
    let table: TableMapping
    let schema: String
    let mapper: ItemMapper
    let source: any ObjectStore
    let readOptions: DMSReadOptions
    let services: LoadServices
    /// A backfill's date range over this table's rows; nil: every row.
    let dateFilter: RowDateFilter?
    /// Where a previous run left this file, if anywhere.
    let resume: FileCheckpoint?

    /// The final checkpoint of the file.
    func run() async throws -> FileCheckpoint {
        let startRecord = resume?.recordsDone ?? 0
        try await services.checkpointer?.deadLetters.discard(file: file.key, fromRecord: startRecord)
        var writer = UnitWriter(
            table: table, unit: file.key, mapper: mapper, services: services, resumeFrom: startRecord, counts: resume?.counts ?? EntityCounts())
        let checkpoint: UnitWriter.Checkpoint = { ledger, _ in try await saveCheckpoint(&ledger, state: .inProgress) }

        var damage: DeadLetterRecord?
        try await withThrowingTaskGroup(of: (Int, BatchApplier.Outcome).self) { group in
            var recordIndex = 0
            let reader = DMSFileReader(options: readOptions)
            let layout = DMSTableLayout(schema: schema, table: table.table, columns: table.columns.map(\.name))
            do {
                _ = try await reader.read(file, table: layout, from: source) { records in
                    for record in records {
                        recordIndex += 1
                        if recordIndex <= startRecord { continue }
                        switch record {
                        case .change(let change) where dateFilter?.admits(change.row) == false:
                            try await writer.skipOutOfRange(group: &group, checkpoint: checkpoint)
                        case .change(let change):
                            try await writer.add(change, group: &group, checkpoint: checkpoint)
                        case .error(let problem):
                            try await writer.rejectUnparsed(
                                line: problem.line, reason: problem.reason, raw: problem.raw, source: problem.file,
                                group: &group, checkpoint: checkpoint)
                        }
                    }
                }
            } catch let error as DMSReadError {
                // A damaged file is a dead letter, not a stop: what was read before
                // the damage is written, the file is recorded, the load goes on.
                damage = DeadLetterRecord(
                    stage: .file, table: table.table, source: file.key, line: recordIndex,
                    reason: "\(error.detail): the \(recordIndex) records before the damage are loaded; "
                        + "replace the file and run the load again to load the rest",
                    at: Timestamp.now(), batch: "\(file.key)#\(recordIndex + 1)")
            }
            try await writer.finish(group: &group, checkpoint: checkpoint)
        }
        var ledger = writer.ledger
        precondition(ledger.isSettled, "every unit settles before a file completes")
        if let damage { return try await saveCheckpoint(&ledger, state: .damaged, adding: [damage]) }
        return try await saveCheckpoint(&ledger, state: .completed)
    }

    /// Dead letters first, then the watermark: a checkpoint never points past a
    /// dead letter that is not stored.
    @discardableResult
    private func saveCheckpoint(
        _ ledger: inout FileLoadLedger, state: FileCheckpoint.State, adding fileLetters: [DeadLetterRecord] = []
    ) async throws -> FileCheckpoint {
        let taken = ledger.takeCheckpoint()
        let checkpoint = FileCheckpoint(
            file: file.key, table: table.table, size: file.size, etag: nil, state: state,
            recordsDone: taken.recordsDone, counts: taken.counts, updatedAt: Timestamp.now())
        // A file's own dead letter is an interval of its own at the damage, so the
        // rerun that starts there replaces it instead of adding another.
        try await services.checkpointer?.deadLetters.write(fileLetters, file: file.key, fromRecord: taken.recordsDone)
        try await services.checkpointer?.save(
            checkpoint, to: StateFolder.fileCheckpoints.file(file.key),
            after: DeadLetterInterval(taken.deadLetters, folder: file.key, fromRecord: taken.fromRecord))
        return checkpoint
    }
}

/// Collects one unit of work: up to 25 puts with distinct keys, and the rows of
/// the same record range that could not be parsed or mapped.
struct UnitAssembler {
    struct Unit {
        var puts: [PendingPut] = []
        var deadLetters: [DeadLetterRecord] = []
        var counts = EntityCounts()
    }

    static let batchSize = 25
    let table: String
    let columns: [String]
    private var unit = Unit()
    /// The fingerprint of each put's key, in the unit's order: looking for a
    /// repeat compares eight bytes per put, and only a match compares keys.
    /// (A set hashed both key strings of every row, 4% of a dry run.)
    private var fingerprints: [UInt64] = []

    init(table: String, columns: [String]) {
        self.table = table
        self.columns = columns
    }

    var isFull: Bool {
        unit.puts.count >= Self.batchSize || unit.counts.skippedOutOfRange >= Self.outOfRangeUnitSize
    }

    /// A backfill's run of rows out of its range settles its record range in
    /// larger units: nothing waits on them.
    static let outOfRangeUnitSize = 1_000

    var hasContent: Bool { unit.counts.rowsRead > 0 }

    /// BatchWriteItem rejects a call that names one key twice.
    func wouldRepeat(_ key: ItemKey) -> Bool {
        let fingerprint = Self.fingerprint(key)
        for position in fingerprints.indices where fingerprints[position] == fingerprint {
            if unit.puts[position].key == key { return true }
        }
        return false
    }

    mutating func add(_ put: PendingPut) {
        fingerprints.append(Self.fingerprint(put.key))
        unit.puts.append(put)
    }

    /// The lengths and last bytes of a key's two parts, mixed: one table's keys
    /// differ mostly at their ends, where the ids are.
    static func fingerprint(_ key: ItemKey) -> UInt64 {
        func tail(_ text: String) -> UInt64 {
            var text = text
            return text.withUTF8 { bytes in
                var value = UInt64(truncatingIfNeeded: bytes.count)
                for byte in bytes.suffix(7) { value = value << 8 | UInt64(byte) }
                return value
            }
        }
        return tail(key.pk) &* 0x9E37_79B9_7F4A_7C15 ^ tail(key.sk)
    }

    mutating func countRead() {
        unit.counts.rowsRead += 1
    }

    mutating func countOutOfRange() {
        unit.counts.rowsRead += 1
        unit.counts.skippedOutOfRange += 1
    }

    mutating func rejectMapped(_ change: SourceChange, reason: String) {
        unit.counts.rowsRead += 1
        unit.counts.deadLettered += 1
        unit.deadLetters.append(DeadLetterRecord(
            stage: .map, table: table, source: change.origin.source, line: change.origin.line, reason: reason,
            columns: columns, values: change.row.map(Self.text), at: Timestamp.now()))
    }

    mutating func rejectUnparsed(line: Int?, reason: String, raw: String?, source: String) {
        unit.counts.rowsRead += 1
        unit.counts.deadLettered += 1
        unit.deadLetters.append(DeadLetterRecord(
            stage: .parse, table: table, source: source, line: line, reason: reason, raw: raw, at: Timestamp.now()))
    }

    func deadLetter(for put: PendingPut, reason: String) -> DeadLetterRecord {
        DeadLetterRecord(
            stage: .write, table: table, source: put.origin.source, line: put.origin.line, reason: reason,
            columns: columns, values: put.row.map(Self.text), key: put.key.description, at: Timestamp.now())
    }

    mutating func takeUnit() -> Unit {
        defer {
            unit = Unit()
            fingerprints.removeAll(keepingCapacity: true)
        }
        return unit
    }

    static func text(_ value: SourceValue) -> String? {
        switch value {
        case .null: return nil
        case .text(let text): return text
        case .bytes(let bytes): return Data(bytes).base64EncodedString()
        }
    }
}
