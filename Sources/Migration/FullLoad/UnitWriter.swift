import BillingModel
import DynamoDBModel
import MigrationCore

/// The part of a full load that does not care where rows come from (a staged
/// file or a snapshot chunk): map each row, assemble 25-put units, write them
/// through the shared applier with bounded concurrency, and settle each unit in
/// the ledger, checkpointing as units settle.
struct UnitWriter {
    typealias Group = ThrowingTaskGroup<(Int, BatchApplier.Outcome), any Error>
    /// Saves a checkpoint from the ledger (dead letters first, then the
    /// watermark), with the markers of the unit boundaries not yet checkpointed.
    typealias Checkpoint = (inout FileLoadLedger, _ markers: [Int: [SourceValue]]) async throws -> Void

    let table: String
    /// The file's key, or the snapshot's unit (`snapshot/{TABLE}`): batch ids
    /// are `{unit}#{first record}`.
    let unit: String
    let mapper: ItemMapper
    let services: LoadServices
    private(set) var ledger: FileLoadLedger
    private var assembler: UnitAssembler
    private var inFlight = 0
    private let clock = ContinuousClock()
    private var lastCheckpoint: ContinuousClock.Instant
    /// Records fed so far, counted from the start of the source (including
    /// those a previous run finished).
    private(set) var records: Int
    /// Where the last two records fed sit in their source, when the source
    /// resumes by position rather than by count (a snapshot's primary key).
    private var marker: [SourceValue]?
    private var markerBefore: [SourceValue]?
    /// The marker at the end of each unit handed out, by record count, so a
    /// checkpoint at a watermark can say where to resume.
    private(set) var markers: [Int: [SourceValue]] = [:]
    /// The record count at the end of the last unit handed out.
    private var lastBoundary: Int
    /// The batch id of each unit in flight, by sequence.
    private var batchIDs: [Int: String] = [:]

    init(
        table: TableMapping, unit: String, mapper: ItemMapper, services: LoadServices, resumeFrom records: Int, counts: EntityCounts
    ) {
        self.table = table.table
        self.unit = unit
        self.mapper = mapper
        self.services = services
        self.ledger = FileLoadLedger(resumeFrom: records, counts: counts)
        self.assembler = UnitAssembler(table: table.table, columns: table.columns.map(\.name))
        self.records = records
        self.lastBoundary = records
        self.lastCheckpoint = clock.now
    }

    /// Maps one source row and adds it to the current unit. `marker` says where
    /// the row sits in its source (nil for sources that resume by count).
    mutating func add(_ change: SourceChange, marker: [SourceValue]? = nil, group: inout Group, checkpoint: Checkpoint) async throws {
        records += 1
        markerBefore = self.marker
        self.marker = marker
        // A full load maps each row to one put at most.
        let put: PendingPut?
        do throws(MappingError) {
            // A dry run takes this path too, into a target that discards: it
            // does the load's work up to the network, and measures it.
            if let backfill = services.backfill {
                // Conditional PutItems: they take an `Item`.
                put = Self.itemPut(try mapper.map(change, version: backfill.version), change)
            } else if change.operation == .snapshot {
                // Encoded once, sent as it is: no `Item` per row.
                put = PendingPut(try mapper.encodedPut(change), origin: change.origin, row: change.row)
            } else {
                put = Self.itemPut(try mapper.map(change), change)
            }
        } catch {
            assembler.rejectMapped(change, reason: error.description)
            if assembler.isFull { try await dispatch(upTo: records, group: &group, checkpoint: checkpoint) }
            return
        }
        if let put {
            if assembler.wouldRepeat(put.key) {
                // The unit handed out now ends before this record: its row is
                // counted, and so checkpointed, with the next unit.
                try await dispatch(upTo: records - 1, group: &group, checkpoint: checkpoint)
            }
            assembler.add(put)
        }
        assembler.countRead()
        if assembler.isFull { try await dispatch(upTo: records, group: &group, checkpoint: checkpoint) }
    }

