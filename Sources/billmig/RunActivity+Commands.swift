import Migration
import MigrationCore

// The long-running commands' activity records (`{state}/runs/COMMAND.json`), which
// `status` reads: running, paused (and on what), ended, or silent.

extension RunActivityRecorder {
    /// A load's: its table's reachability and, reading a snapshot, its source's and its use of the link.
    func recordingLoad(
        outage: TargetOutage, source: SourceReachability? = nil, link: SourceLinkMeter? = nil, sourceName: String,
        _ body: () async throws -> LoadSummary
    ) async throws -> LoadSummary {
        try await recording(
            sample: { Reach(source: source?.outage, sourceName: sourceName, target: outage.current, sourceLink: link?.use()) },
            ending: { $0.status.rawValue }, body)
    }

    /// A stream's: its source's reachability as the reader reports it, and its table's;
    /// its use of the link, and the last check after an outage.
    func recordingStream(
        progress: StreamProgress, outage: TargetOutage, link: SourceLinkMeter, checks: AfterOutageChecks, sourceName: String,
        _ body: () async throws -> StreamSummary
    ) async throws -> StreamSummary {
        try await recording(
            sample: {
                Reach(
                    source: progress.snapshot().sourceOutage, sourceName: sourceName, target: outage.current, sourceLink: link.use(),
                    afterOutage: checks.last)
            },
            ending: { summary in summary.status == .failed ? "failed" : summary.ending == .signal ? "stopped on request" : summary.status.rawValue },
            body)
    }
}
