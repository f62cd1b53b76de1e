import DynamoDBModel

/// The one seam between the appliers and DynamoDB, small enough for an in-memory
/// double in unit tests and a thin adapter over the DynamoDB client in production.
public protocol ItemWriteTarget: Sendable {
    /// One BatchWriteItem call of at most 25 puts with distinct keys. Returns the
    /// items DynamoDB left unprocessed (throttled); they were not written.
    func batchPut(_ items: [Item]) async throws(WriteTargetError) -> [Item]

    /// The same call with the puts encoded beforehand (the load's rows, encoded as
    /// they were mapped). Returns the items left unprocessed. By default the
    /// requests are decoded and written by `batchPut(_:)`.
    func batchPut(encoded requests: [EncodedPutRequest]) async throws(WriteTargetError) -> [Item]

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

    /// The table and where it is, for messages about an outage.
    var targetDescription: String { get }
}

extension ItemWriteTarget {
    public var targetDescription: String { "the table" }

    public func batchPut(encoded requests: [EncodedPutRequest]) async throws(WriteTargetError) -> [Item] {
        try await batchPut(try decodedItems(requests))
    }
}

// Outside the async function: a throwing loop inline crashes Swift 6.3.1's
// optimizer in release builds (see DynamoDBClient.batchWriteBody).
private func decodedItems(_ requests: [EncodedPutRequest]) throws(WriteTargetError) -> [Item] {
    var items: [Item] = []
    items.reserveCapacity(requests.count)
    for request in requests {
        do {
            items.append(try request.item())
        } catch {
            throw WriteTargetError(.rejected, "a put request does not decode: \(error)")
        }
    }
    return items
}

/// What a write conditional on the source version did.
public enum VersionedWriteOutcome: Sendable, Hashable {
    case applied
    /// The item already holds a version at or above the write's: nothing written.
    case skippedNewer
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
        /// The table is not there (never created, deleted, another region or
        /// endpoint): no write can succeed, so the run stops instead of
        /// dead-lettering every row.
        case missingTable
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
