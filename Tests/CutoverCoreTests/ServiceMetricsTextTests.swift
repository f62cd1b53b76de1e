import CutoverCore
import Testing

@Suite struct ServiceMetricsTextTests {
    static let text = """
        # TYPE billing_shadow_compares_total counter
        billing_shadow_compares_total{pattern="account_entity"} 12
        billing_shadow_compares_total{pattern="subscriber"} 8
        billing_shadow_mismatches_total{pattern="subscriber"} 1
        hb_requests{http_route="/accounts/{ban}",http_request_method="GET",http_response_status_code="200"} 90
        hb_requests{http_route="/accounts/{ban}",http_request_method="GET",http_response_status_code="503"} 10
        hb_requests{http_route="/health/ready",http_request_method="GET",http_response_status_code="200"} 500
        http_server_request_duration_bucket{http_route="/accounts/{ban}",http_response_status_code="200",le="0.005"} 50
        http_server_request_duration_bucket{http_route="/accounts/{ban}",http_response_status_code="200",le="0.05"} 98
        http_server_request_duration_bucket{http_route="/accounts/{ban}",http_response_status_code="200",le="0.5"} 100
        http_server_request_duration_bucket{http_route="/accounts/{ban}",http_response_status_code="200",le="+Inf"} 100
        http_server_request_duration_bucket{http_route="/health/ready",http_response_status_code="200",le="0.005"} 500
        """

    @Test func readsShadowCountsRequestsAndErrorsWithoutHealthChecks() {
        let snapshot = ServiceMetricsSnapshot(prometheusText: Self.text)
        #expect(snapshot.shadowCompares == 20 && snapshot.shadowMismatches == 1)
        #expect(snapshot.requests == 100 && snapshot.serverErrors == 10)
        #expect(snapshot.latencyBuckets[0.005] == 50 && snapshot.latencyBuckets[.infinity] == 100)
    }

    @Test func p99IsTheBoundOfTheBucketHoldingIt() {
        let now = ServiceMetricsSnapshot(prometheusText: Self.text)
        let delta = now.since(ServiceMetricsSnapshot())
        #expect(delta.requests == 100 && delta.errors == 10)
        #expect(delta.p99Milliseconds == 500)
        // Between two snapshots only the new requests count: all 10 new ones were fast.
        var later = now
        later.requests += 10
        later.latencyBuckets = later.latencyBuckets.mapValues { $0 + 10 }
        let recent = later.since(now)
        #expect(recent.requests == 10 && recent.errors == 0 && recent.p99Milliseconds == 5)
        // Nothing new: no latency figure.
        #expect(now.since(now).p99Milliseconds == nil)
    }

    @Test func instancesAddUp() {
        let one = ServiceMetricsSnapshot(prometheusText: Self.text)
        let two = one + one
        #expect(two.shadowCompares == 40 && two.requests == 200 && two.latencyBuckets[0.05] == 196)
    }
}
