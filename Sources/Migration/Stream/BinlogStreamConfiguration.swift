import BillingModel
import MigrationCore
import MySQLSource

/// Everything `stream` needs to know, mapped from flags and environment at the edge.
public struct BinlogStreamConfiguration: Sendable {
    /// Where the change stream starts when it is given explicitly (it wins over
    /// the checkpoint and the snapshot position).
    public enum ExplicitStart: Sendable, Hashable {
        case coordinates(file: String, position: UInt64)
        case gtid(String)
    }

    public var connection: MySQLConnectionConfiguration
    public var tableName: String
    public var mapping: Mapping
    /// How fast the source may be read (`--max-bandwidth`, `--transfer-window`); unlimited by default.
    public var transfer = TransferLimit()
    /// The link's declared capacity (`--link-capacity`), for the share of it the stream uses; nil: not declared.
    public var linkCapacityBitsPerSecond: Double?
    /// Records the items changed around each outage, so that their accounts are
    /// checked after it (`--check-after-outage`); nil: off.
    public var outageWindow: OutageWindow<String>?
    public var start: ExplicitStart?
    /// When the stream ends by itself (`--until-caught-up`, `--stop-at`); else at a signal.
    public var stop: BinlogStopRule.Mode
    /// A heartbeat row written on the source for sub-second lag figures; nil: off.
    public var heartbeat: SourceHeartbeat.Configuration?
    public var throttle: AdaptiveRateController.Configuration
    public var applier: ChangeApplier.Configuration
    /// How often the checkpoint is saved while changes are applied (and always at the end).
    public var checkpointInterval: Duration
    /// When set, the checkpoint is also saved (at most this often) whenever every
    /// change read has settled: the applied position is published moments after
    /// the source goes quiet, which is what the cutover's drain waits for.
    public var settledCheckpointInterval: Duration?
    /// The server's heartbeat period while the binlog is idle.
    public var serverHeartbeatPeriod: Duration
    /// The longest wait for the server before the connection counts as lost.
    public var readTimeout: Duration
    public var reconnect: ReconnectBackoff.Policy
    /// The shortest time between two collections of settled changes while
    /// changes flow (the resolution of lag figures). An idle stream's collector
    /// sleeps until something settles.
    public var collectInterval: Duration
    /// The replica id the stream announces; random when nil.
    public var replicaServerID: UInt32?

    public init(
        connection: MySQLConnectionConfiguration,
        tableName: String = "BillingSystem",
        mapping: Mapping = .billing,
        start: ExplicitStart? = nil,
        stop: BinlogStopRule.Mode = .never,
        heartbeat: SourceHeartbeat.Configuration? = nil,
        throttle: AdaptiveRateController.Configuration = .init(),
        applier: ChangeApplier.Configuration = .init(),
        checkpointInterval: Duration = .seconds(5),
        serverHeartbeatPeriod: Duration = .seconds(1),
        readTimeout: Duration = .seconds(10),
        reconnect: ReconnectBackoff.Policy = .init(),
        collectInterval: Duration = .milliseconds(20),
        replicaServerID: UInt32? = nil
    ) {
        self.connection = connection
        self.tableName = tableName
        self.mapping = mapping
        self.start = start
        self.stop = stop
        self.heartbeat = heartbeat
        self.throttle = throttle
        self.applier = applier
        self.checkpointInterval = checkpointInterval
        self.serverHeartbeatPeriod = serverHeartbeatPeriod
        self.readTimeout = readTimeout
        self.reconnect = reconnect
        self.collectInterval = collectInterval
        self.replicaServerID = replicaServerID
    }
}
