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
    let services: LoadServices
    /// Where a previous run left this file, if anywhere.
    let resume: FileCheckpoint?

    /// The final checkpoint of the file.
    func run() async throws -> FileCheckpoint {
        let startRecord = resume?.recordsDone ?? 0
        var ledger = FileLoadLedger(resumeFrom: startRecord, counts: resume?.counts ?? EntityCounts())
        try await services.deadLetters?.discard(file: file.key, fromRecord: startRecord)

        let clock = ContinuousClock()
        var lastCheckpoint = clock.now
        let maxInFlight = max(1, services.configuration.writeConcurrency)
        let applier = services.applier
        let limiter = services.limiter
        let dryRun = services.configuration.dryRun

        try await withThrowingTaskGroup(of: (Int, BatchApplier.Outcome).self) { group in
            var inFlight = 0
            var assembler = UnitAssembler(table: table.table, columns: table.columns.map(\.name))
            var recordIndex = 0

            func settle(_ result: (Int, BatchApplier.Outcome)) async throws {
                let (sequence, outcome) = result
                let failures = outcome.failed.map { assembler.deadLetter(for: $0.put, reason: $0.reason) }
                ledger.close(sequence, written: outcome.written.count, writeFailures: failures)
                services.progress.add(
                    EntityCounts(itemsWritten: outcome.written.count, deadLettered: failures.count), to: table.table)
                if clock.now - lastCheckpoint >= services.configuration.checkpointInterval {
                    try await saveCheckpoint(&ledger, state: .inProgress)
                    lastCheckpoint = clock.now
                }
            }

            func dispatch() async throws {
                let unit = assembler.takeUnit()
                services.progress.add(unit.counts, to: table.table)
                let sequence = ledger.open(upTo: recordIndex, counts: unit.counts, deadLetters: unit.deadLetters)
                // Nothing to write, or a dry run (which writes nothing): the unit
                // settles at once, without a task, a permit or the applier.
                guard !unit.puts.isEmpty, !dryRun else {
                    ledger.close(sequence, written: unit.mappedOnly, writeFailures: [])
                    services.progress.add(EntityCounts(itemsWritten: unit.mappedOnly), to: table.table)
                    return
                }
                while inFlight >= maxInFlight, let done = try await group.next() {
                    inFlight -= 1
                    try await settle(done)
                }
                try await limiter.acquire()
                let puts = unit.puts
                group.addTask {
                    defer { limiter.release() }
                    return (sequence, try await applier.apply(puts))
                }
                inFlight += 1
            }

            let reader = DMSFileReader(options: services.readOptions)
            let layout = DMSTableLayout(schema: schema, table: table.table, columns: table.columns.map(\.name))
            _ = try await reader.read(file, table: layout, from: source) { records in
                for record in records {
                    recordIndex += 1
                    if recordIndex <= startRecord { continue }
                    switch record {
                    case .change(let change) where dryRun:
                        // Checked is as far as a dry run goes: count, build and keep nothing.
                        do throws(MappingError) {
                            assembler.countMapped(try mapper.check(change))
                            assembler.countRead()
                        } catch {
                            assembler.rejectMapped(change, reason: error.description)
                        }
                    case .change(let change):
                        let ops: [WriteOp]
                        do throws(MappingError) {
                            ops = try mapper.map(change)
                        } catch {
                            assembler.rejectMapped(change, reason: error.description)
                            break
                        }
                        // A full load maps each row to exactly one put.
                        for op in ops {
                            guard case .put(let item) = op.action else { continue }
                            if assembler.wouldRepeat(op.key) { try await dispatch() }
                            assembler.add(PendingPut(item: item, key: op.key, entity: op.entity, origin: change.origin, row: change.row))
                        }
                        assembler.countRead()
                    case .error(let problem):
                        assembler.rejectUnparsed(line: problem.line, reason: problem.reason, raw: problem.raw, source: problem.file)
                    }
                    if assembler.isFull { try await dispatch() }
                }
            }
            if assembler.hasContent { try await dispatch() }
            while let done = try await group.next() {
                try await settle(done)
            }
        }
        precondition(ledger.isSettled, "every unit settles before a file completes")
        return try await saveCheckpoint(&ledger, state: .completed)
    }

    /// Dead letters first, then the watermark: a checkpoint never points past a
    /// dead letter that is not stored.
    @discardableResult
    private func saveCheckpoint(_ ledger: inout FileLoadLedger, state: FileCheckpoint.State) async throws -> FileCheckpoint {
        let taken = ledger.takeCheckpoint()
        try await services.deadLetters?.write(taken.deadLetters, file: file.key, fromRecord: taken.fromRecord)
        let checkpoint = FileCheckpoint(
            file: file.key, table: table.table, size: file.size, etag: nil, state: state,
            recordsDone: taken.recordsDone, counts: taken.counts, updatedAt: Timestamp.now())
        try await services.checkpoints?.save(checkpoint)
        return checkpoint
    }
}

/// Collects one unit of work: up to 25 puts with distinct keys, and the rows of
/// the same record range that could not be parsed or mapped.
struct UnitAssembler {
    struct Unit {
        var puts: [PendingPut] = []
        /// Items mapped on a dry run, which builds no puts.
        var mappedOnly = 0
        var deadLetters: [DeadLetterRecord] = []
        var counts = EntityCounts()
    }

    static let batchSize = 25
    let table: String
    let columns: [String]
    private var unit = Unit()
    private var keys: Set<ItemKey> = []

    init(table: String, columns: [String]) {
        self.table = table
        self.columns = columns
    }

    var isFull: Bool { unit.puts.count >= Self.batchSize || unit.mappedOnly >= Self.dryRunUnitSize }

    /// A dry run settles its record ranges in larger units: nothing waits on them.
    static let dryRunUnitSize = 1_000

    mutating func countMapped(_ items: Int) {
        unit.mappedOnly += items
    }
    var hasContent: Bool { unit.counts.rowsRead > 0 }

    /// BatchWriteItem rejects a call that names one key twice.
    func wouldRepeat(_ key: ItemKey) -> Bool { keys.contains(key) }

    mutating func add(_ put: PendingPut) {
        keys.insert(put.key)
        unit.puts.append(put)
    }

    mutating func countRead() {
        unit.counts.rowsRead += 1
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
            keys.removeAll(keepingCapacity: true)
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