    /// The put among a change's writes (a tombstone is not a full load's).
    private static func itemPut(_ ops: [WriteOp], _ change: SourceChange) -> PendingPut? {
        for op in ops {
            guard case .put(let item) = op.action else { continue }
            return PendingPut(item: item, key: op.key, entity: op.entity, origin: change.origin, row: change.row)
        }
        return nil
    }

    /// Records a row a backfill leaves out: dated outside its range.
    mutating func skipOutOfRange(group: inout Group, checkpoint: Checkpoint) async throws {
        records += 1
        markerBefore = marker
        marker = nil
        assembler.countOutOfRange()
        if assembler.isFull { try await dispatch(upTo: records, group: &group, checkpoint: checkpoint) }
    }

    /// Records a row that could not be parsed.
    mutating func rejectUnparsed(line: Int?, reason: String, raw: String?, source: String, group: inout Group, checkpoint: Checkpoint) async throws {
        records += 1
        assembler.rejectUnparsed(line: line, reason: reason, raw: raw, source: source)
        if assembler.isFull { try await dispatch(upTo: records, group: &group, checkpoint: checkpoint) }
    }

    /// Hands out what is left and waits for every unit to settle.
    mutating func finish(group: inout Group, checkpoint: Checkpoint) async throws {
        if assembler.hasContent { try await dispatch(upTo: records, group: &group, checkpoint: checkpoint) }
        while let done = try await group.next() {
            inFlight -= 1
            try await settle(done, checkpoint: checkpoint)
        }
    }

    private mutating func settle(_ result: (Int, BatchApplier.Outcome), checkpoint: Checkpoint) async throws {
        let (sequence, outcome) = result
        let batch = batchIDs.removeValue(forKey: sequence)
        let failures = outcome.failed.map { failed in
            var letter = assembler.deadLetter(for: failed.put, reason: failed.reason)
            letter.batch = batch
            return letter
        }
        ledger.close(sequence, written: outcome.written, keptNewer: outcome.keptNewer.count, writeFailures: failures)
        services.progress.add(
            EntityCounts(itemsWritten: outcome.written, deadLettered: failures.count, keptNewer: outcome.keptNewer.count), to: table)
        if clock.now - lastCheckpoint >= services.checkpointInterval {
            try await checkpoint(&ledger, markers)
            // Markers below the watermark just saved are not needed again.
            let saved = ledger.checkpointedRecords
            if markers.keys.contains(where: { $0 < saved }) { markers = markers.filter { $0.key >= saved } }
            lastCheckpoint = clock.now
        }
    }

    private mutating func dispatch(upTo boundary: Int, group: inout Group, checkpoint: Checkpoint) async throws {
        var unit = assembler.takeUnit()
        // A batch is named by its first record, as dead-letter objects are by their interval's.
        let batch = "\(self.unit)#\(lastBoundary + 1)"
        lastBoundary = boundary
        for index in unit.deadLetters.indices { unit.deadLetters[index].batch = batch }
        services.progress.add(unit.counts, to: table)
        if let marker = boundary == records ? marker : markerBefore { markers[boundary] = marker }
        let sequence = ledger.open(upTo: boundary, counts: unit.counts, deadLetters: unit.deadLetters)
        // Nothing to write: the unit settles at once, without a task, a permit or the applier.
        guard !unit.puts.isEmpty else {
            ledger.close(sequence, written: 0, writeFailures: [])
            return
        }
        let maxInFlight = max(1, services.writeConcurrency)
        while inFlight >= maxInFlight, let done = try await group.next() {
            inFlight -= 1
            try await settle(done, checkpoint: checkpoint)
        }
        let limiter = services.limiter
        let applier = services.applier
        let backfill = services.backfill
        try await limiter.acquire()
        let puts = unit.puts
        batchIDs[sequence] = batch
        group.addTask {
            defer { limiter.release() }
            return try await LogContext.with([LogKey.batch: .string(batch)]) {
                if let backfill { return (sequence, try await backfill.apply(puts)) }
                return (sequence, try await applier.apply(puts))
            }
        }
        inFlight += 1
    }
}
