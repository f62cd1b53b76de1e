import Foundation
import MigrationCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A bad link rather than a cut one: the source in its namespace behind a link
/// that drops a random 5% of its packets each way (nftables), or that adds
/// 200 ms each way (netem, or a relay where the kernel has none). The snapshot
/// and the stream must end with DynamoDB equal to MySQL and nothing left
/// running; the stream reports its lag and its share of the link.
@Suite(.serialized) struct NetworkLossLatencyTests {
    @Test func aStreamOverALinkLosing5PercentOfItsPacketsAppliesEverything() async throws {
        try await CutRun.with("loss") { run in
            try await run.fill(run.source.sourceURL, accounts: 6, seed: 41)
            try await run.load(run.source.sourceURL)
            try await run.source.dropPackets(percent: 5)
            let started = ContinuousClock.now
            let stream = try run.background("stream", ["stream", "--from", run.source.sourceURL, "--checkpoint-seconds", "1"])
            defer { if stream.isRunning { stream.kill(SIGKILL) } }
            let metrics = try await run.metrics(of: stream)
            let workload = try run.workload(changes: 800, rate: 40, accounts: 6, seed: 8)
            defer { if workload.isRunning { workload.kill(SIGKILL) } }
            #expect(try await metrics.waitUntilRowsRead(), "the stream applies changes over the lossy link: \(stream.output())")

            #expect(await workload.exitStatus() == 0, "\(workload.output())")
            try await run.expectCaughtUp(stream)
            let summary = try await run.stopped(stream)
            #expect(summary.total.deadLettered == 0 && summary.total.changesRead >= 800, "\(summary.total)")
            let dropped = await run.source.droppedPackets()
            #expect(dropped > 0, "the link dropped packets")
            print("5% loss, stream: \(summary.total.changesRead) changes in \(ContinuousClock.now - started), \(dropped) packets dropped, "
                + "\(summary.reconnects) reconnects; \(summary.health.summaryLine)")
            try await run.expectValidated(run.source.sourceURL)
            #expect(!stream.isRunning && !workload.isRunning, "nothing left running")
        }
    }

    @Test func aSnapshotLoadOverALinkLosing5PercentOfItsPacketsLoadsEverything() async throws {
        try await CutRun.with("lossnap") { run in
            let url = run.source.sourceURL + "&read-timeout=10"
            try await run.fill(url, accounts: 12, seed: 42)
            try await run.source.dropPackets(percent: 5)
            let started = ContinuousClock.now
            // The source changes during the load (inside the namespace): the stream afterwards replays it.
            let workload = try run.workload(changes: 300, rate: 30, accounts: 12, seed: 9)
            defer { if workload.isRunning { workload.kill(SIGKILL) } }
            let load = try await run.billmig(["load", "--from", url, "--table", run.table, "--state", run.state, "--chunk-size", "200", "--json", "--quiet"])
            #expect(load.status == 0, "\(load.stdout.suffix(800)) \(load.stderr.suffix(800))")
            let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(load.stdout.utf8))
            #expect(summary.total.deadLettered == 0 && summary.total.rowsRead > 1_000, "\(summary.total)")
            let loadedIn = ContinuousClock.now - started
            #expect(await workload.exitStatus() == 0, "\(workload.output())")
            let stream = try await run.billmig(["stream", "--from", url, "--table", run.table, "--state", run.state, "--until-caught-up", "--quiet"])
            #expect(stream.status == 0, "\(stream.stdout.suffix(800)) \(stream.stderr.suffix(800))")
            let dropped = await run.source.droppedPackets()
            #expect(dropped > 0, "the link dropped packets")
            print("5% loss, snapshot: \(summary.total.rowsRead) rows in \(loadedIn), \(dropped) packets dropped")
            try await run.expectValidated(url)
            #expect(!workload.isRunning, "nothing left running")
        }
    }

    @Test func aStreamOverALinkWith200MillisecondsOfLatencyKeepsUpAndReportsItsLagAndLinkShare() async throws {
        try await CutRun.with("latency") { run in
            try await run.fill(run.source.sourceURL, accounts: 6, seed: 43)
            try await run.load(run.source.sourceURL)
            let delay = try await run.source.delay(milliseconds: 200)
            defer { delay.stop() }
            let url = delay.sourceURL ?? run.source.sourceURL
            // The heartbeat times each change from the source's clock to the write: the 200 ms show in the lag.
            let stream = try run.background(
                "stream", ["stream", "--from", url, "--checkpoint-seconds", "1", "--heartbeat", "--link-capacity", "10Mbps"])
            defer { if stream.isRunning { stream.kill(SIGKILL) } }
            let metrics = try await run.metrics(of: stream)
            let workload = try run.workload(changes: 600, rate: 30, accounts: 6, seed: 10)
            defer { if workload.isRunning { workload.kill(SIGKILL) } }
            #expect(try await metrics.waitUntilRowsRead(), "the stream applies changes over the slow link: \(stream.output())")

            // Its reads as a share of the declared 10 Mbit/s: in Prometheus, and in `network status --state`.
            let shared = try await waitUntil(timeout: .seconds(15), every: .milliseconds(500)) {
                await metrics.value("billmig_source_bandwidth_share") > 0
            }
            #expect(shared, "billmig_source_bandwidth_share is published")
            let share = await metrics.value("billmig_source_bandwidth_share")
            let bytesPerSecond = await metrics.value("billmig_source_bytes_per_second")
            #expect(abs(share - bytesPerSecond * 8 / 10_000_000) < 0.05, "the share is the bytes read over the capacity: \(share), \(bytesPerSecond) B/s")
            var network = ""
            let shown = try await waitUntil(timeout: .seconds(15), every: .seconds(1)) {
                network = (try? await run.billmig(["network", "status", "--state", run.state]).stdout) ?? ""
                return network.contains("% of 10 Mbit/s")
            }
            #expect(shown, "network status shows the stream's share of the link: \(network)")

            #expect(await workload.exitStatus() == 0, "\(workload.output())")
            try await run.expectCaughtUp(stream)
            let summary = try await run.stopped(stream)
            delay.stop()
            #expect(summary.total.deadLettered == 0 && summary.total.changesRead >= 600, "\(summary.total)")
            let p50 = summary.health.lagP50Milliseconds ?? 0
            #expect(p50 >= 200, "the lag includes the link's 200 ms: \(summary.health.summaryLine)")
            print("200 ms latency: \(summary.health.summaryLine); link \(String(format: "%.2f%%", share * 100)) of 10 Mbit/s "
                + "(\(Int(bytesPerSecond)) B/s)")
            try await run.expectValidated(run.source.sourceURL)
            #expect(!stream.isRunning && !workload.isRunning, "nothing left running")
        }
    }
}
