import BillingModel
import CutoverCore

/// Starts and stops the streams through the replication directive that
/// `billmig stream --follow-cutover` and `billmig reverse-stream --follow-cutover`
/// obey, and waits until the stream concerned acknowledges it: a stopped stream
/// has saved its checkpoint and has nothing in flight, so the other may start.
public struct DirectedReplicationControl: ReplicationControl {
    let store: any ReplicationDirectiveStore
    /// How long a stream may take to acknowledge before the step fails.
    let timeout: Duration
    let pollInterval: Duration

    public init(store: any ReplicationDirectiveStore, timeout: Duration = .seconds(30), pollInterval: Duration = .milliseconds(50)) {
        self.store = store
        self.timeout = timeout
        self.pollInterval = pollInterval
    }

    public func stopForward() async throws {
        try await direct(.forward) { $0.next(.neither) }
    }

    public func startForward(from position: SourcePosition, epochs: SwitchEpochHistory) async throws {
        guard let start = ReplicationDirective.ForwardStart(position) else {
            throw CutoverExecutorError("the forward stream resumes from a binlog position, not from \(position.orderingKey)")
        }
        try await direct(.forward) { $0.next(.forward, forwardStart: start, epochs: epochs) }
    }

    public func startReverse(epoch: SwitchEpoch) async throws {
        try await direct(.reverse) { $0.next(.reverse, reverseEpoch: epoch) }
    }

    public func stopReverse() async throws {
        try await direct(.reverse) { $0.next(.neither) }
    }

    public func status() async throws -> ReplicationStatus? {
        ReplicationStatus(
            directive: try await store.loadDirective(), forward: try await store.loadAcknowledgement(.forward),
            reverse: try await store.loadAcknowledgement(.reverse))
    }

    /// Stores the next directive and waits for `stream` to confirm it. A stop that
    /// is not confirmed is taken back (the stream runs on from its checkpoint), since
    /// the plan reverts to the phase in which that stream runs.
    func direct(_ stream: ReplicatedStream, _ next: (ReplicationDirective) -> ReplicationDirective) async throws {
        let previous = try await store.loadDirective()
        let directive = next(previous)
        try await store.saveDirective(directive)
        let deadline = ContinuousClock.now + timeout
        while true {
            if let acknowledgement = try await store.loadAcknowledgement(stream), acknowledgement.confirms(directive) { return }
            guard ContinuousClock.now < deadline else {
                let command = stream == .forward ? "billmig stream" : "billmig reverse-stream"
                let what = directive.runs == .neither ? "stopped" : "started"
                if directive.runs == .neither {
                    try await store.saveDirective(
                        directive.next(previous.runs, epochs: previous.epochs, reverseEpoch: previous.reverseEpoch))
                }
                throw CutoverExecutorError(
                    "`\(command) --follow-cutover` did not confirm it \(what) within \(timeout) (directive revision \(directive.revision)): "
                        + "is it running against this table? (without followers, give --streams manual and start and stop the streams by hand)")
            }
            try await Task.sleep(for: pollInterval)
        }
    }
}
