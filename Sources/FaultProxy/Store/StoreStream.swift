import CivilCalendar
import NIOCore

/// One table stream of the store mode (DynamoDB Streams): the records of every item change
/// made while it was enabled, in one shard, as `GetRecords` answers them.
///
/// One shard is enough for what the store is for (measuring billmig's reverse replication at
/// a steady rate): per-item order holds trivially, and shard lineage is proven against
/// moto_server. Records stay in memory for the process's life (DynamoDB keeps them 24 hours).
struct StoreStream {
    enum ViewType: String {
        case keysOnly = "KEYS_ONLY"
        case newImage = "NEW_IMAGE"
        case oldImage = "OLD_IMAGE"
        case newAndOldImages = "NEW_AND_OLD_IMAGES"

        var keepsNew: Bool { self == .newImage || self == .newAndOldImages }
        var keepsOld: Bool { self == .oldImage || self == .newAndOldImages }
    }

    let tableName: String
    /// The table's key attributes, partition key first (`HASH`, then `RANGE`).
    let keys: [StoreSchema.KeyAttribute]
    let label: String
    let arn: String
    let viewType: ViewType
    let shardID: String
    let createdAt: Double
    /// The shard's first sequence number (whether or not a record has it).
    let startingSequence: UInt64
    private(set) var isEnabled = true
    /// Each record's sequence number and its JSON object, in the shard's order.
    private(set) var sequences: [UInt64] = []
    private(set) var records: [[UInt8]] = []
    /// The last sequence number the shard can hold, once the stream is disabled.
    private(set) var endingSequence: UInt64?

    /// DynamoDB caps a `GetRecords` answer at 1,000 records and 1 MB.
    static let maximumRecordsPerPage = 1_000
    static let pageSizeLimit = 1 << 20

    init(tableName: String, keys: [StoreSchema.KeyAttribute], viewType: ViewType, createdAt: Double, startingSequence: UInt64) {
        self.tableName = tableName
        self.keys = keys
        self.viewType = viewType
        self.createdAt = createdAt
        self.startingSequence = startingSequence
        label = Self.label(createdAt)
        arn = Self.arn(table: tableName, label: label)
        shardID = "shardId-\(String(UInt64(createdAt * 1000)).leftPadded(to: 20))-\(String(startingSequence, radix: 16).leftPadded(to: 8))"
    }

    static func arn(table: String, label: String) -> String {
        "arn:aws:dynamodb:us-east-1:000000000000:table/\(table)/stream/\(label)"
    }

    /// The stream's label, as DynamoDB writes it: the creation time to the millisecond, UTC.
    static func label(_ time: Double) -> String {
        let milliseconds = Int64((time * 1000).rounded(.down))
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = CivilCalendar.date(days: Int(days))
        func digits(_ value: Int, _ width: Int) -> String { String(value).leftPadded(to: width) }
        return "\(digits(year, 4))-\(digits(month, 2))-\(digits(day, 2))T\(digits(secondOfDay / 3600, 2)):"
            + "\(digits(secondOfDay / 60 % 60, 2)):\(digits(secondOfDay % 60, 2)).\(digits(Int(milliseconds - seconds * 1000), 3))"
    }

    /// Sequence numbers as DynamoDB shows them: decimal text, here all of one width so that
    /// their text and numeric orders agree.
    static func sequenceText(_ sequence: UInt64) -> String {
        String(sequence).leftPadded(to: 21)
    }

    mutating func disable(lastSequence: UInt64) {
        isEnabled = false
        endingSequence = max(lastSequence, sequences.last ?? startingSequence)
    }

    // MARK: Recording

    /// What a write did to one item: its JSON before and after (nil for none).
    struct Change {
        var old: ArraySlice<UInt8>?
        var new: ArraySlice<UInt8>?
        var oldSize: Int
        var newSize: Int
    }

