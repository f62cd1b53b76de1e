import Testing

@testable import PlanCore

struct HeavyHittersTests {
    @Test func countsAreExactWhileTheKeysFitTwiceTheCapacity() {
        var sketch = HeavyHitters(capacity: 10)
        for key in 0..<20 {
            for _ in 0...key { sketch.add("k\(key)") }
        }
        #expect(sketch.isExact)
        #expect(sketch.top(3).map(\.key) == ["k19", "k18", "k17"])
        #expect(sketch.top(3).map(\.estimate) == [20, 19, 18])
        #expect(sketch.totalWeight == (1...20).reduce(0, +))
    }

    /// A skewed stream (weight 1/rank over 5,000 keys, heavy keys spread
    /// through it): every estimate lies within the stated bound below the
    /// truth, the bound is at most W/(k+1), and the heaviest keys are found in order.
    @Test func estimatesOfASkewedStreamStayWithinTheBound() {
        let keys = 5_000
        var truth: [String: Int] = [:]
        var sketch = HeavyHitters(capacity: 50)
        for _ in 0..<20 {
            for rank in 1...keys {
                let key = "key\(rank)"
                let weight = max(1, 2_000 / rank)
                truth[key, default: 0] += weight
                sketch.add(key, weight: weight)
            }
        }
        let total = truth.values.reduce(0, +)
        #expect(sketch.totalWeight == total)
        #expect(!sketch.isExact, "the stream has far more keys than counters")
        #expect(sketch.maxUndercount <= total / 51)
        for entry in sketch.top(20) {
            let real = truth[entry.key]!
            #expect(entry.estimate <= real && real <= entry.estimate + sketch.maxUndercount, "\(entry.key)")
        }
        let realTop = truth.sorted { $0.value > $1.value }.prefix(3).map(\.key)
        #expect(sketch.top(3).map(\.key) == realTop)
    }
}

struct DistinctCounterTests {
    @Test func countsExactlyUpToTheLimit() {
        var counter = DistinctCounter(exactLimit: 1_000)
        for value in 0..<900 {
            counter.add(hash: StableHash.of("BAN#\(value)"))
            counter.add(hash: StableHash.of("BAN#\(value)"))
        }
        #expect(counter.isExact && counter.count == 900 && counter.relativeStandardError == 0)
    }

    /// Past the limit HyperLogLog (p = 14, σ = 0.81%) estimates; 4σ bounds a
    /// fixed input's error with room (the hash is deterministic, so this is not flaky).
    @Test func estimatesWithinFourStandardErrorsPastTheLimit() {
        for n in [5_000, 60_000, 250_000] {
            var counter = DistinctCounter(exactLimit: 1_000)
            for value in 0..<n { counter.add(hash: StableHash.of("SUB#\(value)")) }
            #expect(!counter.isExact)
            let error = abs(Double(counter.count - n)) / Double(n)
            #expect(error <= 4 * counter.relativeStandardError, "n \(n): estimate \(counter.count)")
        }
    }

    /// The sketch is made when the exact set passes its limit, from its
    /// hashes: the same registers as a sketch fed every value, also when
    /// counters are merged (both past the limit, one of them, or only their union).
    @Test func pastTheLimitTheCountIsTheSketchOfEveryValue() {
        var sketch = HyperLogLog()
        var counter = DistinctCounter(exactLimit: 1_000)
        var evens = DistinctCounter(exactLimit: 1_000), odds = DistinctCounter(exactLimit: 1_000)
        var wideEvens = DistinctCounter(exactLimit: 3_000), wideOdds = DistinctCounter(exactLimit: 3_000)
        var few = DistinctCounter(exactLimit: 1_000)
        for value in 0..<5_000 {
            let hash = StableHash.of("SUB#\(value)")
            sketch.add(hash: hash)
            counter.add(hash: hash)
            if value % 2 == 0 { evens.add(hash: hash); wideEvens.add(hash: hash) } else { odds.add(hash: hash); wideOdds.add(hash: hash) }
            if value < 10 { few.add(hash: hash) }
        }
        let expected = Int(sketch.estimate.rounded())
        #expect(!counter.isExact && counter.count == expected)
        evens.merge(odds)
        #expect(!evens.isExact && evens.count == expected)
        #expect(wideEvens.isExact && wideEvens.count == 2_500)
        wideEvens.merge(wideOdds)
        #expect(!wideEvens.isExact && wideEvens.count == expected)
        few.merge(counter)
        #expect(!few.isExact && few.count == expected)
    }

