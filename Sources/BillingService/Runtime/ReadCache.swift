/// A read-through cache of answers, bounded in entries and bytes, with a TTL.
/// Entries remember the store they came from and the partition keys they read,
/// so the service's own writes invalidate them and an answer is reused only for
/// a read routed to the same store. Eviction is oldest-first. Pure (time passed in).
///
/// Generic over what it keeps: the service keeps the encoded response body, so
/// a hit is the stored bytes (no model encoding per request); the caller says
/// what each value costs to keep.
public struct ReadCache<Value: Sendable>: Sendable {
    public typealias Configuration = ReadCacheConfiguration

    private struct Entry: Sendable {
        var value: Value
        var bytes: Int
        var expires: ContinuousClock.Instant
        var sequence: UInt64
        /// The query's partition keys, computed once at `put` (invalidation reads them for every entry).
        var partitionKeys: [String]
    }

    public let configuration: Configuration
    private var entries: [ReadCacheKey: Entry] = [:]
    /// Keys in insertion order, with the sequence they were stored under (stale pairs are skipped).
    private var order: [(key: ReadCacheKey, sequence: UInt64)] = []
    private var orderStart = 0
    private var nextSequence: UInt64 = 0
    public private(set) var bytes = 0
    public private(set) var hits: UInt64 = 0
    public private(set) var misses: UInt64 = 0
    /// Counts invalidations. A read notes it before its store call and passes it
    /// to `put`: if a write invalidated meanwhile, the answer (perhaps read before
    /// that write) is not kept, so a hit never predates an acknowledged write.
    public private(set) var generation: UInt64 = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public var count: Int { entries.count }

    /// What an entry costs beside its value: the key, the bookkeeping.
    public static var entryOverheadBytes: Int { 160 }

    public mutating func get(_ key: ReadCacheKey, now: ContinuousClock.Instant) -> Value? {
        guard let entry = entries[key] else {
            misses += 1
            return nil
        }
        guard now < entry.expires else {
            remove(key)
            misses += 1
            return nil
        }
        hits += 1
        return entry.value
    }

    /// Keeps `value`, which costs `bytes` (plus `entryOverheadBytes`) against `maxBytes`,
    /// unless the cache was invalidated since `readAt` (the `generation` the read began at).
    public mutating func put(
        _ key: ReadCacheKey, _ value: Value, bytes valueBytes: Int, now: ContinuousClock.Instant, readAt: UInt64? = nil
    ) {
        let size = valueBytes + Self.entryOverheadBytes
        guard configuration.maxEntries > 0, size <= configuration.maxBytes, readAt.map({ $0 == generation }) ?? true else { return }
        remove(key)
        nextSequence += 1
        entries[key] = Entry(
            value: value, bytes: size, expires: now + configuration.ttl, sequence: nextSequence, partitionKeys: key.query.partitionKeys)
        order.append((key, nextSequence))
        bytes += size
        while entries.count > configuration.maxEntries || bytes > configuration.maxBytes {
            evictOldest()
        }
        compactOrder()
    }

    /// Drops every answer that read one of these partition keys (the service wrote under them).
    public mutating func invalidate(partitionKeys: Set<String>) {
        guard !partitionKeys.isEmpty else { return }
        generation += 1
        for (key, entry) in entries where entry.partitionKeys.contains(where: partitionKeys.contains) {
            remove(key)
        }
    }

    public mutating func removeAll() {
        generation += 1
        entries = [:]
        order = []
        orderStart = 0
        bytes = 0
    }

    private mutating func remove(_ key: ReadCacheKey) {
        if let entry = entries.removeValue(forKey: key) { bytes -= entry.bytes }
    }

    private mutating func evictOldest() {
        while orderStart < order.count {
            let (key, sequence) = order[orderStart]
            orderStart += 1
            if entries[key]?.sequence == sequence {
                remove(key)
                return
            }
        }
    }

    private mutating func compactOrder() {
        if orderStart > 1024 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }
}

/// What a cached answer answers: the query, the page (cursor position and
/// size), and the store it was read from.
public struct ReadCacheKey: Sendable, Hashable {
    public var query: BillingQuery
    public var after: PagePosition?
    public var limit: Int
    public var store: StoreName

    public init(query: BillingQuery, after: PagePosition?, limit: Int, store: StoreName) {
        self.query = query
        self.after = after
        self.limit = limit
        self.store = store
    }
}

/// The read cache's bounds.
public struct ReadCacheConfiguration: Sendable, Hashable {
    public var maxEntries: Int
    public var maxBytes: Int
    public var ttl: Duration

    public init(maxEntries: Int = 10_000, maxBytes: Int = 64 << 20, ttl: Duration = .seconds(2)) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.ttl = ttl
    }
}
