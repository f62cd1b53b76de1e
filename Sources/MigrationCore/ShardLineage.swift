/// The order in which a DynamoDB stream's shards are read: a child shard holds the
/// later changes of the items its parent held, so a parent is read to its end
/// before any child starts (each item's changes then stay in order).
public struct ShardLineage: Sendable, Hashable {
    public struct Shard: Sendable, Hashable {
        public var id: String
        public var parentId: String?
        /// True when the shard has an ending sequence number (it takes no new records).
        public var isClosed: Bool

        public init(id: String, parentId: String?, isClosed: Bool) {
            self.id = id
            self.parentId = parentId
            self.isClosed = isClosed
        }
    }

    public let shards: [Shard]
    private let byID: [String: Shard]

    public init(_ shards: [Shard]) {
        self.shards = shards
        byID = Dictionary(shards.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Every shard, parents before children; siblings in id order (shard ids
    /// embed their creation time). A parent the stream no longer lists (trimmed
    /// after 24 h) counts as done.
    public var ordered: [Shard] {
        var children: [String: [Shard]] = [:]
        var roots: [Shard] = []
        for shard in shards {
            if let parent = shard.parentId, byID[parent] != nil {
                children[parent, default: []].append(shard)
            } else {
                roots.append(shard)
            }
        }
        var result: [Shard] = []
        var queue = roots.sorted { $0.id < $1.id }
        while !queue.isEmpty {
            let shard = queue.removeFirst()
            result.append(shard)
            queue += (children[shard.id] ?? []).sorted { $0.id < $1.id }
        }
        return result
    }

    /// Shards that may be read now: not finished, and their parent finished or gone.
    public func readable(finished: Set<String>) -> [Shard] {
        ordered.filter { shard in
            guard !finished.contains(shard.id) else { return false }
            guard let parent = shard.parentId, byID[parent] != nil else { return true }
            return finished.contains(parent)
        }
    }
}

/// A stream record's sequence number: decimal digits, compared as numbers (their
/// widths differ between shards and services).
public struct StreamSequenceNumber: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let digits: String

    public init?(_ text: String) {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { return nil }
        let trimmed = text.drop { $0 == "0" }
        digits = trimmed.isEmpty ? "0" : String(trimmed)
    }

    public static func < (lhs: StreamSequenceNumber, rhs: StreamSequenceNumber) -> Bool {
        lhs.digits.utf8.count != rhs.digits.utf8.count
            ? lhs.digits.utf8.count < rhs.digits.utf8.count
            : lhs.digits.utf8.lexicographicallyPrecedes(rhs.digits.utf8)
    }

    public var description: String { digits }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = StreamSequenceNumber(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "`\(text)` is not a sequence number"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }
}

/// Reverse replication's checkpoint: per shard, the sequence number of the last
/// record applied (every record of that shard up to it is in MySQL), and the
/// shards read to their end. Saved after the writes, so a restart replays at most
/// what was applied since (the writes are idempotent), never skips.
public struct StreamCheckpoint: Sendable, Hashable, Codable {
    public var streamArn: String
    public private(set) var applied: [String: StreamSequenceNumber]
    public private(set) var finishedShards: Set<String>

    public init(streamArn: String) {
        self.streamArn = streamArn
        applied = [:]
        finishedShards = []
    }

    /// Where to start reading a shard: after its checkpoint, or from its oldest record.
    public func resumePoint(shard: String) -> StreamSequenceNumber? {
        applied[shard]
    }

    /// Records that `sequence` (and everything before it in the shard) is applied.
    /// A sequence at or below the checkpoint (a replay) leaves it as it is.
    public mutating func markApplied(shard: String, through sequence: StreamSequenceNumber) {
        if let current = applied[shard], sequence <= current { return }
        applied[shard] = sequence
    }

    /// A closed shard read to its end: its children may start.
    public mutating func markFinished(shard: String) {
        finishedShards.insert(shard)
    }

    /// Forgets shards the stream no longer lists (trimmed), keeping the file small.
    public mutating func prune(keeping shardIDs: Set<String>) {
        applied = applied.filter { shardIDs.contains($0.key) }
        finishedShards = finishedShards.intersection(shardIDs)
    }
}
