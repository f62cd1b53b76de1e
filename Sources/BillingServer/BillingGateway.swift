#if canImport(Glibc)
import Glibc
#endif
import BillingModel
import BillingService
import Logging
import Metrics
import Synchronization

/// Serves reads and writes from the two stores as the shared flags say: read
/// routing with read-your-writes, the read cache, a breaker per store, shadow
/// compares off the request path, and the flags poller.
public final class BillingGateway: Sendable {
    public struct Configuration: Sendable {
        public var defaultPageSize = 100
        public var maxPageSize = 1000
        public var cache = ReadCache.Configuration()
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
        public var records: [BillingRecord]
        public var nextCursor: String?
        public var store: StoreName
        public var cached: Bool
    }

    struct State {
        var control = ControlState(flags: ServiceFlags(), replicated: nil)
        var flagsLoaded = false
        var recentWrites = RecentWrites()
        var cache: ReadCache
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
        let decision = state.withLock { state in
            let replicated = state.control.replicated
            let unreplicated =
                state.recentWrites.isUnreplicated(query.partitionKeys, replicated: replicated)
                || minimumPosition.map { needed in replicated.map { $0 < needed } ?? true } ?? false
            let sampled = Double.random(in: 0..<1) < state.control.flags.shadowSample
            let decision = ReadRouting.decide(
                flags: state.control.flags, unreplicatedWrite: unreplicated,
                refusing: { store in
                    guard let breaker = state.breakers[store], breaker.isRefusing(now: now) else { return nil }
                    if case .open(let until) = breaker.state { return max(until - now, .seconds(1)) }
                    return .seconds(1)
                }, sampled: sampled)
            return decision
        }
        switch decision {
        case .unavailable(let retryAfter, let reason):
            throw Failure(kind: .unavailable, message: reason, retryAfter: retryAfter)
        case .serve(let storeName, let compare, let reason):
            metrics.routed(pattern: query.patternName, store: storeName, reason: reason)
            let key = ReadCache.Key(query: query, after: after, limit: limit, store: storeName)
            // A client's own position token bypasses the cache (another instance wrote).
            if minimumPosition == nil, let page = state.withLock({ $0.cache.get(key, now: now) }) {
                metrics.cache(hit: true)
                return answer(page, query: query, store: storeName, cached: true)
            }
            metrics.cache(hit: false)
            let page = try await call(storeName, pattern: query.patternName) { store throws(StoreError) in
                try await store.page(query, after: after, limit: limit)
            }
            state.withLock { $0.cache.put(key, page: page, now: ContinuousClock.now) }
            if compare {
                if case .dropped = shadowInput.yield(ShadowJob(query: query, after: after, limit: limit, served: page)) {
                    metrics.shadowDropped(pattern: query.patternName)
                }
            }
            return answer(page, query: query, store: storeName, cached: false)
        }
    }

    private func answer(_ page: StorePage, query: BillingQuery, store: StoreName, cached: Bool) -> ReadAnswer {
        ReadAnswer(
            records: page.records.map(\.record), nextCursor: page.next.map { cursors.encode($0, for: query) }, store: store,
            cached: cached)
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
            record(storeName, success: true)
            metrics.storeLatency(store: storeName, pattern: pattern, duration: ContinuousClock.now - started)
            return value
        } catch {
            record(storeName, success: !error.countsAgainstStore)
            metrics.storeLatency(store: storeName, pattern: pattern, duration: ContinuousClock.now - started)
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
        let deadline = ContinuousClock.now + configuration.writePauseTimeout
        var flags = self.flags
        while flags.writePrimary == .paused {
            guard ContinuousClock.now < deadline else {
                throw Failure(kind: .unavailable, message: "writes are paused for a switch; retry shortly", retryAfter: .seconds(1))
            }
            try? await Task.sleep(for: .milliseconds(20))
            flags = self.flags
        }
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