    /// A sampled plan keeps the keys whose hash is small; their distinct count,
    /// past the limit, is as good as any (the sketch does not index registers by
    /// the same top bits the sample chose by).
    @Test func aSampledKeysDistinctCountIsEstimatedAsWellAsAnyPastTheLimit() {
        let sample = PartitionSample(fraction: 0.1)
        var counter = DistinctCounter(exactLimit: 1_000)
        var kept = 0
        for value in 0..<300_000 where sample.includes(partitionKey: "BAN#\(value)") {
            counter.add(hash: StableHash.of("BAN#\(value)"))
            kept += 1
        }
        #expect(!counter.isExact && kept > 25_000)
        let error = abs(Double(counter.count - kept)) / Double(kept)
        #expect(error <= 4 * counter.relativeStandardError, "kept \(kept): estimate \(counter.count)")
    }

    @Test func theSampleKeepsAboutItsFractionAndIsStable() {
        let sample = PartitionSample(fraction: 0.25)
        let kept = (0..<20_000).filter { sample.includes(partitionKey: "BAN#\($0)") }.count
        // Binomial(20000, 0.25): σ ≈ 61; 5σ.
        #expect(abs(kept - 5_000) < 310)
        #expect((0..<100).allSatisfy { sample.includes(partitionKey: "BAN#\($0)") == sample.includes(partitionKey: "BAN#\($0)") })
        #expect(PartitionSample(fraction: 1).includes(partitionKey: "anything"))
    }
}

struct SizeDistributionTests {
    @Test func quantilesAreNearestRankAndExact() {
        var sizes = SizeDistribution(exactUpTo: 409_600)
        for size in (1...100).reversed() { sizes.add(size * 10) }
        #expect(sizes.quantile(0.5) == 500)
        #expect(sizes.quantile(0.99) == 990)
        #expect(sizes.quantile(1) == 1_000)
        #expect(sizes.max == 1_000 && sizes.count == 100 && sizes.totalBytes == 50_500)
    }

    @Test func oversizedSizesKeepTheirMaximumAndBucketByKiB() {
        var sizes = SizeDistribution(exactUpTo: 409_600)
        sizes.add(100)
        sizes.add(500_001)
        #expect(sizes.max == 500_001)
        #expect(sizes.quantile(1) == 500_001)
        #expect(sizes.quantile(0.5) == 100)
    }
}

struct EntityWriteLimitsTests {
    @Test func parsesEntityRatesAndRejectsOthersWithAnExample() throws {
        let limits = try EntityWriteLimits.parse(["CHARGE=3200", "BILL=50.5"])
        #expect(limits.unitsPerSecond == ["CHARGE": 3200, "BILL": 50.5])
        #expect(limits.merging(EntityWriteLimits(["CHARGE": 1000])).unitsPerSecond["CHARGE"] == 1000)
        for bad in ["CHARGE", "=5", "CHARGE=0", "CHARGE=-1", "CHARGE=x"] {
            #expect(throws: EntityWriteLimitError.self) { try EntityWriteLimits.parse([bad]) }
        }
        #expect("\(EntityWriteLimitError(text: "X"))".contains("CHARGE=3200"))
    }

    @Test func aFileSampleTakesTheFractionOfEachTablesBytesAndAtLeastOneFile() {
        struct File { var table: String; var key: String; var bytes: Int64 }
        let files = (0..<40).map { File(table: "CHARGE", key: "dms/CHARGE/LOAD\($0).csv", bytes: 1_000) }
            + [File(table: "BILL", key: "dms/BILL/LOAD1.csv", bytes: 500)]
        let chosen = FileSample.choose(files, fraction: 0.25, table: \.table, key: \.key, bytes: \.bytes)
        #expect(chosen.filter { $0.table == "CHARGE" }.count == 10)
        #expect(chosen.filter { $0.table == "BILL" }.count == 1, "a table's only file is always read")
        let again = FileSample.choose(files, fraction: 0.25, table: \.table, key: \.key, bytes: \.bytes)
        #expect(again.map(\.key) == chosen.map(\.key), "the same files every run")
        #expect(FileSample.choose(files, fraction: 1, table: \.table, key: \.key, bytes: \.bytes).count == files.count)
    }
}
