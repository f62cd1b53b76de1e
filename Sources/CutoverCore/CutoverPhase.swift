/// Where the cutover stands. The forward order is the only way up; each phase but
/// the first and the last has a way back (`CutoverWorkflow`).
public enum CutoverPhase: String, Sendable, Hashable, Codable, CaseIterable {
    /// MySQL serves reads and writes; the change stream copies MySQL into DynamoDB.
    case replicating
    /// MySQL serves; a sample of reads is compared with DynamoDB off the request path.
    case shadow
    /// Reads are served from DynamoDB (green takes the traffic); MySQL is still the write primary.
    case readsSwitched = "reads-switched"
    /// DynamoDB is the write primary; reverse replication keeps MySQL current for a rollback.
    case writesSwitched = "writes-switched"
    /// Final: reverse replication stopped, MySQL retired. No way back.
    case completed
}

/// The read mode every billing-service instance follows (the control item's flag).
public enum ReadMode: String, Sendable, Hashable, Codable {
    case mysql
    case shadow
    case dynamodb
}

/// The write primary every instance follows; `paused` holds new writes (bounded) during a switch.
public enum WritePrimary: String, Sendable, Hashable, Codable {
    case mysql
    case dynamodb
    case paused
}

/// The operator's commands (`billmig cutover …`).
public enum CutoverCommand: Sendable, Hashable, Codable, CustomStringConvertible {
    case shadow(samplePercent: Double)
    case switchReads
    case switchWrites
    case rollback
    case complete

    public var description: String {
        switch self {
        case .shadow(let sample):
            return "shadow --sample " + (sample == sample.rounded() ? String(Int(sample)) : String(sample))
        case .switchReads: return "switch-reads"
        case .switchWrites: return "switch-writes"
        case .rollback: return "rollback"
        case .complete: return "complete"
        }
    }
}