    /// Records a change under `sequence`; a put that leaves the item as it was is no change
    /// (DynamoDB writes no record for it).
    mutating func record(_ change: Change, sequence: UInt64, at time: Double) -> Bool {
        guard isEnabled, change.old != nil || change.new != nil else { return false }
        if let old = change.old, let new = change.new, old == new { return false }
        let eventName = change.old == nil ? "INSERT" : change.new == nil ? "REMOVE" : "MODIFY"
        var body = ByteBuffer()
        body.writeStaticString("{\"eventID\":\"")
        body.writeString(String(sequence, radix: 16).leftPadded(to: 32))
        body.writeStaticString("\",\"eventName\":\"")
        body.writeString(eventName)
        body.writeStaticString("\",\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{")
        // DynamoDB Streams gives the time rounded down to the second; the store gives it to
        // the millisecond, as moto_server does, so that a lag measured from it is billmig's
        // and not up to a second of rounding.
        body.writeString("\"ApproximateCreationDateTime\":\((time * 1000).rounded(.down) / 1000),\"Keys\":{")
        (change.new ?? change.old!).withUnsafeBytes { source in
            var first = true
            for key in keys {
                guard let range = StoredItemJSON.attributeRange(key.nameBytes, in: source) else { continue }
                if !first { body.writeStaticString(",") }
                first = false
                body.writeJSONString(key.name)
                body.writeStaticString(":")
                body.writeBytes(of: source, range: range)
            }
        }
        body.writeStaticString("}")
        if viewType.keepsNew, let new = change.new {
            body.writeStaticString(",\"NewImage\":")
            body.writeBytes(new)
        }
        if viewType.keepsOld, let old = change.old {
            body.writeStaticString(",\"OldImage\":")
            body.writeBytes(old)
        }
        let size = (viewType.keepsNew ? change.newSize : 0) + (viewType.keepsOld ? change.oldSize : 0)
        body.writeString(",\"SequenceNumber\":\"\(Self.sequenceText(sequence))\",\"SizeBytes\":\(max(size, 1)),\"StreamViewType\":\"\(viewType.rawValue)\"}}")
        sequences.append(sequence)
        records.append(Array(body.readableBytesView))
        return true
    }

    // MARK: Reading

    /// The position of the first record at (`inclusive`) or after `sequence`.
    func position(of sequence: UInt64, inclusive: Bool) -> Int {
        var low = 0
        var high = sequences.count
        while low < high {
            let middle = (low + high) / 2
            if inclusive ? sequences[middle] < sequence : sequences[middle] <= sequence {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }

    /// The records from `position` on, within DynamoDB's page limits, and where the next
    /// page starts (nil once a disabled stream has nothing more).
    func page(from position: Int, limit: Int) -> (body: ByteBuffer, next: Int?) {
        var body = ByteBuffer()
        body.writeStaticString("{\"Records\":[")
        var end = position
        var size = 0
        while end < records.count, end - position < limit, size < Self.pageSizeLimit {
            if end > position { body.writeStaticString(",") }
            body.writeBytes(records[end])
            size += records[end].count
            end += 1
        }
        body.writeStaticString("]")
        return (body, !isEnabled && end >= records.count ? nil : end)
    }

    /// `DescribeStream`'s `StreamDescription`.
    func describe(into body: inout ByteBuffer) {
        body.writeStaticString("{\"StreamArn\":")
        body.writeJSONString(arn)
        body.writeStaticString(",\"StreamLabel\":")
        body.writeJSONString(label)
        body.writeString(",\"StreamStatus\":\"\(isEnabled ? "ENABLED" : "DISABLED")\",\"StreamViewType\":\"\(viewType.rawValue)\"")
        body.writeString(",\"CreationRequestDateTime\":\(createdAt),\"TableName\":")
        body.writeJSONString(tableName)
        body.writeStaticString(",\"KeySchema\":[")
        for (position, key) in keys.enumerated() {
            if position > 0 { body.writeStaticString(",") }
            body.writeStaticString("{\"AttributeName\":")
            body.writeJSONString(key.name)
            body.writeString(",\"KeyType\":\"\(position == 0 ? "HASH" : "RANGE")\"}")
        }
        body.writeStaticString("],\"Shards\":[{\"ShardId\":")
        body.writeJSONString(shardID)
        body.writeString(",\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"\(Self.sequenceText(startingSequence))\"")
        if let endingSequence {
            body.writeString(",\"EndingSequenceNumber\":\"\(Self.sequenceText(endingSequence))\"")
        }
        body.writeStaticString("}}]}")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
