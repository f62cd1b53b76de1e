import BillingModel
import BillingService
import Testing

@Suite struct CircuitBreakerTests {
    let start = ContinuousClock.now
    let configuration = CircuitBreaker.Configuration(failureThreshold: 3, openDuration: .seconds(5), halfOpenProbes: 1)

    @Test func opensAfterConsecutiveFailuresOnly() {
        var breaker = CircuitBreaker(configuration: configuration)
        for _ in 0..<2 {
            #expect(breaker.admit(now: start) == .allowed)
            breaker.record(success: false, now: start)
        }
        breaker.record(success: true, now: start)  // a success resets the count
        #expect(breaker.state == .closed(consecutiveFailures: 0))
        for _ in 0..<3 { breaker.record(success: false, now: start) }
        #expect(breaker.state == .open(until: start + .seconds(5)))
        #expect(breaker.admit(now: start + .seconds(1)) == .refused(retryAfter: .seconds(4)))
        #expect(breaker.isRefusing(now: start + .seconds(1)))
    }

    @Test func halfOpenLetsOneProbeThroughThenClosesOrReopens() {
        var breaker = CircuitBreaker(configuration: configuration)
        for _ in 0..<3 { breaker.record(success: false, now: start) }
        let later = start + .seconds(6)
        #expect(!breaker.isRefusing(now: later))
        #expect(breaker.admit(now: later) == .allowed)
        #expect(breaker.state == .halfOpen(probesInFlight: 1))
        #expect(breaker.admit(now: later) == .refused(retryAfter: .seconds(1)))
        breaker.record(success: false, now: later)
        #expect(breaker.state == .open(until: later + .seconds(5)))

        let again = later + .seconds(6)
        #expect(breaker.admit(now: again) == .allowed)
        breaker.record(success: true, now: again)
        #expect(breaker.state == .closed(consecutiveFailures: 0))
    }
}

@Suite struct ReadCacheTests {
    let now = ContinuousClock.now

    /// An encoded answer, as the service keeps them.
    func body(_ text: String) -> [UInt8] { Array(text.utf8) }

    func key(_ ban: UInt64, store: StoreName = .mysql) -> ReadCacheKey {
        ReadCacheKey(query: .account(ban: ban), after: nil, limit: 10, store: store)
    }

    func put(_ cache: inout ReadCache<[UInt8]>, _ key: ReadCacheKey, _ value: [UInt8]) {
        cache.put(key, value, bytes: value.count, now: now)
    }

    @Test func hitsUntilTheTTLThenMisses() {
        var cache = ReadCache<[UInt8]>(configuration: .init(maxEntries: 10, maxBytes: 1 << 20, ttl: .seconds(2)))
        put(&cache, key(1), body("A"))
        #expect(cache.get(key(1), now: now + .seconds(1)) == body("A"))
        #expect(cache.get(key(1, store: .dynamodb), now: now) == nil)
        #expect(cache.get(key(1), now: now + .seconds(3)) == nil)
        #expect(cache.hits == 1 && cache.misses == 2)
    }

    @Test func boundedInEntriesOldestFirst() {
        var cache = ReadCache<[UInt8]>(configuration: .init(maxEntries: 2, maxBytes: 1 << 20, ttl: .seconds(60)))
        for ban in 1...3 { put(&cache, key(UInt64(ban)), body("A")) }
        #expect(cache.count == 2)
        #expect(cache.get(key(1), now: now) == nil)
        #expect(cache.get(key(3), now: now) != nil)
    }

    /// Bytes count the stored body and a fixed overhead per entry.
    @Test func boundedInBytes() {
        let big = body(String(repeating: "x", count: 1000))
        let perEntry = 1000 + ReadCache<[UInt8]>.entryOverheadBytes
        var cache = ReadCache<[UInt8]>(configuration: .init(maxEntries: 100, maxBytes: 2 * perEntry + 10, ttl: .seconds(60)))
        for ban in 1...5 { put(&cache, key(UInt64(ban)), big) }
        #expect(cache.bytes == 2 * perEntry)
        #expect(cache.count == 2)
        #expect(cache.get(key(5), now: now) == big)
        // A body larger than the whole budget is not kept (and evicts nothing).
        put(&cache, key(6), body(String(repeating: "y", count: 3 * perEntry)))
        #expect(cache.get(key(6), now: now) == nil)
        #expect(cache.count == 2)
    }

    @Test func ownWritesInvalidateTheAnswersOfTheirPartitions() {
        var cache = ReadCache<[UInt8]>(configuration: .init())
        put(&cache, key(1), body("A"))
        put(&cache, key(2), body("A"))
        let subscriber = ReadCacheKey(query: .subscriber(subscriberNo: "9"), after: nil, limit: 10, store: .mysql)
        put(&cache, subscriber, body("S"))
        cache.invalidate(partitionKeys: ["BAN#1", "SUB#9"])
        #expect(cache.get(key(1), now: now) == nil)
        #expect(cache.get(subscriber, now: now) == nil)
        #expect(cache.get(key(2), now: now) == body("A"))
        #expect(cache.bytes == 1 + ReadCache<[UInt8]>.entryOverheadBytes)
    }

