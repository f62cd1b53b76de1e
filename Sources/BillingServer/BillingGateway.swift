#if canImport(Glibc)
import Glibc
#endif
import BillingModel
import BillingService
import Foundation
import Logging
import Metrics
import NIOCore
import Synchronization

/// Serves reads and writes from the two stores as the shared flags say: read
/// routing with read-your-writes, the read cache, a breaker per store, shadow
/// compares off the request path, and the flags poller.
public final class BillingGateway: Sendable {
    public struct Configuration: Sendable {
        public var defaultPageSize = 100
        public var maxPageSize = 1000
        public var cache = ReadCacheConfiguration()
        public var breaker = CircuitBreaker.Configuration()
        /// How often every instance reads the flags (the bound on seeing a change).
        public var flagsPollInterval: Duration = .milliseconds(500)
        /// Compares waiting at most; a full queue drops new compares.
        public var shadowQueueCapacity = 1000
        /// How long a write waits while writes are paused before answering 503.
        public var writePauseTimeout: Duration = .seconds(30)
        public var cursorSecret: [UInt8] = []

        public init() {}
    }

    /// What the service answers when it cannot serve.
    public struct Failure: Error, Sendable {
        public enum Kind: Sendable { case badRequest, notFound, conflict, unavailable }
        public var kind: Kind
        public var message: String
        public var retryAfter: Duration?
    }

    public struct ReadAnswer: Sendable {
        /// The JSON response body, encoded once per store read and kept in the
        /// cache as it is (a hit returns these bytes): a page is
        /// `{"items": [...], "next_cursor": ...}`; one entity (`.accountEntity`)
        /// is the record itself, nil when the account has no such entity.
        public var body: ByteBuffer?
        public var store: StoreName
        public var cached: Bool
    }

    /// What the read cache keeps: the encoded answer.
    struct EncodedAnswer: Sendable {
        var body: ByteBuffer?
        var bytes: Int { body?.readableBytes ?? 0 }
    }

    struct State {
        var control = ControlState(flags: ServiceFlags(), replicated: nil)
        var flagsLoaded = false
        var recentWrites = RecentWrites()
        var cache: ReadCache<EncodedAnswer>
        var breakers: [StoreName: CircuitBreaker]
        var clock: UInt64 = 0
    }

    struct ShadowJob: Sendable {
        var query: BillingQuery
        var after: PagePosition?
        var limit: Int
        var served: StorePage
    }

    let configuration: Configuration
    let stores: [StoreName: any BillingStore]
    let control: any ControlStore
    let cursors: PageCursorCodec
    let comparator = ShadowComparator()
    let logger: Logger
    let state: Mutex<State>
    let shadowJobs: AsyncStream<ShadowJob>
    let shadowInput: AsyncStream<ShadowJob>.Continuation
    let metrics = GatewayMetrics()

    public init(
        mysql: any BillingStore, dynamodb: any BillingStore, control: any ControlStore, configuration: Configuration,
        logger: Logger
    ) {
        self.configuration = configuration
        self.stores = [.mysql: mysql, .dynamodb: dynamodb]
        self.control = control
        self.cursors = PageCursorCodec(secret: configuration.cursorSecret)
        self.logger = logger
        self.state = Mutex(
            State(
                cache: ReadCache(configuration: configuration.cache),
                breakers: [.mysql: CircuitBreaker(configuration: configuration.breaker), .dynamodb: CircuitBreaker(configuration: configuration.breaker)]))
        (shadowJobs, shadowInput) = AsyncStream.makeStream(of: ShadowJob.self, bufferingPolicy: .bufferingOldest(configuration.shadowQueueCapacity))
    }

    public var flags: ServiceFlags { state.withLock { $0.control.flags } }
    public var controlState: ControlState { state.withLock { $0.control } }

    // MARK: Reads

