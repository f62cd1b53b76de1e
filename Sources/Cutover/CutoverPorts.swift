import BillingModel
import BillingService
import CutoverCore

/// The seams the executor runs a plan through. Each is small so that a unit test
/// drives every command with doubles and production wires DynamoDB, MySQL, the
/// billing services' HTTP endpoints and a load balancer behind them.

/// The cutover's persisted state and the flags every billing-service instance
/// follows, both in the control items of the target table (`ControlItems`).
public protocol CutoverControlStore: Sendable {
    /// The stored state; a fresh `CutoverState()` (revision 0) when none was stored.
    func loadCutover() async throws -> CutoverState
    /// Stores `state` only if the stored revision is still `expectedRevision`;
    /// throws `CutoverError.staleState` when another operator moved it first.
    func saveCutover(_ state: CutoverState, expectedRevision: Int) async throws
    func loadFlags() async throws -> ServiceFlags
    /// Conditional on the flags' version, as `billmig flags set` is.
    func updateFlags(_ flags: ServiceFlags, expectedVersion: UInt64) async throws -> ServiceFlags
    /// The forward stream's applied position (`CONTROL#STREAM`), nil before its first checkpoint.
    func forwardStreamPosition() async throws -> ReplicationPosition?
}

/// Where MySQL's binlog ends now (`SHOW MASTER STATUS`).
public protocol MySQLPositionSource: Sendable {
    func currentPosition() async throws -> SourcePosition
}

/// How far reverse replication (DynamoDB Streams -> MySQL) has come, as the
/// reverse stream publishes it (`CONTROL#REVERSE`, docs/cutover.md).
public struct ReverseProgress: Sendable, Hashable, Codable {
    /// Every DynamoDB change made at or before this moment (milliseconds since
    /// 1970) is in MySQL.
    public var caughtUpThroughMilliseconds: Int64
    /// The reverse stream's own lag figure, when it publishes one.
    public var lagMilliseconds: Double?
    /// Its checkpoint per shard (sequence numbers), for the audit entry.
    public var checkpoints: [String: String]

    public init(caughtUpThroughMilliseconds: Int64, lagMilliseconds: Double? = nil, checkpoints: [String: String] = [:]) {
        self.caughtUpThroughMilliseconds = caughtUpThroughMilliseconds
        self.lagMilliseconds = lagMilliseconds
        self.checkpoints = checkpoints
    }
}

/// Reverse replication's published progress; nil when it never published (not running).
public protocol ReverseProgressSource: Sendable {
    func reverseProgress() async throws -> ReverseProgress?
}

/// Starting and stopping the two streams, which run as their own processes
/// (`billmig stream`, `billmig reverse-stream`). With `--follow-cutover` they obey
/// a directive in the control items (`DirectedReplicationControl`, the default);
/// otherwise the operator is told what to do (`OperatorReplicationControl`). The
/// executor's safety does not depend on either: writes are paused and the drains
/// wait on published positions.
public protocol ReplicationControl: Sendable {
    func stopForward() async throws
    /// `epochs` are the write switches so far, the MySQL epoch opening at `position` included.
    func startForward(from position: SourcePosition, epochs: SwitchEpochHistory) async throws
    func startReverse(epoch: SwitchEpoch) async throws
    func stopReverse() async throws
    /// Which stream was told to run and what each confirmed; nil when the streams are run by hand.
    func status() async throws -> ReplicationStatus?
}

/// The replication directive and the followers' acknowledgements, for `cutover status`.
public struct ReplicationStatus: Sendable, Hashable, Codable {
    public var directive: ReplicationDirective
    public var forward: ReplicationAcknowledgement?
    public var reverse: ReplicationAcknowledgement?

    public init(directive: ReplicationDirective, forward: ReplicationAcknowledgement?, reverse: ReplicationAcknowledgement?) {
        self.directive = directive
        self.forward = forward
        self.reverse = reverse
    }
}

/// The directive the stream followers obey and their acknowledgements (control items).
public protocol ReplicationDirectiveStore: Sendable {
    /// The stored directive; `ReplicationDirective.initial` when none was stored.
    func loadDirective() async throws -> ReplicationDirective
    /// Stores `directive` only if the stored revision is still `directive.revision - 1`.
    func saveDirective(_ directive: ReplicationDirective) async throws
    func loadAcknowledgement(_ stream: ReplicatedStream) async throws -> ReplicationAcknowledgement?
    func saveAcknowledgement(_ acknowledgement: ReplicationAcknowledgement) async throws
}

/// Measures what the gates need, just before they are checked.
public protocol CutoverObserver: Sendable {
    func observe(_ gates: [CutoverGate]) async -> CutoverObservations
}

/// The watched alarms' states (CloudWatch), for the no-alarm gate and the traffic ramp.
public protocol AlarmStateSource: Sendable {
    /// Every watched alarm with its state; throws when one cannot be read.
    func alarms() async throws -> [CutoverObservations.Alarm]
}

/// Green's health since the previous sample, for the traffic ramp's gate.
public protocol GreenHealthProbe: Sendable {
    func sample() async -> HealthSample
}

/// Tells the operator which stream to start or stop (the streams run as their own commands).
public struct OperatorReplicationControl: ReplicationControl {
    let tell: @Sendable (String) -> Void

    public init(tell: @escaping @Sendable (String) -> Void) {
        self.tell = tell
    }

    public func stopForward() async throws {
        tell("the forward stream has applied everything: stop `billmig stream` (SIGTERM) now")
    }

    public func startForward(from position: SourcePosition, epochs: SwitchEpochHistory) async throws {
        tell("start `billmig stream` again: MySQL's changes from \(position.orderingKey) flow to DynamoDB")
    }

    public func startReverse(epoch: SwitchEpoch) async throws {
        tell("start `billmig reverse-stream` now: DynamoDB's writes of epoch \(epoch) flow to MySQL")
    }

    public func stopReverse() async throws {
        tell("reverse replication has applied everything: stop `billmig reverse-stream` (SIGTERM) now")
    }

    public func status() async throws -> ReplicationStatus? { nil }
}