    /// An answer read before a write that invalidated meanwhile is not kept
    /// (it may predate the write); one read after it is.
    @Test func anAnswerReadAcrossAnInvalidationIsNotKept() {
        var cache = ReadCache<[UInt8]>(configuration: .init())
        let readStarted = cache.generation
        cache.invalidate(partitionKeys: ["BAN#1"])
        cache.put(key(1), body("before the write"), bytes: 16, now: now, readAt: readStarted)
        #expect(cache.get(key(1), now: now) == nil)
        cache.put(key(1), body("after"), bytes: 5, now: now, readAt: cache.generation)
        #expect(cache.get(key(1), now: now) == body("after"))
        // An empty invalidation is no write: it does not move the generation.
        let generation = cache.generation
        cache.invalidate(partitionKeys: [])
        #expect(cache.generation == generation)
    }

    /// A replaced entry is counted once, and the old sequence in the eviction order is skipped.
    @Test func replacingAnEntryKeepsTheByteCountExact() {
        var cache = ReadCache<[UInt8]>(configuration: .init(maxEntries: 2, maxBytes: 1 << 20, ttl: .seconds(60)))
        put(&cache, key(1), body("old"))
        put(&cache, key(2), body("B"))
        put(&cache, key(1), body("newer"))
        #expect(cache.bytes == 6 + 2 * ReadCache<[UInt8]>.entryOverheadBytes)
        put(&cache, key(3), body("C"))
        // key 2 is now the oldest live entry, not key 1 (its first sequence is stale).
        #expect(cache.get(key(2), now: now) == nil)
        #expect(cache.get(key(1), now: now) == body("newer"))
    }
}

@Suite struct ReadRoutingTests {
    func decide(_ flags: ServiceFlags, unreplicated: Bool = false, open: Set<StoreName> = [], sampled: Bool = true) -> ReadRouting.Decision {
        ReadRouting.decide(flags: flags, unreplicatedWrite: unreplicated, refusing: { open.contains($0) ? .seconds(3) : nil }, sampled: sampled)
    }

    @Test func readModesPickTheirStore() {
        #expect(decide(ServiceFlags(readMode: .mysql)) == .serve(.mysql, shadowCompare: false, reason: .readMode))
        #expect(decide(ServiceFlags(readMode: .shadow)) == .serve(.mysql, shadowCompare: true, reason: .readMode))
        #expect(decide(ServiceFlags(readMode: .shadow), sampled: false) == .serve(.mysql, shadowCompare: false, reason: .readMode))
        #expect(decide(ServiceFlags(readMode: .dynamodb)) == .serve(.dynamodb, shadowCompare: false, reason: .readMode))
    }

    @Test func anUnreplicatedWriteRoutesToThePrimary() {
        #expect(decide(ServiceFlags(readMode: .dynamodb), unreplicated: true) == .serve(.mysql, shadowCompare: false, reason: .readYourWrites))
        #expect(
            decide(ServiceFlags(readMode: .mysql, writePrimary: .dynamodb), unreplicated: true)
                == .serve(.dynamodb, shadowCompare: false, reason: .readYourWrites))
        #expect(decide(ServiceFlags(readMode: .dynamodb, writePrimary: .dynamodb), unreplicated: true) == .serve(.dynamodb, shadowCompare: false, reason: .readMode))
    }

    @Test func anOpenDynamoDBBreakerFallsBackOnlyWhileMySQLIsPrimary() {
        #expect(decide(ServiceFlags(readMode: .dynamodb), open: [.dynamodb]) == .serve(.mysql, shadowCompare: false, reason: .fallback))
        #expect(decide(ServiceFlags(readMode: .shadow), open: [.dynamodb]) == .serve(.mysql, shadowCompare: false, reason: .readMode))
        #expect(
            decide(ServiceFlags(readMode: .dynamodb, writePrimary: .dynamodb), open: [.dynamodb])
                == .unavailable(retryAfter: .seconds(3), reason: "the dynamodb store's circuit breaker is open"))
        #expect(
            decide(ServiceFlags(readMode: .mysql), open: [.mysql])
                == .unavailable(retryAfter: .seconds(3), reason: "the mysql store's circuit breaker is open"))
    }

    @Test func recentWritesWaitForReplicationToPassThem() {
        var writes = RecentWrites()
        let position = ReplicationPosition(orderingKey: SourcePosition.binlog(fileSequence: 1, position: 500, rowIndex: 0).orderingKey)
        writes.record(partitionKeys: ["BAN#1", "SUB#7"], at: position)
        #expect(writes.isUnreplicated(["SUB#7"], replicated: nil))
        #expect(!writes.isUnreplicated(["BAN#2"], replicated: nil))
        let before = ReplicationPosition(orderingKey: SourcePosition.binlog(fileSequence: 1, position: 499, rowIndex: 0).orderingKey)
        #expect(writes.isUnreplicated(["BAN#1"], replicated: before))
        #expect(!writes.isUnreplicated(["BAN#1"], replicated: position))
        writes.prune(replicated: position)
        #expect(writes.count == 0)
    }

    @Test func pastItsCapacityRecentWritesHoldEveryReadBackUntilReplicationPasses() {
        var writes = RecentWrites(capacity: 2)
        let position = { (offset: UInt64) in
            ReplicationPosition(orderingKey: SourcePosition.binlog(fileSequence: 1, position: offset, rowIndex: 0).orderingKey)
        }
        writes.record(partitionKeys: ["BAN#1", "BAN#2"], at: position(10))
        #expect(!writes.isUnreplicated(["BAN#3"], replicated: nil))
        writes.record(partitionKeys: ["BAN#3"], at: position(20))
        #expect(writes.count == 0)
        #expect(writes.isUnreplicated(["BAN#9"], replicated: position(15)))
        #expect(!writes.isUnreplicated(["BAN#9"], replicated: position(20)))
        writes.prune(replicated: position(20))
        #expect(!writes.isUnreplicated(["BAN#9"], replicated: nil))
    }

    @Test func readinessNeedsTheStoresOfTheFlags() {
        #expect(ServiceFlags(readMode: .mysql).requiredStores == [.mysql])
        #expect(ServiceFlags(readMode: .dynamodb).requiredStores == [.mysql, .dynamodb])
        #expect(ServiceFlags(readMode: .dynamodb, writePrimary: .dynamodb).requiredStores == [.dynamodb])
        #expect(throws: BillingModelError.self) { try ServiceFlags(shadowSample: 2).validated() }
    }
}

