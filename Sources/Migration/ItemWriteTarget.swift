import DynamoDBModel

/// The one seam between the applier and DynamoDB, small enough for an in-memory
/// double in unit tests and a thin adapter over the DynamoDB client in production.
public protocol ItemWriteTarget: Sendable {
    /// One BatchWriteItem call of at most 25 puts with distinct keys. Returns the
    /// items DynamoDB left unprocessed (throttled); they were not written.
    func batchPut(_ items: [Item]) async throws(WriteTargetError) -> [Item]

    /// One unconditional PutItem (tracking items).
    func put(_ item: Item) async throws(WriteTargetError)
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
