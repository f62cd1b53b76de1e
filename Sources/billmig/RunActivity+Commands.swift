import Migration
import MigrationCore

// The long-running commands' activity records (`{state}/runs/COMMAND.json`), which
// `status` reads: running, paused (and on what), ended, or silent.

extension RunActivityRecorder {
    /// A load's: its table's reachability and, reading a snapshot, its source's.
    func recordingLoad(
        outage: TargetOutage, source: SourceReachability? = nil, sourceName: String, _ body: () async throws -> LoadSummary
    ) async throws -> LoadSummary {
        try await recording(
            sample: { Reach(source: source?.outage, sourceName: sourceName, target: outage.current) },
            ending: { $0.status.rawValue }, body)
    }

    /// A stream's: its source's reachability as the reader reports it, and its table's.
    func recordingStream(
        progress: StreamProgress, outage: TargetOutage, sourceName: String, _ body: () async throws -> StreamSummary
    ) async throws -> StreamSummary {
        try await recording(
            sample: { Reach(source: progress.snapshot().sourceOutage, sourceName: sourceName, target: outage.current) },
            ending: { summary in summary.status == .failed ? "failed" : summary.ending == .signal ? "stopped on request" : summary.status.rawValue },
            body)
    }
}
