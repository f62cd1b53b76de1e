@testable import PlanCore
import Testing

@Suite struct HashedKeySetTests {
    @Test func itCountsEachValueOnceThroughGrowthAndKeepsZero() {
        var set = HashedKeySet()
        var reference = Set<UInt64>()
        var generator = SystemRandomNumberGenerator()
        // Mixed hashes, repeats, the zero value and values that share low bits.
        let values = (0..<20_000).map { _ in StableHash.mix(UInt64.random(in: 0..<5_000, using: &generator)) }
            + [0, 0, 1 << 40, 2 << 40, 3 << 40, 1 << 40]
        for value in values {
            #expect(set.insert(value) == reference.insert(value).inserted)
        }
        #expect(set.count == reference.count)
        #expect(Set(set.values) == reference)
        #expect(reference.allSatisfy(set.contains))
        #expect(!set.contains(StableHash.mix(9_999_999)))
    }

    @Test func aUnionCountsTheSharedValuesOnce() {
        var a = HashedKeySet()
        var b = HashedKeySet(minimumCapacity: 100)
        for value in 0..<300 { a.insert(StableHash.mix(UInt64(value))) }
        for value in 200..<500 { b.insert(StableHash.mix(UInt64(value))) }
        #expect(b.values.count { a.contains($0) } == 100)
        var small = HashedKeySet()
        for value in 250..<260 { small.insert(StableHash.mix(UInt64(value))) }
        #expect(a.formUnion(b) == 100)
        #expect(a.count == 500)
        // The smaller set poured into the larger, whichever is the receiver.
        #expect(small.formUnion(a) == 10 && small.count == 500 && Set(small.values) == Set(a.values))
    }

    @Test func aUnionThroughGrowthMatchesASetUnionWithZeroOnEitherSide() {
        var generator = SystemRandomNumberGenerator()
        for (zeroInA, zeroInB) in [(true, true), (true, false), (false, true)] {
            var a = HashedKeySet(), b = HashedKeySet()
            var referenceA = Set<UInt64>(), referenceB = Set<UInt64>()
            for _ in 0..<3_000 {
                let value = StableHash.mix(UInt64.random(in: 1..<4_000, using: &generator))
                a.insert(value)
                referenceA.insert(value)
            }
            for _ in 0..<2_000 {
                let value = StableHash.mix(UInt64.random(in: 2_000..<9_000, using: &generator))
                b.insert(value)
                referenceB.insert(value)
            }
            if zeroInA { a.insert(0); referenceA.insert(0) }
            if zeroInB { b.insert(0); referenceB.insert(0) }
            #expect(a.formUnion(b) == referenceA.intersection(referenceB).count)
            let union = referenceA.union(referenceB)
            #expect(a.count == union.count && Set(a.values) == union)
            // The count stays right for inserts after the union.
            #expect(!a.insert(union.first!) && a.count == union.count)
        }
    }

    @Test func theWordHashSeparatesTextsOfOneLengthAndRepeats() {
        let texts = (0..<20_000).map { "CHARGE#\(String($0).leftPadded(to: 20))#1" } + (0..<64).map { String(repeating: "a", count: $0) }
        #expect(Set(texts.map(StableHash.ofWords)).count == texts.count)
        #expect(texts.allSatisfy { StableHash.ofWords($0) == StableHash.ofWords(String($0.utf8.map { Character(UnicodeScalar($0)) })) })
    }

    @Test func countsAddUpLikeADictionaryAndARebuildKeepsWhatItIsTold() {
        var counts = HashedCounts()
        var reference: [UInt64: Int] = [:]
        for step in 0..<30_000 {
            let key = step % 7 == 0 ? 0 : StableHash.mix(UInt64(step % 4_000))
            let weight = step % 5 + 1
            #expect(counts.add(key, weight) == (reference[key] == nil))
            reference[key, default: 0] += weight
        }
        #expect(counts.count == reference.count)
        #expect(Dictionary(uniqueKeysWithValues: counts.entries.map { ($0.key, $0.count) }) == reference)

        let rebuilt = counts.rebuilt(keeping: { _, count in count > 40 }, change: { $0 - 40 })
        let expected = reference.filter { $0.value > 40 }.mapValues { $0 - 40 }
        #expect(Dictionary(uniqueKeysWithValues: rebuilt.entries.map { ($0.key, $0.count) }) == expected)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
