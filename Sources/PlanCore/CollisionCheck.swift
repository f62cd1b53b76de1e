import BillingModel
import DynamoDBModel

/// Finds rows mapped to an item key an earlier row already had, by the keys'
/// 64-bit hashes, while at most `limit` are kept (past it the check stops and
/// the report says so). Rows are checked in order, a batch at a time: the set
/// is large and an insert that misses the cache waits for memory alone, so a
/// batch first reads the slot each of its keys starts at in one tight loop,
/// where the misses overlap, then inserts. Each row's key text waits with it,
/// for the examples.
struct CollisionCheck: Sendable {
    static let batchSize = 256

    let limit: Int
    private(set) var isComplete = true
    private var keys = HashedKeySet()
    private var pendingHashes: [UInt64] = []
    private var pendingEntities: [Int] = []
    /// The pending rows' PK and SK bytes, back to back; where each ends.
    private var pendingText: [UInt8] = []
    private var pendingEnds: [Int] = []
    /// What the slot reads added up to: kept, so the reads are not optimized away.
    private var touched: UInt64 = 0

    init(limit: Int) {
        self.limit = limit
    }

    var hasPending: Bool { !pendingHashes.isEmpty }
    var isBatchFull: Bool { pendingHashes.count >= Self.batchSize }

    /// Queues a row's item key (`hash`, and its text from `footprint`) for `checkPending`.
    mutating func enqueue(hash: UInt64, entity: Int, footprint: FootprintBytes) {
        pendingHashes.append(hash)
        pendingEntities.append(entity)
        // The PK and SK are stored back to back: one copy.
        pendingEnds.append(pendingText.count + footprint.keyLength(0))
        footprint.withKeys(0..<2) { pendingText.append(contentsOf: $0) }
        pendingEnds.append(pendingText.count)
    }

    /// Checks the queued rows in order; returns those whose key an earlier row
    /// had, as their entity and their place in the queue (for `pendingKey`).
    /// `clearPending` empties the queue.
    mutating func checkPending() -> [(entity: Int, row: Int)] {
        guard isComplete, hasPending else { return [] }
        keys.reserveCapacity(keys.count + pendingHashes.count)
        touched &+= keys.readStartSlots(of: pendingHashes)
        var collided: [(entity: Int, row: Int)] = []
        for (row, hash) in pendingHashes.enumerated() {
            guard keys.count < limit else {
                isComplete = false
                keys = HashedKeySet()
                break
            }
            if !keys.insert(hash) { collided.append((pendingEntities[row], row)) }
        }
        return collided
    }

    /// A queued row's item key, as the report lists it.
    func pendingKey(_ row: Int) -> String {
        let start = row == 0 ? 0 : pendingEnds[2 * row - 1]
        let text = pendingText[...]
        let pk = String(decoding: text[start..<pendingEnds[2 * row]], as: UTF8.self)
        let sk = String(decoding: text[pendingEnds[2 * row]..<pendingEnds[2 * row + 1]], as: UTF8.self)
        return ItemKey(pk: pk, sk: sk).description
    }

    mutating func clearPending() {
        pendingHashes.removeAll(keepingCapacity: true)
        pendingEntities.removeAll(keepingCapacity: true)
        pendingText.removeAll(keepingCapacity: true)
        pendingEnds.removeAll(keepingCapacity: true)
    }

    /// Adds the keys another check (of other rows, nothing pending) kept;
    /// returns how many both had: rows of one on a key of the other.
    mutating func merge(_ other: CollisionCheck) -> Int {
        guard isComplete, other.isComplete else {
            isComplete = false
            keys = HashedKeySet()
            return 0
        }
        let shared = keys.formUnion(other.keys)
        if keys.count > limit {
            isComplete = false
            keys = HashedKeySet()
        }
        return shared
    }
}
