import BillingModel

/// The two change streams the cutover starts and stops.
public enum ReplicatedStream: String, Sendable, Hashable, Codable, CaseIterable {
    /// `billmig stream`: MySQL's binlog -> DynamoDB.
    case forward
    /// `billmig reverse-stream`: DynamoDB Streams -> MySQL.
    case reverse
}

/// Which stream may run, as the cutover last decided: one record every stream
/// process started with `--follow-cutover` obeys, so the write switch and the
/// rollback need no operator between their steps.
///
/// One value names at most one stream, so the two can never be told to run at
/// once; the executor also waits for the stopped stream's acknowledgement before
/// it names the other (`ReplicationAcknowledgement.confirms`).
public struct ReplicationDirective: Sendable, Hashable, Codable {
    public enum Runs: String, Sendable, Hashable, Codable {
        case forward, reverse, neither
    }

    /// Where a forward stream the directive starts begins: a binlog position
    /// (MySQL's position after the reverse writes, at a rollback).
    public struct ForwardStart: Sendable, Hashable, Codable {
        /// The binlog file's numeric suffix (the base name is the server's own).
        public var fileSequence: UInt32
        public var position: UInt64

        public init(fileSequence: UInt32, position: UInt64) {
            self.fileSequence = fileSequence
            self.position = position
        }

        /// The start of the event that `position` (a `.binlog` source position) ends at or after.
        public init?(_ position: SourcePosition) {
            guard case .binlog(let file, let offset, _) = position else { return nil }
            self.init(fileSequence: file, position: offset)
        }
    }

    /// Raised by every change; a stream's acknowledgement names the revision it obeys.
    public var revision: Int
    public var runs: Runs
    /// For `forward`: where it starts the first time it runs under this revision
    /// (nil: its checkpoint).
    public var forwardStart: ForwardStart?
    /// For `forward`: the write switches so far, MySQL's new epoch included, which
    /// its versions need before the cutover state records them.
    public var epochs: SwitchEpochHistory?
    /// For `reverse`: the DynamoDB epoch whose writes it copies.
    public var reverseEpoch: SwitchEpoch?

    public init(
        revision: Int, runs: Runs, forwardStart: ForwardStart? = nil, epochs: SwitchEpochHistory? = nil,
        reverseEpoch: SwitchEpoch? = nil
    ) {
        self.revision = revision
        self.runs = runs
        self.forwardStart = forwardStart
        self.epochs = epochs
        self.reverseEpoch = reverseEpoch
    }

    /// Before any cutover command: the forward stream replicates.
    public static let initial = ReplicationDirective(revision: 0, runs: .forward)

    /// The next directive, one revision on.
    public func next(
        _ runs: Runs, forwardStart: ForwardStart? = nil, epochs: SwitchEpochHistory? = nil, reverseEpoch: SwitchEpoch? = nil
    ) -> ReplicationDirective {
        ReplicationDirective(
            revision: revision + 1, runs: runs, forwardStart: forwardStart, epochs: epochs, reverseEpoch: reverseEpoch)
    }

    /// What `stream` should do under this directive, given what it last acknowledged.
    public func turn(for stream: ReplicatedStream, acknowledged: ReplicationAcknowledgement?) -> ReplicationTurn {
        switch (stream, runs) {
        case (.forward, .forward):
            // The start position applies once: a follower restarted under the same
            // revision (after a crash) goes on from its own checkpoint.
            let startedBefore = acknowledged.map { $0.revision == revision && $0.running } ?? false
            return .run(forwardStart: startedBefore ? nil : forwardStart, epochs: epochs, reverseEpoch: nil)
        case (.reverse, .reverse):
            return .run(forwardStart: nil, epochs: nil, reverseEpoch: reverseEpoch)
        default:
            return .wait
        }
    }
}

/// A stream follower's answer to a directive.
public enum ReplicationTurn: Sendable, Hashable {
    /// Not this stream's turn: stay stopped (acknowledge that) and look again later.
    case wait
    /// Run until the directive's revision changes.
    case run(forwardStart: ReplicationDirective.ForwardStart?, epochs: SwitchEpochHistory?, reverseEpoch: SwitchEpoch?)
}

/// What a stream follower last did about a directive: running under `revision`,
/// or stopped (its checkpoint saved, nothing in flight) under it.
public struct ReplicationAcknowledgement: Sendable, Hashable, Codable {
    public var stream: ReplicatedStream
    public var revision: Int
    public var running: Bool

    public init(stream: ReplicatedStream, revision: Int, running: Bool) {
        self.stream = stream
        self.revision = revision
        self.running = running
    }

    /// Whether this acknowledges `directive`: the stream obeys it (or a later one)
    /// and runs exactly when the directive names it.
    public func confirms(_ directive: ReplicationDirective) -> Bool {
        guard revision >= directive.revision else { return false }
        let named = directive.runs.rawValue == stream.rawValue
        return revision > directive.revision || running == named
    }
}