    public func read(_ query: BillingQuery, cursor: String?, limit: Int?, minimumPosition: ReplicationPosition?) async throws(Failure) -> ReadAnswer {
        let limit = limit ?? configuration.defaultPageSize
        guard (1...configuration.maxPageSize).contains(limit) else {
            throw Failure(kind: .badRequest, message: "limit must be between 1 and \(configuration.maxPageSize)")
        }
        let after: PagePosition?
        do {
            after = try cursor.map { c throws(BillingModelError) in try cursors.decode(c, for: query) }
        } catch {
            throw Failure(kind: .badRequest, message: error.message)
        }
        let now = ContinuousClock.now
        // One lock for the routing decision and, when the answer may come from the cache, the lookup.
        let (decision, cachedAnswer, generation) = state.withLock { state -> (ReadRouting.Decision, EncodedAnswer?, UInt64) in
            let flags = state.control.flags
            let replicated = state.control.replicated
            let unreplicated =
                state.recentWrites.isUnreplicated(query.partitionKeys, replicated: replicated)
                || minimumPosition.map { needed in replicated.map { $0 < needed } ?? true } ?? false
            // Drawn only when a compare could follow (the draw is a getrandom call).
            let sampled = flags.readMode == .shadow && Double.random(in: 0..<1) < flags.shadowSample
            let decision = ReadRouting.decide(
                flags: flags, unreplicatedWrite: unreplicated,
                refusing: { store in
                    guard let breaker = state.breakers[store], breaker.isRefusing(now: now) else { return nil }
                    if case .open(let until) = breaker.state { return max(until - now, .seconds(1)) }
                    return .seconds(1)
                }, sampled: sampled)
            // A client's own position token bypasses the cache (another instance wrote).
            let generation = state.cache.generation
            guard case .serve(let store, _, _) = decision, minimumPosition == nil else { return (decision, nil, generation) }
            return (decision, state.cache.get(ReadCacheKey(query: query, after: after, limit: limit, store: store), now: now), generation)
        }
        switch decision {
        case .unavailable(let retryAfter, let reason):
            throw Failure(kind: .unavailable, message: reason, retryAfter: retryAfter)
        case .serve(let storeName, let compare, let reason):
            metrics.routed(pattern: query.patternName, store: storeName, reason: reason)
            if let cachedAnswer {
                metrics.cache(hit: true)
                return ReadAnswer(body: cachedAnswer.body, store: storeName, cached: true)
            }
            metrics.cache(hit: false)
            let page = try await call(storeName, pattern: query.patternName) { store throws(StoreError) in
                try await store.page(query, after: after, limit: limit)
            }
            let encoded = encode(page, query: query)
            let key = ReadCacheKey(query: query, after: after, limit: limit, store: storeName)
            state.withLock { $0.cache.put(key, encoded, bytes: encoded.bytes, now: ContinuousClock.now, readAt: generation) }
            if compare {
                if case .dropped = shadowInput.yield(ShadowJob(query: query, after: after, limit: limit, served: page)) {
                    metrics.shadowDropped(pattern: query.patternName)
                }
            }
            return ReadAnswer(body: encoded.body, store: storeName, cached: false)
        }
    }

    /// The response body of a page (see `ReadAnswer.body`).
    private func encode(_ page: StorePage, query: BillingQuery) -> EncodedAnswer {
        if case .accountEntity = query {
            guard let record = page.records.first?.record else { return EncodedAnswer(body: nil) }
            var json = FlatJSON()
            json.write(record)
            return EncodedAnswer(body: json.buffer)
        }
        let body = PageBody(items: page.records.map(\.record), nextCursor: page.next.map { cursors.encode($0, for: query) })
        return EncodedAnswer(body: body.json())
    }

