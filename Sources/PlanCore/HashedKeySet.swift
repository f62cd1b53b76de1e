/// A set of 64-bit values that are already well-mixed hashes (`StableHash`):
/// open addressing with linear probing, placed by the top bits of the value
/// times a Fibonacci constant (one multiplication). Swift's `Set<UInt64>` runs
/// SipHash over every element again, a plan inserts a few hashes per row.
/// The top bits, not the low ones: a union walks the other set's slots in
/// order, and with low-bit placement into a smaller table that order fills
/// it in runs that make every probe long.
struct HashedKeySet: Sendable {
    /// 0 marks an empty slot; the value 0 itself is kept in `containsZero`.
    private var slots: [UInt64]
    private var containsZero = false
    /// 64 minus log2 of the slot count: the shift that leaves a slot index.
    private var shift: UInt64
    private(set) var count = 0

    init(minimumCapacity: Int = 0) {
        let capacity = Self.capacity(holding: minimumCapacity)
        slots = Array(repeating: 0, count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }

    /// The smallest power of two at least 16 that holds `count` at most three quarters full.
    static func capacity(holding count: Int, atLeast minimum: Int = 16) -> Int {
        var capacity = minimum
        while capacity * 3 < count * 4 { capacity *= 2 }
        return capacity
    }

    /// A slot for `value` in a table of `2^(64 - shift)` slots.
    static func slot(_ value: UInt64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (value &* 0x9e37_79b9_7f4a_7c15) >> shift)
    }

    /// Inserts `value`; whether it was not there before.
    @discardableResult
    mutating func insert(_ value: UInt64) -> Bool {
        if value == 0 {
            if containsZero { return false }
            containsZero = true
            count += 1
            return true
        }
        // At most three quarters full, so a probe ends soon.
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let shift = shift
        let inserted = slots.withUnsafeMutableBufferPointer { Self.insert(value, into: $0, shift: shift) }
        if inserted { count += 1 }
        return inserted
    }

    /// Inserts a nonzero `value` into slots with room for it; whether it was not there before.
    private static func insert(_ value: UInt64, into slots: UnsafeMutableBufferPointer<UInt64>, shift: UInt64) -> Bool {
        let mask = slots.count - 1
        var index = slot(value, shift: shift)
        while true {
            let slot = slots[index]
            if slot == value { return false }
            if slot == 0 {
                slots[index] = value
                return true
            }
            index = (index + 1) & mask
        }
    }

    /// Reads the slot each value's probe starts at and returns their sum: in
    /// a tight loop the cache misses overlap, so the inserts that follow find
    /// their slots in cache.
    func readStartSlots(of values: [UInt64]) -> UInt64 {
        let shift = shift
        return slots.withUnsafeBufferPointer { slots in
            var sum: UInt64 = 0
            for value in values { sum &+= slots[Self.slot(value, shift: shift)] }
            return sum
        }
    }

    /// Grows now, if needed, to hold `count` values without growing again.
    mutating func reserveCapacity(_ count: Int) {
        grow(toHold: count)
    }

    func contains(_ value: UInt64) -> Bool {
        if value == 0 { return containsZero }
        let mask = slots.count - 1
        var index = Self.slot(value, shift: shift)
        while true {
            let slot = slots[index]
            if slot == value { return true }
            if slot == 0 { return false }
            index = (index + 1) & mask
        }
    }

    /// Every value, in no particular order.
    var values: [UInt64] { slots.filter { $0 != 0 } + (containsZero ? [0] : []) }

    /// Adds the other set's values; returns how many were already here (the
    /// sets' intersection). The smaller set is poured into the larger, with
    /// room made first: its values come in slot order, and poured in that order
    /// into a table that grows on the way, each would probe past the run the
    /// earlier ones made.
    @discardableResult
    mutating func formUnion(_ other: HashedKeySet) -> Int {
        var other = other
        if other.count > count { swap(&self, &other) }
        guard other.count > 0 else { return 0 }
        grow(toHold: count + other.count)
        var shared = 0
        // Straight from the other's slots (`values` would copy them first), in
        // one access to ours: the room is made, so no insert checks for it.
        let shift = shift
        slots.withUnsafeMutableBufferPointer { slots in
            other.slots.withUnsafeBufferPointer { theirs in
                for value in theirs where value != 0 && !Self.insert(value, into: slots, shift: shift) { shared += 1 }
            }
        }
        count += other.count - (other.containsZero ? 1 : 0) - shared
        if other.containsZero && !insert(0) { shared += 1 }
        return shared
    }

