import BillingModel

/// Where the forward stream learns the write switches made so far (the cutover's
/// state item in production), so a MySQL change after a rollback carries its
/// epoch's version (`SwitchEpochHistory.version(ofMySQLChangeAt:)`) and wins over
/// the DynamoDB writes of the epoch before it.
///
/// Read once when a run starts: the cutover never runs the forward stream while a
/// DynamoDB epoch is open (reverse replication runs then), and a rollback records
/// MySQL's new epoch before the forward stream resumes, so a run's history cannot
/// change under it.
public protocol SwitchEpochSource: Sendable {
    func switchEpochs() async throws -> SwitchEpochHistory
}

/// No switch ever made: every change keeps its epoch-0 key (its binlog position).
public struct InitialEpochOnly: SwitchEpochSource {
    public init() {}

    public func switchEpochs() async throws -> SwitchEpochHistory { SwitchEpochHistory() }
}

/// The recorded switches are there but unusable (not written by this billmig):
/// the stream stops at once with the reason instead of retrying.
public struct SwitchEpochsUnreadable: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
