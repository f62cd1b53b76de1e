import BillingModel
import Foundation
import MigrationCore

extension StateFolder<RunActivity> {
    /// What each long-running command last said about itself (`runs/stream.json`), for `status`.
    public static var runActivity: Self { Self("runs/") }
}

/// Keeps a command's `RunActivity` in its state while `body` runs: written every
/// `interval` with what it cannot reach (`sample`), and once at the end with how
/// it ended. A write that fails is skipped: the record is advice for `status`,
/// never a reason to stop the command (its state may sit behind the same cut link).
public struct RunActivityRecorder: Sendable {
    /// What the command cannot reach now, how much of the link it uses, and
    /// what the last check after an outage found.
    public struct Reach: Sendable {
        public var source: RunActivity.Outage?
        public var target: RunActivity.Outage?
        public var sourceLink: LinkUse?
        public var afterOutage: OutageCheck?

        public init(source: RunActivity.Outage? = nil, target: RunActivity.Outage? = nil) {
            self.source = source
            self.target = target
        }

        /// From the readers' and the writers' own trackers.
        public init(
            source: SourceOutage?, sourceName: String, target: TargetOutage.Status?, sourceLink: LinkUse? = nil, afterOutage: OutageCheck? = nil
        ) {
            self.source = source.map {
                RunActivity.Outage(what: "the source \(sourceName)", since: Self.text($0.since), lastError: $0.lastError)
            }
            self.target = target.map { RunActivity.Outage(what: $0.target, since: Self.text($0.since), lastError: $0.lastError) }
            self.sourceLink = sourceLink
            self.afterOutage = afterOutage
        }

        public static func text(_ date: Date) -> String {
            DateTimeText.iso8601(epochMilliseconds: Int64(date.timeIntervalSince1970 * 1000))
        }
    }

    public let state: StateLocation
    public let command: String
    public let interval: Duration

    public init(state: StateLocation, command: String, interval: Duration = .seconds(5)) {
        self.state = state
        self.command = command
        self.interval = interval
    }

    /// Runs `body` with its activity recorded; `ending` names how a result ended.
    public func recording<Result: Sendable>(
        sample: @escaping @Sendable () -> Reach, ending: @escaping @Sendable (Result) -> String,
        _ body: () async throws -> Result
    ) async throws -> Result {
        let started = Reach.text(Date())
        let file = StateFolder<RunActivity>.runActivity.file(command)
        let record: @Sendable (String?) async -> Void = { [state, command, interval] ended in
            let reach = sample()
            let activity = RunActivity(
                command: command, startedAt: started, updatedAt: Reach.text(Date()), intervalSeconds: interval.seconds,
                ended: ended, sourceUnreachable: ended == nil ? reach.source : nil, targetUnreachable: ended == nil ? reach.target : nil,
                sourceLink: ended == nil ? reach.sourceLink : nil, afterOutage: reach.afterOutage)
            try? await state.write(activity, to: file)
        }
        let result: Result
        do {
            result = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [interval] in
                    while !Task.isCancelled {
                        await record(nil)
                        try await Task.sleep(for: interval)
                    }
                }
                defer { group.cancelAll() }
                return try await body()
            }
        } catch {
            await record("failed")
            throw error
        }
        await record(ending(result))
        return result
    }
}
