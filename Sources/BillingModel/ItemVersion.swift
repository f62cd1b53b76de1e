/// The version an item's `SourceVersion` attribute holds, across write switches.
///
/// Every write switch (MySQL -> DynamoDB, and back on a rollback) raises the switch
/// epoch, as a Raft term: a write made in a later epoch wins over every write of an
/// earlier one, whatever store it came from. Within an epoch one store is the write
/// primary, and the position orders its writes: binlog coordinates (or any
/// `SourcePosition`) while MySQL is primary, the application's clock while DynamoDB is.
///
/// `orderingKey` is what items store and conditions compare (byte order, as
/// DynamoDB compares strings). Epoch 0 is the migration before any switch: a
/// replicated position's key is exactly `SourcePosition.orderingKey`, so every item
/// written so far keeps its meaning. Every other key is `V` + ten epoch digits + the
/// position's key (`A` + twenty digits for the application's clock); `V` sorts after
/// every key epoch 0's positions use (`0`, `1`, `B`, `F`, `S`), so any later epoch
/// wins over all of epoch 0, and the fixed-width epoch orders epochs among
/// themselves. An application write always carries the prefix, even in epoch 0 (the
/// write primary set to DynamoDB by hand, without a switch), so it still sorts after
/// every replicated position of its epoch. This is the one version format: the
/// billing service's `ApplicationVersion` produces these keys.
public struct ItemVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Position: Sendable, Hashable {
        /// A change read from MySQL (binlog) or DMS.
        case source(SourcePosition)
        /// A write the billing service made while DynamoDB was the write primary:
        /// a hybrid-logical-clock value (microseconds since 1970, bumped past the last
        /// value it issued), unique and increasing per writer.
        case applicationClock(UInt64)

        public var orderingKey: String {
            switch self {
            case .source(let position):
                return position.orderingKey
            case .applicationClock(let clock):
                return "A" + SourcePosition.leftPad(String(clock), to: 20)
            }
        }
    }

    public var epoch: SwitchEpoch
    public var position: Position

    public init(epoch: SwitchEpoch, position: Position) {
        self.epoch = epoch
        self.position = position
    }

    public static let epochPrefix: UInt8 = UInt8(ascii: "V")
    static let epochDigits = 10

    public var orderingKey: String {
        if epoch == .initial, case .source(let source) = position { return source.orderingKey }
        return "V" + SourcePosition.leftPad(String(epoch.number), to: Self.epochDigits) + position.orderingKey
    }

    static let applicationClockDigits = 20

    /// The application write a stored key names (`V` + epoch + `A` + clock), or nil
    /// for any other key (a replicated position, or not a version at all).
    public init?(applicationWriteKey key: String) {
        let bytes = Array(key.utf8)
        guard bytes.count == 1 + Self.epochDigits + 1 + Self.applicationClockDigits, bytes[0] == Self.epochPrefix,
            bytes[1 + Self.epochDigits] == UInt8(ascii: "A"),
            let epoch = Self.digits(bytes[1...Self.epochDigits], as: UInt32.self),
            let clock = Self.digits(bytes[(2 + Self.epochDigits)...], as: UInt64.self)
        else { return nil }
        self.init(epoch: SwitchEpoch(epoch), position: .applicationClock(clock))
    }

    /// The epoch a stored `SourceVersion` was written in (0 for every key without
    /// the prefix). Reverse replication tells the service's writes of its epoch by it.
    public static func epoch(ofOrderingKey key: String) -> SwitchEpoch {
        let bytes = Array(key.utf8)
        guard bytes.first == epochPrefix, bytes.count > epochDigits,
            let number = digits(bytes[1...epochDigits], as: UInt32.self)
        else { return .initial }
        return SwitchEpoch(number)
    }

    /// Decimal digits only, within the type's range; nil otherwise.
    private static func digits<Number: FixedWidthInteger & UnsignedInteger>(_ bytes: ArraySlice<UInt8>, as: Number.Type) -> Number? {
        var number: Number = 0
        for byte in bytes {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times, overflowTimes) = number.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = times.addingReportingOverflow(Number(digit))
            guard !overflowTimes, !overflowSum else { return nil }
            number = sum
        }
        return number
    }

    /// DynamoDB's order of the stored keys (UTF-8 bytes), which conditional writes use.
    public static func < (lhs: ItemVersion, rhs: ItemVersion) -> Bool {
        isOlder(lhs.orderingKey, than: rhs.orderingKey)
    }

    /// True when `key` sorts before `other` the way DynamoDB compares strings.
    public static func isOlder(_ key: String, than other: String) -> Bool {
        key.utf8.lexicographicallyPrecedes(other.utf8)
    }

    public var description: String { orderingKey }
}