    private mutating func grow(toHold wanted: Int? = nil) {
        let capacity = wanted.map { Self.capacity(holding: $0, atLeast: slots.count) } ?? slots.count * 2
        if capacity == slots.count { return }
        let old = slots
        slots = Array(repeating: 0, count: capacity)
        let shift = UInt64(64 - capacity.trailingZeroBitCount)
        self.shift = shift
        // Every value is new to the larger table, in one access to it: no
        // insert checks for room or counts.
        slots.withUnsafeMutableBufferPointer { slots in
            old.withUnsafeBufferPointer { old in
                for value in old where value != 0 { _ = Self.insert(value, into: slots, shift: shift) }
            }
        }
    }
}

/// Counts by a 64-bit hash, laid out as `HashedKeySet` (the same placement and
/// probing): the heavy-hitter sketches add to a count for every row and key,
/// three times, where a `Dictionary<UInt64, Int>` hashed the key again each time.
struct HashedCounts: Sendable {
    /// A key beside its count: a probe reads one cache line, not one in each of two arrays.
    private struct Slot: Sendable {
        var key: UInt64
        var count: Int
    }

    /// Key 0 marks an empty slot.
    private var slots: [Slot]
    /// The count of the key 0.
    private var zeroCount: Int?
    private var shift: UInt64
    private(set) var count = 0

    init(minimumCapacity: Int = 0) {
        let capacity = HashedKeySet.capacity(holding: minimumCapacity)
        slots = Array(repeating: Slot(key: 0, count: 0), count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }

    /// Adds `weight` to `key`'s count; whether the key was new.
    @discardableResult
    mutating func add(_ key: UInt64, _ weight: Int) -> Bool {
        if key == 0 {
            let new = zeroCount == nil
            zeroCount = (zeroCount ?? 0) + weight
            if new { count += 1 }
            return new
        }
        if (count + 1) * 4 > slots.count * 3 { rehash(capacity: slots.count * 2) }
        let shift = shift
        let new = slots.withUnsafeMutableBufferPointer { slots in
            let mask = slots.count - 1
            var index = HashedKeySet.slot(key, shift: shift)
            while true {
                if slots[index].key == key {
                    slots[index].count += weight
                    return false
                }
                if slots[index].key == 0 {
                    slots[index] = Slot(key: key, count: weight)
                    return true
                }
                index = (index + 1) & mask
            }
        }
        if new { count += 1 }
        return new
    }

    /// The key's count; nil when it has none.
    func count(of key: UInt64) -> Int? {
        if key == 0 { return zeroCount }
        let mask = slots.count - 1
        var index = HashedKeySet.slot(key, shift: shift)
        while true {
            if slots[index].key == key { return slots[index].count }
            if slots[index].key == 0 { return nil }
            index = (index + 1) & mask
        }
    }

    /// Every key with its count, in no particular order.
    var entries: [(key: UInt64, count: Int)] {
        var result = slots.filter { $0.key != 0 }.map { (key: $0.key, count: $0.count) }
        if let zeroCount { result.append((0, zeroCount)) }
        return result
    }

    /// The counts of the keys `keep` accepts, changed by `change` (a rebuild: the
    /// sketch drops most keys at once, never one by one).
    func rebuilt(keeping keep: (UInt64, Int) -> Bool, change: (Int) -> Int) -> HashedCounts {
        let kept = entries.filter { keep($0.key, $0.count) }
        var result = HashedCounts(minimumCapacity: kept.count)
        for entry in kept { result.add(entry.key, change(entry.count)) }
        return result
    }

    private mutating func rehash(capacity: Int) {
        let old = entries.filter { $0.key != 0 }
        slots = Array(repeating: Slot(key: 0, count: 0), count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        count = zeroCount == nil ? 0 : 1
        for entry in old { add(entry.key, entry.count) }
    }
}
