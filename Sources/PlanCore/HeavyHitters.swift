/// The heaviest keys of a weighted stream in bounded memory: Misra-Gries
/// with batched decrements. It keeps at most `2k` counters; when they
/// overflow it subtracts the (k+1)-th largest count `c` from every counter and
/// drops those that reach zero. Each such step removes at least `(k+1)·c`
/// weight (the k+1 largest lose `c` each), so the total subtracted,
/// `maxUndercount`, never exceeds `W/(k+1)` for a stream of weight `W`.
///
/// Every key's estimate `e` satisfies `e <= true weight <= e + maxUndercount`,
/// and every key heavier than `maxUndercount` is kept. While the stream has at
/// most `2k` distinct keys nothing is subtracted and every count is exact.
public struct HeavyHitters: Sendable {
    public struct Entry: Sendable, Hashable, Codable {
        public var key: String
        /// A lower bound of the key's weight; the true weight is at most `estimate + maxUndercount`.
        public var estimate: Int
    }

    /// k: the guarantee above holds with this many counters kept after each step.
    public let capacity: Int
    /// Counts by the key's `StableHash` (an integer hashes far faster than a
    /// string), and each counted key's text; 64-bit collisions are negligible.
    private var counts = HashedCounts()
    /// Each counted key's text, found by its hash through `namePositions` (a
    /// `Dictionary` would run SipHash over the hash again for every key counted).
    private var names: [String] = []
    private var namePositions = HashedCounts()
    public private(set) var totalWeight = 0
    /// The most any estimate lies below the key's true weight.
    public private(set) var maxUndercount = 0

    public init(capacity: Int = 1_000) {
        precondition(capacity > 0, "a heavy-hitter sketch needs counters")
        self.capacity = capacity
    }

    /// Adds `weight` to `key`; `hash` is its `StableHash` when the caller has it.
    public mutating func add(_ key: String, hash: UInt64? = nil, weight: Int = 1) {
        add(hash: hash ?? StableHash.of(key), weight: weight) { key }
    }

    /// Adds `weight` to the key whose `StableHash` is `hash`; `key` makes its
    /// text, asked only when the sketch starts counting it.
    public mutating func add(hash: UInt64, weight: Int = 1, key: () -> String) {
        guard weight > 0 else { return }
        totalWeight += weight
        guard counts.add(hash, weight) else { return }
        // A key newly counted has no name: a shrink drops the names of the keys it drops.
        namePositions.add(hash, names.count)
        names.append(key())
        if counts.count > 2 * capacity { shrink() }
    }

    /// Whether `newKeys` more keys can be counted without a shrink: until one,
    /// every count is an exact sum, whatever order the weights came in.
    public func fits(newKeys: Int) -> Bool {
        counts.count + newKeys <= 2 * capacity
    }

    private mutating func shrink() {
        let threshold = counts.entries.map(\.count).sorted(by: >)[capacity]
        maxUndercount += threshold
        counts = counts.rebuilt(keeping: { $1 > threshold }, change: { $0 - threshold })
        var keptNames: [String] = []
        var keptPositions = HashedCounts(minimumCapacity: counts.count)
        for entry in counts.entries {
            keptPositions.add(entry.key, keptNames.count)
            keptNames.append(name(entry.key))
        }
        names = keptNames
        namePositions = keptPositions
    }

    private func name(_ hash: UInt64) -> String {
        names[namePositions.count(of: hash)!]
    }

    /// Adds another sketch of the same capacity (mergeable summaries: the
    /// bound `W/(k+1)` holds for the merged stream).
    public mutating func merge(_ other: HeavyHitters) {
        totalWeight += other.totalWeight
        maxUndercount += other.maxUndercount
        for entry in other.counts.entries where counts.add(entry.key, entry.count) {
            namePositions.add(entry.key, names.count)
            names.append(other.name(entry.key))
        }
        if counts.count > 2 * capacity { shrink() }
    }

    /// Whether every count is exact.
    public var isExact: Bool { maxUndercount == 0 }

    /// The `n` heaviest keys by estimate, heaviest first (ties by key, so output is stable).
    public func top(_ n: Int) -> [Entry] {
        counts.entries.map { Entry(key: name($0.key), estimate: $0.count) }
            .sorted { $0.estimate != $1.estimate ? $0.estimate > $1.estimate : $0.key < $1.key }
            .prefix(n).map { $0 }
    }
}