@Suite struct WritePlanningTests {
    let context = WriteContext(now: BillingTimestamp(epochMilliseconds: 1_700_000_000_000), version: ApplicationVersion(epoch: 0, clock: 1))

    func subscriber(ban: UInt64 = 1, number: String = "5550001") -> Subscriber {
        Subscriber(
            subscriberNo: number, ban: ban, subStatus: "A", subStatusDate: BillingDate("2024-01-01")!, productType: "C",
            pricePlan: "PLAN1", createdAt: .init(epochMilliseconds: 0), updatedAt: .init(epochMilliseconds: 0))
    }

    @Test func addingAnExistingSubscriberConflictsAndAMissingAccountIsNotFound() throws {
        let write = BillingWrite.addSubscriber(subscriber())
        #expect(write.reads.count == 2)
        #expect(throws: StoreError(.notFound, "account 1 does not exist")) { try write.mutations(found: [[], []], context: context) }
        let existing = subscriber().row
        #expect(throws: StoreError(.conflict, "subscriber 5550001 exists already")) {
            try write.mutations(found: [[[.text("1")]], [existing]], context: context)
        }
        let changes = try write.mutations(found: [[[.text("1")]], []], context: context)
        guard case .insert("SUBSCRIBER", let row) = changes.first else { Issue.record("expected an insert"); return }
        #expect(try Subscriber(row: row).createdAt == context.now)
    }

    @Test func movingASubscriberMovesItsServiceAgreements() throws {
        let agreement = ServiceAgreement(
            ban: 1, subscriberNo: "5550001", soc: "VOICE", serviceType: "P", effectiveDate: BillingDate("2024-01-01")!,
            monthlyRate: BillingDecimal("10.00")!, createdAt: .init(epochMilliseconds: 0), updatedAt: .init(epochMilliseconds: 0))
        let write = BillingWrite.moveSubscriber(ban: 1, subscriberNo: "5550001", toBAN: 2)
        let changes = try write.mutations(found: [[subscriber().row], [[.text("2")]], [agreement.row]], context: context)
        #expect(changes.count == 2)
        guard case .update("SERVICE_AGREEMENT", _, let after) = changes[1] else { Issue.record("expected an update"); return }
        #expect(try ServiceAgreement(row: after).ban == 2)
    }

    @Test func anAdjustmentThatDoesNotFitIsInvalid() throws {
        let charge = Charge(
            ban: 1, chargeSeq: 9, activityNum: "A1", featureCode: "VOICE", chargeCreationDate: BillingDate("2024-01-01")!,
            amount: BillingDecimal("1.0000")!, taxAmount: BillingDecimal("0")!, createdAt: .init(epochMilliseconds: 0),
            updatedAt: .init(epochMilliseconds: 0))
        let write = BillingWrite.adjustCharge(
            ban: 1, chargeSeq: 9, activityNum: "A1", amount: BillingDecimal("1.00001")!, taxAmount: BillingDecimal("0")!, description: nil)
        #expect(throws: StoreError.self) { try write.mutations(found: [[charge.row]], context: context) }
    }
}
