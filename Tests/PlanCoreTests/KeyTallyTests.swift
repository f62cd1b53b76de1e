@testable import PlanCore
import Testing

@Suite struct KeyTallyTests {
    /// Values of one length that share their prefix, and values that share a word hash
    /// slot only by length: each must be found as itself, with its own `StableHash`.
    @Test func aValueIsFoundByItsBytesWithTheHashItWasTalliedWith() {
        var tally = KeyTally()
        var reference: [String: (entry: Int, items: Int)] = [:]
        let values = (0..<KeyTally.capacity).map { "SUB#\(String(repeating: "0", count: $0 % 3))\($0 * 7_919 % 1_000)" }
        var generator = SystemRandomNumberGenerator()
        for step in 0..<5_000 {
            // Runs of one value, and values recurring among the others.
            let value = values[step % 4 == 0 ? Int.random(in: 0..<values.count, using: &generator) : (step / 4) % values.count]
            var bytes = Array(value.utf8)
            let found = bytes.withUnsafeBufferPointer { tally.find($0) }
            #expect(found.wordHash == StableHash.ofWords(value))
            let entry: Int
            if let known = reference[value] {
                #expect(found.entry == known.entry)
                entry = known.entry
            } else {
                #expect(found.entry == nil)
                entry = bytes.withUnsafeMutableBufferPointer {
                    tally.append(UnsafeBufferPointer($0), hash: StableHash.of(value), wordHash: found.wordHash)
                }
                reference[value] = (entry, 0)
            }
            tally.add(bytes: 10, writeUnits: 1, to: entry)
            reference[value]!.items += 1
            bytes = []
        }
        #expect(tally.count == reference.count)
        for (value, expected) in reference {
            let entry = tally.entries[expected.entry]
            #expect(tally.value(entry) == value)
            #expect(entry.hash == StableHash.of(value))
            #expect(entry.items == expected.items && entry.bytes == 10 * expected.items && entry.writeUnits == expected.items)
        }
        tally.removeAll()
        let again = Array(values[0].utf8).withUnsafeBufferPointer { tally.find($0) }
        #expect(again.entry == nil && tally.isEmpty)
    }
}