/// A write switch's term number. 0 until the first switch.
public struct SwitchEpoch: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var number: UInt32

    public init(_ number: UInt32) {
        self.number = number
    }

    public static let initial = SwitchEpoch(0)

    public var next: SwitchEpoch { SwitchEpoch(number + 1) }

    public static func < (lhs: SwitchEpoch, rhs: SwitchEpoch) -> Bool { lhs.number < rhs.number }

    public var description: String { String(number) }

    public init(from decoder: any Decoder) throws {
        number = try decoder.singleValueContainer().decode(UInt32.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(number)
    }
}

/// Which store takes the application's writes in an epoch.
public enum WriteStore: String, Sendable, Hashable, Codable {
    case mysql
    case dynamodb
}

/// The epochs of a migration: which store was primary in each and, for MySQL
/// epochs after the first, the binlog position from which MySQL's changes belong
/// to it.
///
/// A binlog change's epoch comes from its position, never from the clock: a change
/// replayed from before a switch back to MySQL (a reverse-replication write, or an
/// old change after a crash) keeps its old epoch and so can never overwrite an item
/// written in a later DynamoDB epoch.
public struct SwitchEpochHistory: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        public var epoch: SwitchEpoch
        public var primary: WriteStore
        /// For a MySQL epoch: the `SourcePosition.orderingKey` of the first binlog
        /// position that belongs to it (MySQL's position when writes resumed on it).
        /// nil for epoch 0 (everything before the first switch) and DynamoDB epochs.
        public var mysqlStartKey: String?

        public init(epoch: SwitchEpoch, primary: WriteStore, mysqlStartKey: String? = nil) {
            self.epoch = epoch
            self.primary = primary
            self.mysqlStartKey = mysqlStartKey
        }
    }

    public private(set) var entries: [Entry]

    public init() {
        entries = [Entry(epoch: .initial, primary: .mysql)]
    }

    public var current: Entry { entries[entries.count - 1] }

    /// The history as far as `epoch` when only the epoch number is recorded (the
    /// flags' `Epoch`): write switches alternate, so epoch 0 and every even epoch
    /// had MySQL as primary and every odd one DynamoDB. MySQL epochs' start
    /// positions are unknown (nil): enough for `reverseShouldApply`, not for
    /// `epoch(ofMySQLChangeAt:)`.
    public init(alternatingThrough epoch: SwitchEpoch) {
        self.init()
        while current.epoch < epoch {
            let next = current.epoch.next
            entries.append(Entry(epoch: next, primary: next.number % 2 == 1 ? .dynamodb : .mysql))
        }
    }

    /// Opens the next epoch with DynamoDB as primary (the write switch).
    @discardableResult
    public mutating func switchToDynamoDB() -> SwitchEpoch {
        let epoch = current.epoch.next
        entries.append(Entry(epoch: epoch, primary: .dynamodb))
        return epoch
    }

    /// Opens the next epoch with MySQL as primary (a rollback), its changes
    /// counting from `resumePosition` (MySQL's position after the reverse writes).
    @discardableResult
    public mutating func switchToMySQL(resumingAt resumePosition: SourcePosition) -> SwitchEpoch {
        let epoch = current.epoch.next
        entries.append(Entry(epoch: epoch, primary: .mysql, mysqlStartKey: resumePosition.orderingKey))
        return epoch
    }

    /// The epoch a MySQL change at `position` belongs to: the latest MySQL epoch
    /// that started at or before it.
    public func epoch(ofMySQLChangeAt position: SourcePosition) -> SwitchEpoch {
        let key = position.orderingKey
        for entry in entries.reversed() where entry.primary == .mysql {
            guard let start = entry.mysqlStartKey else { return entry.epoch }
            if !ItemVersion.isOlder(key, than: start) { return entry.epoch }
        }
        return .initial
    }

    /// The version a forward-stream write of the change at `position` carries.
    public func version(ofMySQLChangeAt position: SourcePosition) -> ItemVersion {
        ItemVersion(epoch: epoch(ofMySQLChangeAt: position), position: .source(position))
    }

    /// True when reverse replication should copy an item change with this stored
    /// version into MySQL: only writes made in a DynamoDB epoch at or after
    /// `reverseEpoch`. Anything older is a state MySQL already had (the forward
    /// stream wrote it), and copying it back would move MySQL backwards.
    public func reverseShouldApply(versionKey: String, reverseEpoch: SwitchEpoch) -> Bool {
        let epoch = ItemVersion.epoch(ofOrderingKey: versionKey)
        guard epoch >= reverseEpoch else { return false }
        return entries.first { $0.epoch == epoch }?.primary == .dynamodb
    }
}
