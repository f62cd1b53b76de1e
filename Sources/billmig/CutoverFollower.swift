import ArgumentParser
import Cutover
import CutoverCore
import Migration

/// `--follow-cutover`: runs a stream whenever the cutover's replication directive
/// (`CONTROL#REPLICATION`) gives it the turn, stops it (checkpoint saved, nothing
/// in flight) when the directive moves on, and acknowledges both, so that
/// `cutover switch-writes` and `rollback` start and stop the streams themselves.
struct CutoverFollower {
    let directives: any ReplicationDirectiveStore
    let stream: ReplicatedStream
    /// How often the directive is read, while waiting and while running.
    let pollInterval: Duration
    /// The process's own stop (SIGINT, SIGTERM).
    let stop: StopSignal
    let announce: @Sendable (String) -> Void

    /// Runs `segment` for each turn until the process is stopped or a segment's
    /// result says it ended for good (`ended`: it failed); returns the last result.
    /// `segment` gets the turn and a stop signal that is set when the turn ends.
    func follow<Result: Sendable>(
        _ segment: (ReplicationTurn, StopSignal) async throws -> Result, ended: (Result) -> Bool
    ) async throws -> Result? {
        var acknowledged = try await directives.loadAcknowledgement(stream)
        func acknowledge(_ revision: Int, running: Bool) async throws {
            let next = ReplicationAcknowledgement(stream: stream, revision: revision, running: running)
            guard next != acknowledged else { return }
            try await directives.saveAcknowledgement(next)
            acknowledged = next
        }
        var last: Result?
        var revision = 0
        while !stop.isStopped {
            let directive = try await directives.loadDirective()
            revision = directive.revision
            let turn = directive.turn(for: stream, acknowledged: acknowledged)
            guard turn != .wait else {
                if acknowledged?.revision != directive.revision { announce("not the \(stream.rawValue) stream's turn (directive \(directive.revision): \(directive.runs.rawValue)); waiting") }
                try await acknowledge(directive.revision, running: false)
                await stop.sleep(for: pollInterval)
                continue
            }
            try await acknowledge(directive.revision, running: true)
            announce("the \(stream.rawValue) stream runs (directive \(directive.revision))")
            let turnEnded = StopSignal()
            let result = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await watch(directive.revision, ending: turnEnded) }
                defer { group.cancelAll() }
                return try await segment(turn, turnEnded)
            }
            last = result
            if ended(result) { break }
        }
        try await acknowledge(revision, running: false)
        return last
    }

    /// Sets `ending` once the directive's revision moves on or the process is stopped.
    func watch(_ revision: Int, ending: StopSignal) async {
        while !Task.isCancelled, !stop.isStopped {
            await stop.sleep(for: pollInterval)
            // A failed read is read again at the next poll: the stream keeps its turn meanwhile.
            if let now = try? await directives.loadDirective(), now.revision != revision { break }
        }
        if !Task.isCancelled { ending.stop() }
    }
}

/// `--follow-cutover`: the option both streams share.
struct FollowCutoverOptions: ParsableArguments {
    @Flag(
        name: .long,
        help: "Run only while the cutover's directive gives this stream the turn (CONTROL#REPLICATION), so `cutover switch-writes` and `rollback` start and stop it.")
    var followCutover = false

    @Option(name: .long, help: "How often a following stream reads the directive.")
    var followInterval = DurationArgument(argument: "200ms")!
}
