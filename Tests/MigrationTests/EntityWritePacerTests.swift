import BillingModel
import DynamoDBModel
@testable import Migration
import MigrationCore
import Synchronization
import Testing

/// The per-entity pacing `load --plan` and `--entity-max-wcu` ask of the batch applier.
@Suite struct EntityWritePacerTests {
    /// Sleeps no time: records how long each wait would have been.
    final class RecordingClock: Clock, Sendable {
        let waits = Mutex<[Duration]>([])
        var now: ContinuousClock.Instant { ContinuousClock.now }
        var minimumResolution: Duration { .nanoseconds(1) }
        func sleep(until deadline: ContinuousClock.Instant, tolerance: Duration?) async throws {
            waits.withLock { $0.append(deadline - ContinuousClock.now) }
        }
    }

    static func puts(_ entity: String, count: Int, bytes: Int) -> [PendingPut] {
        (0..<count).map { index in
            let key = ItemKey(pk: "BAN#\(index)", sk: "X")
            let item: Item = [
                "PK": .s(key.pk), "SK": .s(key.sk), "EntityType": .s(entity), "pad": .s(String(repeating: "x", count: bytes)),
            ]
            return PendingPut(item: item, key: key, entity: entity, origin: RowOrigin(source: "t", line: index + 1), row: [])
        }
    }

    @Test func batchesOfALimitedEntityWaitForTheirUnitsAndOthersDoNot() throws {
        let start = ContinuousClock.now
        let now = Mutex(start)
        let made = EntityWritePacer(unitsPerSecond: ["CHARGE": 100], clock: ContinuousClock(), now: { now.withLock { $0 } })
        let pacer = try #require(made)
        // One second of burst (100 units): four batches of 25 one-unit items pass at once.
        for _ in 0..<4 { #expect(pacer.delay(for: Self.puts("CHARGE", count: 25, bytes: 10)) == .zero) }
        #expect(pacer.delay(for: Self.puts("CHARGE", count: 25, bytes: 10)) == .milliseconds(250))
        // Two-unit items cost twice.
        #expect(pacer.delay(for: Self.puts("CHARGE", count: 25, bytes: 1_500)) == .milliseconds(750))
        #expect(pacer.delay(for: Self.puts("BILL", count: 25, bytes: 10)) == .zero)
        now.withLock { $0 = start + .seconds(10) }
        #expect(pacer.delay(for: Self.puts("CHARGE", count: 25, bytes: 10)) == .zero)
    }

    @Test func aBatchOfTwoEntitiesWaitsForTheSlowerOne() throws {
        let start = ContinuousClock.now
        let made = EntityWritePacer(unitsPerSecond: ["CHARGE": 10, "BILL": 20], clock: ContinuousClock(), now: { start })
        let pacer = try #require(made)
        // 30 units of each: CHARGE is 20 over its burst (2 s), BILL 10 over (0.5 s).
        let batch = Self.puts("CHARGE", count: 30, bytes: 10) + Self.puts("BILL", count: 30, bytes: 10)
        #expect(pacer.delay(for: batch) == .seconds(2))
    }

    @Test func noPositiveCeilingMakesNoPacer() {
        #expect(EntityWritePacer(unitsPerSecond: [:]) == nil)
        #expect(EntityWritePacer(unitsPerSecond: ["CHARGE": 0]) == nil)
    }

    /// The applier waits for the pacer before each call, and the puts go out encoded, as mapped.
    @Test func theApplierWaitsForThePacerBeforeEveryCall() async throws {
        let clock = RecordingClock()
        let made = EntityWritePacer(unitsPerSecond: ["CHARGE": 25], clock: clock, now: { ContinuousClock.now })
        let pacer = try #require(made)
        let target = ScriptedWriteTarget()
        let applier = BatchApplier(target: target, throttle: WriteThrottle(configuration: .init()), pacer: pacer)
        for _ in 0..<3 {
            let outcome = try await applier.apply(Self.puts("CHARGE", count: 25, bytes: 10))
            #expect(outcome.written == 25)
        }
        #expect(target.calls == 3)
        // The first batch is the burst; each later one waits a second more for its 25
        // units (the clock records the waits without sleeping them).
        let waits = clock.waits.withLock { $0 }
        #expect(waits.count == 2)
        #expect(waits.count == 2 && waits[0] > .milliseconds(900) && waits[0] <= .seconds(1), "\(waits)")
        #expect(waits.count == 2 && waits[1] > .milliseconds(1_900) && waits[1] <= .seconds(2), "\(waits)")
    }
}