    /// JSON as every response of the service is written: sorted keys, slashes as they are.
    static func json(_ value: some Encodable) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ByteBuffer(data: try encoder.encode(value))
    }

    /// A page's body: the records and the cursor of the next page (null on the last).
    struct PageBody: Encodable {
        var items: [BillingRecord]
        var nextCursor: String?
        enum CodingKeys: String, CodingKey {
            case items
            case nextCursor = "next_cursor"
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(items, forKey: .items)
            try container.encode(nextCursor, forKey: .nextCursor)
        }

        /// What `BillingGateway.json(self)` writes, through `FlatJSON`.
        func json() -> ByteBuffer {
            var json = FlatJSON(capacity: 64 + items.count * 512)
            json.writeRaw(#"{"items":["#)
            for (index, item) in items.enumerated() {
                if index > 0 { json.writeRaw(",") }
                json.write(item)
            }
            json.writeRaw(#"],"next_cursor":"#)
            if let nextCursor {
                json.writeString(nextCursor)
            } else {
                json.writeRaw("null")
            }
            json.writeRaw("}")
            return json.buffer
        }
    }

    /// One store call through its breaker, timed.
    private func call<T: Sendable>(
        _ storeName: StoreName, pattern: String, _ body: (any BillingStore) async throws(StoreError) -> T
    ) async throws(Failure) -> T {
        let admission = state.withLock { $0.breakers[storeName]!.admit(now: .now) }
        if case .refused(let retryAfter) = admission {
            throw Failure(kind: .unavailable, message: "the \(storeName.rawValue) store's circuit breaker is open", retryAfter: retryAfter)
        }
        let started = ContinuousClock.now
        do {
            let value = try await body(stores[storeName]!)
            let duration = ContinuousClock.now - started
            ServiceTime.addWaited(duration)
            record(storeName, success: true)
            metrics.storeLatency(store: storeName, pattern: pattern, duration: duration)
            return value
        } catch {
            let duration = ContinuousClock.now - started
            ServiceTime.addWaited(duration)
            record(storeName, success: !error.countsAgainstStore)
            metrics.storeLatency(store: storeName, pattern: pattern, duration: duration)
            switch error.kind {
            case .notFound: throw Failure(kind: .notFound, message: error.message)
            case .conflict: throw Failure(kind: .conflict, message: error.message)
            case .invalid: throw Failure(kind: .badRequest, message: error.message)
            case .unavailable:
                logger.warning("store call failed", metadata: ["store": "\(storeName.rawValue)", "error": "\(error.message)"])
                throw Failure(kind: .unavailable, message: "the \(storeName.rawValue) store did not answer", retryAfter: .seconds(1))
            }
        }
    }

    private func record(_ storeName: StoreName, success: Bool) {
        let gauge = state.withLock { state -> Int in
            state.breakers[storeName]!.record(success: success, now: .now)
            return state.breakers[storeName]!.state.gaugeValue
        }
        metrics.breaker(store: storeName, state: gauge)
    }

    // MARK: Writes

    public func write(_ write: BillingWrite) async throws(Failure) -> WriteReceipt {
        let pauseStarted = ContinuousClock.now
        let deadline = pauseStarted + configuration.writePauseTimeout
        var flags = self.flags
        // Time held by a pause is waiting, not the service's own time.
        var held = false
        while flags.writePrimary == .paused {
            held = true
            guard ContinuousClock.now < deadline else {
                ServiceTime.addWaited(ContinuousClock.now - pauseStarted)
                throw Failure(kind: .unavailable, message: "writes are paused for a switch; retry shortly", retryAfter: .seconds(1))
            }
            try? await Task.sleep(for: .milliseconds(20))
            flags = self.flags
        }
        if held { ServiceTime.addWaited(ContinuousClock.now - pauseStarted) }
        let primary = ReadRouting.primary(flags)
        let epoch = flags.epoch
        let context = state.withLock { state -> WriteContext in
            let micros = Self.epochMicroseconds()
            state.clock = max(state.clock + 1, micros)
            return WriteContext(
                now: BillingTimestamp(epochMilliseconds: Int64(micros / 1000)), version: ApplicationVersion(epoch: epoch, clock: state.clock))
        }
        let receipt = try await call(primary, pattern: write.name) { store throws(StoreError) in
            try await store.execute(write, context: context)
        }
        state.withLock { state in
            state.cache.invalidate(partitionKeys: receipt.partitionKeys)
            if primary == .mysql {
                // Until the stream passes this position, DynamoDB may not show the write.
                state.recentWrites.record(
                    partitionKeys: receipt.partitionKeys,
                    at: receipt.position ?? ReplicationPosition(orderingKey: "\u{10FFFF}"))
            }
        }
        metrics.write(name: write.name)
        return receipt
    }

    static func epochMicroseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000_000 + UInt64(spec.tv_nsec) / 1000
    }

    // MARK: Background

    /// Reads the flags now (startup) and then every poll interval; runs the shadow compares.
    public func runBackground() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.pollFlags() }
            group.addTask { await self.runShadowCompares() }
        }
    }

    /// Loads the shared flags once; false when the control store did not answer.
    @discardableResult
    public func refreshFlags() async -> Bool {
        do {
            let loaded = try await control.load()
            let changed = state.withLock { state -> Bool in
                let changed = state.control.flags != loaded.flags
                if changed && state.control.flags.readMode != loaded.flags.readMode { state.cache.removeAll() }
                state.control = loaded
                state.flagsLoaded = true
                if let replicated = loaded.replicated { state.recentWrites.prune(replicated: replicated) }
                return changed
            }
            if changed {
                logger.info(
                    "flags changed",
                    metadata: [
                        "version": "\(loaded.flags.version)", "read_mode": "\(loaded.flags.readMode.rawValue)",
                        "write_primary": "\(loaded.flags.writePrimary.rawValue)",
                    ])
            }
            metrics.flags(loaded.flags)
            return true
        } catch {
            logger.warning("the flags could not be read; keeping the last known", metadata: ["error": "\(error)"])
            return false
        }
    }

    func pollFlags() async {
        while !Task.isCancelled {
            await refreshFlags()
            try? await Task.sleep(for: configuration.flagsPollInterval)
        }
    }

    func runShadowCompares() async {
        for await job in shadowJobs {
            if Task.isCancelled { break }
            do {
                let green = try await stores[.dynamodb]!.page(job.query, after: job.after, limit: job.limit)
                let mismatches = comparator.mismatches(pattern: job.query.patternName, mysql: job.served, dynamodb: green)
                metrics.shadowCompared(pattern: job.query.patternName, mismatches: mismatches.count)
                for mismatch in mismatches {
                    logger.warning(
                        "shadow mismatch",
                        metadata: [
                            "pattern": "\(mismatch.pattern)", "pk": "\(mismatch.pk)", "sk": "\(mismatch.sk)",
                            "differing": "\(mismatch.differingAttributes.joined(separator: ","))",
                            "missing_from": "\(mismatch.missingFrom?.rawValue ?? "-")",
                        ])
                }
            } catch {
                metrics.shadowFailed(pattern: job.query.patternName)
            }
        }
    }

    public func finishShadow() { shadowInput.finish() }

    /// Ready when the flags were read and every store they need answers.
    public func ready() async -> (Bool, String) {
        guard state.withLock({ $0.flagsLoaded }) else { return (false, "the flags have not been read yet") }
        for store in flags.requiredStores.sorted(by: { $0.rawValue < $1.rawValue }) {
            do {
                try await stores[store]!.ping()
            } catch {
                return (false, "\(store.rawValue) does not answer: \(error.message)")
            }
        }
        return (true, "ready")
    }

    /// Shadow compare totals, for tests and the summary.
    public var shadowCounts: (compared: Int, mismatched: Int) { metrics.shadowTotals }
}
