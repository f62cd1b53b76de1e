/// Where reads are served from.
public enum ReadMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Serve from MySQL (blue).
    case mysql
    /// Serve from MySQL and compare a sample against DynamoDB off the request path.
    case shadow
    /// Serve from DynamoDB (green).
    case dynamodb
}

/// Which store takes the application's writes.
public enum WritePrimary: String, Sendable, Hashable, Codable, CaseIterable {
    case mysql
    case dynamodb
    /// Writes are held (the cutover's short pause); they wait, bounded, then 503.
    case paused
}

/// The runtime flags every instance follows, kept in one control item of the
/// target table and changed only by a conditional update on `version`.
///
/// `epoch` is raised at every write switch (issue 12); it is the first
/// component of the application's write versions (`ApplicationVersion`).
/// `replicatedPosition` is the change stream's applied position (published
/// at its checkpoint), which read-your-writes compares writes against.
public struct ServiceFlags: Sendable, Hashable, Codable {
    public var version: UInt64
    public var readMode: ReadMode
    public var writePrimary: WritePrimary
    /// The share of shadow reads compared against DynamoDB, 0...1.
    public var shadowSample: Double
    public var epoch: UInt32

    public init(
        version: UInt64 = 0, readMode: ReadMode = .mysql, writePrimary: WritePrimary = .mysql, shadowSample: Double = 1,
        epoch: UInt32 = 0
    ) {
        self.version = version
        self.readMode = readMode
        self.writePrimary = writePrimary
        self.shadowSample = shadowSample
        self.epoch = epoch
    }

    /// The stores the flags need answering (readiness): the read store(s), the write primary.
    public var requiredStores: Set<StoreName> {
        var stores: Set<StoreName> = []
        switch readMode {
        case .mysql: stores.insert(.mysql)
        case .shadow: stores.insert(.mysql)
        case .dynamodb: stores.insert(.dynamodb)
        }
        switch writePrimary {
        case .mysql: stores.insert(.mysql)
        case .dynamodb: stores.insert(.dynamodb)
        case .paused: break
        }
        return stores
    }

    /// Checks an operator's change; says what is wrong.
    public func validated() throws(BillingModelError) -> ServiceFlags {
        guard (0...1).contains(shadowSample) else {
            throw BillingModelError("the shadow sample is a share between 0 and 1, not \(shadowSample)")
        }
        return self
    }
}

/// The two stores.
public enum StoreName: String, Sendable, Hashable, Codable, CaseIterable {
    case mysql
    case dynamodb
}

/// The change stream's applied position as published where every instance
/// reads it: a `SourcePosition.orderingKey` (lexical order is log order).
public struct ReplicationPosition: Sendable, Hashable, Comparable, Codable {
    public var orderingKey: String
    public init(orderingKey: String) { self.orderingKey = orderingKey }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.orderingKey.utf8.lexicographicallyPrecedes(rhs.orderingKey.utf8) }
}

/// The shared state an instance polls: the flags and the stream's position.
public struct ControlState: Sendable, Hashable {
    public var flags: ServiceFlags
    public var replicated: ReplicationPosition?

    public init(flags: ServiceFlags, replicated: ReplicationPosition?) {
        self.flags = flags
        self.replicated = replicated
    }
}
