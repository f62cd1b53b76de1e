import Hummingbird
import Metrics
import Synchronization

/// The service's own time on a request: all of it minus what it waited for
/// (store calls, a write held while writes are paused). The aim "the service
/// adds under 1 ms p99 over the store call" is checked against this histogram,
/// independently of a load client that shares the cores.
public enum ServiceTime {
    /// The histogram of the service's own time per billing request (Prometheus `_bucket`s, seconds).
    public static let label = "billing_service_own_seconds"

    /// Histogram buckets fine enough for sub-millisecond figures (swift-prometheus's
    /// default starts at 5 ms), for the service's time, the store calls and the requests.
    public static let durationBuckets: [String: [Duration]] = {
        let buckets: [Duration] =
            [25, 50, 75, 100, 150, 200, 300, 400, 500, 750].map { .microseconds($0) }
            + [1, 1.5, 2, 3, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000].map { .microseconds(Int($0 * 1000)) }
        return [label: buckets, GatewayMetrics.storeCallLabel: buckets, "http.server.request.duration": buckets]
    }()

    /// The request's tally of waited time; `BillingGateway` adds to it.
    @TaskLocal static var waited: WaitedTime?

    /// Adds a wait to the current request's tally (no-op outside a request).
    static func addWaited(_ duration: Duration) {
        waited?.nanoseconds.add(duration.nanoseconds, ordering: .relaxed)
    }
}

final class WaitedTime: Sendable {
    let nanoseconds = Atomic<Int64>(0)
}

/// Records `ServiceTime` for every request of the routes it wraps.
struct ServiceTimeMiddleware<Context: RequestContext>: RouterMiddleware {
    let timer = Metrics.Timer(label: ServiceTime.label)

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let waited = WaitedTime()
        let started = ContinuousClock.now
        defer {
            let own = (ContinuousClock.now - started).nanoseconds - waited.nanoseconds.load(ordering: .relaxed)
            timer.recordNanoseconds(max(0, own))
        }
        return try await ServiceTime.$waited.withValue(waited) { try await next(request, context) }
    }
}
