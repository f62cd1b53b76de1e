import DynamoDBModel

/// The one seam between the appliers and DynamoDB, small enough for an in-memory
/// double in unit tests and a thin adapter over the DynamoDB client in production.
public protocol ItemWriteTarget: Sendable {
    /// One BatchWriteItem call of at most 25 puts with distinct keys. Returns the
    /// items DynamoDB left unprocessed (throttled); they were not written.
    func batchPut(_ items: [Item]) async throws(WriteTargetError) -> [Item]

    /// One unconditional PutItem (tracking items).
    func put(_ item: Item) async throws(WriteTargetError)

    /// Writes `item` (which carries `SourceVersion` = `version`) unless the item
    /// at its key has a version at or above `version`: one PutItem conditional on
    /// `attribute_not_exists(PK) OR SourceVersion < :version`. A false condition
    /// is the outcome `.skippedNewer`, not an error.
    func putIfNewer(_ item: Item, version: String) async throws(WriteTargetError) -> VersionedWriteOutcome

    /// Replaces the item at `key` by a tombstone (`PK`, `SK`, `Deleted` = true,
    /// `SourceVersion` = `version`, `TTL` = `ttl` epoch seconds, nothing else),
    /// under the same condition as `putIfNewer`.
    func tombstoneIfNewer(key: ItemKey, version: String, ttl: Int64) async throws(WriteTargetError)
        -> VersionedWriteOutcome
}

/// What a write conditional on the source version did.
public enum VersionedWriteOutcome: Sendable, Hashable {
    case applied
    /// The item already holds a version at or above the write's: nothing written.
    case skippedNewer
}

/// The target stayed unreachable longer than the outage tolerance: both appliers
/// stop the run with it (exit status 1); the checkpoints make the stop resumable.
public struct WriteTargetUnavailable: Error, Sendable, CustomStringConvertible {
    public var lastError: String

    public init(lastError: String) {
        self.lastError = lastError
    }

    public var description: String {
        "the table stayed unreachable longer than the outage tolerance (last error: \(lastError)); "
            + "check the network and the endpoint, then run the same command again: it resumes from its checkpoints"
    }
}

/// How long the target has failed with transient errors without a success in
/// between; past the tolerance both appliers stop with `WriteTargetUnavailable`
/// instead of dead-lettering everything during a network cut.
struct OutageWatch {
    let tolerance: Duration
    private let clock = ContinuousClock()
    private var start: ContinuousClock.Instant?

    init(tolerance: Duration) {
        self.tolerance = tolerance
    }

    mutating func succeeded() {
        start = nil
    }

    /// A transient failure: fine within the tolerance, the end of the run past it.
    mutating func failed(_ error: WriteTargetError) throws(WriteTargetUnavailable) {
        let now = clock.now
        let first = start ?? now
        start = first
        if now - first > tolerance { throw WriteTargetUnavailable(lastError: error.message) }
    }
}

/// Why a write call failed, in the terms the applier acts on.
public struct WriteTargetError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// DynamoDB pushed back: slow down and try again, never give up for this alone.
        case throttled
        /// The call may succeed later (5xx, timeout, dropped connection).
        case transient
        /// The request itself is wrong (validation, item too large, access denied):
        /// retrying the same request cannot succeed.
        case rejected
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
