/// The bookkeeping of one file's load: which record ranges are settled, the
/// counts over them, and the dead letters that may be made durable.
///
/// Batches finish out of order; only what lies under the low-watermark counts as
/// done, so a checkpoint taken from the ledger is always safe to resume from.
/// Pure: the loader feeds it events and persists what it hands out.
public struct FileLoadLedger: Sendable {
    private struct Unit: Sendable {
        var counts: EntityCounts
        var deadLetters: [DeadLetterRecord]
    }

    private var watermark: BatchWatermark<Int>
    private var units: [Int: Unit] = [:]
    /// Counts over every record under the watermark (including earlier runs').
    public private(set) var doneCounts: EntityCounts
    /// Dead letters under the watermark that are not yet stored.
    private var readyDeadLetters: [DeadLetterRecord] = []
    /// The first record of the interval the ready dead letters belong to: the
    /// watermark of the last checkpoint handed out.
    public private(set) var checkpointedRecords: Int

    public init(resumeFrom records: Int = 0, counts: EntityCounts = EntityCounts()) {
        watermark = BatchWatermark(start: records)
        doneCounts = counts
        checkpointedRecords = records
    }

    /// Records under the low-watermark: all written or dead-lettered.
    public var recordsDone: Int { watermark.watermark }

    public var isSettled: Bool { watermark.isSettled }

    /// Opens a unit covering the records up to `records` (exclusive of earlier
    /// units), with what is already known of them: rows read and the rows that
    /// could not be parsed or mapped. Returns the unit's sequence number.
    public mutating func open(upTo records: Int, counts: EntityCounts, deadLetters: [DeadLetterRecord]) -> Int {
        let sequence = watermark.issue(upTo: records)
        units[sequence] = Unit(counts: counts, deadLetters: deadLetters)
        return sequence
    }

    /// Closes a unit with its write outcome (`keptNewer`: a backfill's puts the
    /// table already held newer).
    public mutating func close(_ sequence: Int, written: Int, keptNewer: Int = 0, writeFailures: [DeadLetterRecord]) {
        guard units[sequence] != nil else { return }
        units[sequence]!.counts.itemsWritten += written
        units[sequence]!.counts.keptNewer += keptNewer
        units[sequence]!.counts.deadLettered += writeFailures.count
        units[sequence]!.deadLetters += writeFailures
        for settled in watermark.complete(sequence) {
            guard let unit = units.removeValue(forKey: settled) else { continue }
            doneCounts += unit.counts
            readyDeadLetters += unit.deadLetters
        }
    }

    /// What a checkpoint must make durable now: the dead letters of the interval
    /// that starts at `fromRecord` (store them first), then the new watermark and
    /// counts. Marks them handed out.
    public mutating func takeCheckpoint() -> (fromRecord: Int, deadLetters: [DeadLetterRecord], recordsDone: Int, counts: EntityCounts) {
        defer {
            readyDeadLetters = []
            checkpointedRecords = watermark.watermark
        }
        return (checkpointedRecords, readyDeadLetters, watermark.watermark, doneCounts)
    }
}
