/// A read-through cache of pages, bounded in entries and bytes, with a TTL.
/// Entries remember the store they came from and the partition keys they read,
/// so the service's own writes invalidate them and a page is reused only for a
/// read routed to the same store. Eviction is oldest-first. Pure (time passed in).
public struct ReadCache: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var maxEntries: Int
        public var maxBytes: Int
        public var ttl: Duration

        public init(maxEntries: Int = 10_000, maxBytes: Int = 64 << 20, ttl: Duration = .seconds(2)) {
            self.maxEntries = maxEntries
            self.maxBytes = maxBytes
            self.ttl = ttl
        }
    }

    public struct Key: Sendable, Hashable {
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

    private struct Entry: Sendable {
        var page: StorePage
        var bytes: Int
        var expires: ContinuousClock.Instant
        var sequence: UInt64
    }

    public let configuration: Configuration
    private var entries: [Key: Entry] = [:]
    /// Keys in insertion order, with the sequence they were stored under (stale pairs are skipped).
    private var order: [(key: Key, sequence: UInt64)] = []
    private var orderStart = 0
    private var nextSequence: UInt64 = 0
    public private(set) var bytes = 0
    public private(set) var hits: UInt64 = 0
    public private(set) var misses: UInt64 = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public var count: Int { entries.count }

    public mutating func get(_ key: Key, now: ContinuousClock.Instant) -> StorePage? {
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
        return entry.page
    }

    public mutating func put(_ key: Key, page: StorePage, now: ContinuousClock.Instant) {
        let size = Self.estimatedBytes(page)
        guard configuration.maxEntries > 0, size <= configuration.maxBytes else { return }
        remove(key)
        nextSequence += 1
        entries[key] = Entry(page: page, bytes: size, expires: now + configuration.ttl, sequence: nextSequence)
        order.append((key, nextSequence))
        bytes += size
        while entries.count > configuration.maxEntries || bytes > configuration.maxBytes {
            evictOldest()
        }
        compactOrder()
    }

    /// Drops every page that read one of these partition keys (the service wrote under them).
    public mutating func invalidate(partitionKeys: Set<String>) {
        guard !partitionKeys.isEmpty else { return }
        for key in entries.keys where key.query.partitionKeys.contains(where: partitionKeys.contains) {
            remove(key)
        }
    }

    public mutating func removeAll() {
        entries = [:]
        order = []
        orderStart = 0
        bytes = 0
    }

    private mutating func remove(_ key: Key) {
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

    /// What a page costs to keep: its values' text plus a fixed overhead per record.
    static func estimatedBytes(_ page: StorePage) -> Int {
        page.records.reduce(64) { total, record in
            total + 96 + record.position.pk.utf8.count + record.position.sk.utf8.count
                + record.record.row.reduce(0) { sum, value in
                    switch value {
                    case .null: sum + 1
                    case .text(let text): sum + 16 + text.utf8.count
                    case .bytes(let bytes): sum + 16 + bytes.count
                    }
                }
        }
    }
}
