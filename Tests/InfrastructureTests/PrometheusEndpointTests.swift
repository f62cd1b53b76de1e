import AsyncHTTPClient
import MigrationCore
import Telemetry
import Testing

@Suite("Prometheus /metrics: the running counts over HTTP")
struct PrometheusEndpointTests {
    @Test func progressCountsAreServedAsCountersPerTableAndEntity() async throws {
        let recorder = ProgressMetrics(table: "PromCheck")
        try await PrometheusEndpoint.withEndpoint(host: "127.0.0.1", port: 0) { port in
            recorder.record(["CHARGE": EntityCounts(rowsRead: 5, itemsWritten: 4, deadLettered: 1)])
            // A later progress point adds only what grew.
            recorder.record(["CHARGE": EntityCounts(rowsRead: 12, itemsWritten: 10, deadLettered: 2)])
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(10))
            #expect(response.status == .ok)
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            #expect(text.contains(#"billmig_rows_read_total{table="PromCheck",entity="CHARGE"} 12"#))
            #expect(text.contains(#"billmig_items_written_total{table="PromCheck",entity="CHARGE"} 10"#))
            #expect(text.contains(#"billmig_rows_dead_lettered_total{table="PromCheck",entity="CHARGE"} 2"#))
            let missing = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/other"), timeout: .seconds(10))
            #expect(missing.status == .notFound)
        }
    }

    @Test func prometheusNamesFollowTheConventions() {
        #expect(MetricName.rowsDeadLettered.prometheusName == "billmig_rows_dead_lettered_total")
        #expect(MetricName.validationMismatches.prometheusName == "billmig_validation_mismatches_total")
    }
}

@Suite("Prometheus /metrics: the stream's counts and lag")
struct StreamMetricsTests {
    @Test func streamCountsAndLagAreServed() async throws {
        let recorder = StreamMetrics(table: "StreamCheck")
        try await PrometheusEndpoint.withEndpoint(host: "127.0.0.1", port: 0) { port in
            recorder.record(changesRead: 40, deadLettered: 0, lagSeconds: 2.5)
            recorder.record(changesRead: 100, deadLettered: 3, lagSeconds: 0.25)
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(10))
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            #expect(text.contains(#"billmig_rows_read_total{table="StreamCheck"} 100"#))
            #expect(text.contains(#"billmig_rows_dead_lettered_total{table="StreamCheck"} 3"#))
            #expect(text.contains(#"billmig_replication_lag_seconds{table="StreamCheck"} 0.25"#))
        }
    }
}
