import BillingService
import Metrics
import Synchronization

/// The service's metrics through swift-metrics (exported by `billmig serve` as
/// Prometheus text): routing, cache hits, store latency, shadow compares and
/// mismatches, breaker states, flag versions. Requests by route and status
/// come from Hummingbird's `MetricsMiddleware`.
final class GatewayMetrics: Sendable {
    static let storeCallLabel = "billing_store_call_seconds"

    private let compared = Atomic<Int>(0)
    private let mismatched = Atomic<Int>(0)
    // The per-read handles, made once: constructing a metric asks the factory
    // (the Prometheus registry) to look its label and dimensions up under a lock.
    private let cacheHits = Counter(label: "billing_cache_hits_total")
    private let cacheMisses = Counter(label: "billing_cache_misses_total")
    private let reads = HandleCache { (key: ReadKey) in
        Counter(label: "billing_reads_total", dimensions: [("pattern", key.pattern), ("store", key.store.rawValue), ("reason", key.reason.rawValue)])
    }
    private let storeCalls = HandleCache { (key: StoreCallKey) in
        Metrics.Timer(label: GatewayMetrics.storeCallLabel, dimensions: [("store", key.store.rawValue), ("operation", key.operation)])
    }

    struct ReadKey: Hashable, Sendable {
        var pattern: String
        var store: StoreName
        var reason: ReadRouting.Reason
    }

    struct StoreCallKey: Hashable, Sendable {
        var store: StoreName
        var operation: String
    }

    func routed(pattern: String, store: StoreName, reason: ReadRouting.Reason) {
        reads[ReadKey(pattern: pattern, store: store, reason: reason)].increment()
    }

    func cache(hit: Bool) {
        (hit ? cacheHits : cacheMisses).increment()
    }

    func storeLatency(store: StoreName, pattern: String, duration: Duration) {
        storeCalls[StoreCallKey(store: store, operation: pattern)].recordNanoseconds(duration.nanoseconds)
    }

    func write(name: String) {
        Counter(label: "billing_writes_total", dimensions: [("write", name)]).increment()
    }

    func shadowCompared(pattern: String, mismatches: Int) {
        compared.add(1, ordering: .relaxed)
        Counter(label: "billing_shadow_compares_total", dimensions: [("pattern", pattern)]).increment()
        if mismatches > 0 {
            mismatched.add(mismatches, ordering: .relaxed)
            Counter(label: "billing_shadow_mismatches_total", dimensions: [("pattern", pattern)]).increment(by: mismatches)
        }
    }

    func shadowDropped(pattern: String) {
        Counter(label: "billing_shadow_dropped_total", dimensions: [("pattern", pattern)]).increment()
    }

    func shadowFailed(pattern: String) {
        Counter(label: "billing_shadow_failures_total", dimensions: [("pattern", pattern)]).increment()
    }

    func breaker(store: StoreName, state: Int) {
        Gauge(label: "billing_breaker_state", dimensions: [("store", store.rawValue)]).record(state)
    }

    func flags(_ flags: ServiceFlags) {
        Gauge(label: "billing_flags_version").record(Int(flags.version))
        Gauge(label: "billing_flags_epoch").record(Int(flags.epoch))
        for mode in ReadMode.allCases {
            Gauge(label: "billing_read_mode", dimensions: [("mode", mode.rawValue)]).record(mode == flags.readMode ? 1 : 0)
        }
        for primary in WritePrimary.allCases {
            Gauge(label: "billing_write_primary", dimensions: [("primary", primary.rawValue)])
                .record(primary == flags.writePrimary ? 1 : 0)
        }
    }

    var shadowTotals: (compared: Int, mismatched: Int) {
        (compared.load(ordering: .relaxed), mismatched.load(ordering: .relaxed))
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// Metric handles by their dimensions, each made on first use and kept.
final class HandleCache<Key: Hashable & Sendable, Handle: Sendable>: Sendable {
    private let handles = Mutex<[Key: Handle]>([:])
    private let make: @Sendable (Key) -> Handle

    init(_ make: @escaping @Sendable (Key) -> Handle) {
        self.make = make
    }

    subscript(key: Key) -> Handle {
        handles.withLock { handles in
            if let handle = handles[key] { return handle }
            let handle = make(key)
            handles[key] = handle
            return handle
        }
    }
}
