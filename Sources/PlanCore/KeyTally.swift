import Foundation

/// The weights rows gave each value of one key since that key's sketches were
/// last fed, summed per value, so the sketches take one update per value
/// instead of one per row: rows come in their table's key order (a charge's
/// partition key repeats about 300 times in a row, its subscriber and feature
/// code a few values at a time). Summed weights change no figure while no
/// heavy-hitter sketch shrinks: until then every count is an exact sum, the
/// same in any order, as are a distinct counter's set and registers.
/// `PlanAccumulator` feeds the sketches before a new value could make one shrink.
///
/// A row whose value is the previous row's is found by comparing bytes,
/// without hashing them.
struct KeyTally: Sendable {
    /// Values tallied at most before the sketches are fed: a scan of their hashes stays short.
    static let capacity = 32

    struct Entry: Sendable {
        let hash: UInt64
        var items = 0
        var bytes = 0
        var writeUnits = 0
        /// Where the value's bytes are in `text`.
        let text: Range<Int>
    }

    /// The entity whose rows are tallied (-1: none yet); another's rows feed the sketches first.
    var entity = -1
    private(set) var entries: [Entry] = []
    /// The values' bytes, back to back.
    private var text: [UInt8] = []
    /// The entry of the previous row's value; -1 when none.
    private var last = -1

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    var isFull: Bool { entries.count >= Self.capacity }

    /// The entry holding `value`, if tallied, and the value's `StableHash`.
    mutating func find(_ value: UnsafeBufferPointer<UInt8>) -> (entry: Int?, hash: UInt64) {
        if last >= 0, isLastValue(value) { return (last, entries[last].hash) }
        let hash = StableHash.of(value)
        for index in entries.indices where entries[index].hash == hash {
            last = index
            return (index, hash)
        }
        return (nil, hash)
    }

    private func isLastValue(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        let range = entries[last].text
        guard range.count == value.count else { return false }
        guard let bytes = value.baseAddress else { return true }
        return text.withUnsafeBufferPointer { memcmp($0.baseAddress! + range.lowerBound, bytes, range.count) == 0 }
    }

    /// Starts tallying `value` (not `find`able yet); returns its entry.
    mutating func append(_ value: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int {
        let start = text.count
        text.append(contentsOf: value)
        entries.append(Entry(hash: hash, text: start..<text.count))
        last = entries.count - 1
        return last
    }

    mutating func add(items: Int = 1, bytes: Int, writeUnits: Int, to entry: Int) {
        entries[entry].items += items
        entries[entry].bytes += bytes
        entries[entry].writeUnits += writeUnits
    }

    /// The entry's value as text.
    func value(_ entry: Entry) -> String {
        String(decoding: text[entry.text], as: UTF8.self)
    }

    /// Empties the tally once the sketches have its weights.
    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
        last = -1
    }
}
