/// Whether a table's full load is done, judged from its staged full-load files and
/// their checkpoints: the rule that holds its change files back (issue 14).
///
/// DMS writes a table's change files only after that table's full load (cached
/// changes are applied after it), so once a change file exists every full-load file
/// of its table is staged, and the full load is complete when each of them has a
/// checkpoint saying COMPLETED (or DAMAGED: read up to its damage and dead-lettered)
/// for the object as it is now (same size). The checkpoints are the truth `load`
/// resumes from, so no other marker is kept; a table with no full-load file (an empty
/// table) is complete.
public enum FullLoadCompletion: Sendable, Hashable {
    case complete
    /// The files whose load is not done (no checkpoint, in progress, or for another size).
    case incomplete(pending: [String])

    public var isComplete: Bool { self == .complete }

    /// - Parameters:
    ///   - files: the table's staged full-load files, key and size.
    ///   - checkpoints: their checkpoints by key, as the state location holds them.
    public static func judge(files: [(key: String, size: Int64)], checkpoints: [String: FileCheckpoint]) -> FullLoadCompletion {
        let pending = files.filter { file in
            guard let checkpoint = checkpoints[file.key], checkpoint.matches(size: file.size, etag: nil) else { return true }
            return checkpoint.state == .inProgress
        }.map(\.key)
        return pending.isEmpty ? .complete : .incomplete(pending: pending.sorted())
    }
}

/// What a worker does with one object a queue message names: the decision apart
/// from the reading and writing (pure, so every branch is tested).
public enum WorkerTriage: Sendable, Hashable {
    /// What the object is, as the staging layout and the notification say.
    public enum Object: Sendable, Hashable {
        case fullLoad(table: String)
        case changes(table: String)
        /// A `CDC_TXN` file: changes of every table.
        case transactionChanges
        /// Not an object to process, by design: a removal event, the worker's own
        /// state files under the staging bucket.
        case notForWorkers(reason: String)
        /// Nothing a worker can process (a key the layout does not know, a table the
        /// mapping does not have, another bucket).
        case unknown(reason: String)
    }

    /// Load or apply it now.
    case process
    /// A change file whose table's full load is not complete: back to the queue, to
    /// be received again after a delay, not deleted.
    case waitForFullLoad(tables: [String], pending: [String])
    /// Deleted without work, with the reason (logged).
    case ignore(reason: String)
    /// Not deleted and released at once, so the queue's redrive policy moves it to
    /// the dead-letter queue after its receive limit; never dropped silently.
    case leaveForDeadLetterQueue(reason: String)

    /// The tables whose full load must be complete before `object` is processed:
    /// its own for a change file, every mapped table for a `CDC_TXN` file, none otherwise.
    public static func gatingTables(of object: Object, mapped: [String]) -> [String] {
        switch object {
        case .changes(let table): [table]
        case .transactionChanges: mapped
        case .fullLoad, .notForWorkers, .unknown: []
        }
    }

    /// - Parameter fullLoads: the completion of each of `gatingTables(of: object)`;
    ///   a table missing from it counts as incomplete.
    public static func decide(_ object: Object, mapped: [String], fullLoads: [String: FullLoadCompletion]) -> WorkerTriage {
        switch object {
        case .fullLoad:
            return .process
        case .notForWorkers(let reason):
            return .ignore(reason: reason)
        case .unknown(let reason):
            return .leaveForDeadLetterQueue(reason: reason)
        case .changes, .transactionChanges:
            var waitingTables: [String] = []
            var pending: [String] = []
            for table in gatingTables(of: object, mapped: mapped) {
                switch fullLoads[table] ?? .incomplete(pending: []) {
                case .complete:
                    continue
                case .incomplete(let files):
                    waitingTables.append(table)
                    pending += files
                }
            }
            return waitingTables.isEmpty ? .process : .waitForFullLoad(tables: waitingTables, pending: pending)
        }
    }
}
