import AWSCore
import DynamoDBModel
import NIOCore
import NIOHTTP1

/// A DynamoDB client speaking the JSON 1.0 protocol (`X-Amz-Target: DynamoDB_20120810.<Op>`).
/// A thin layer: each method builds the request body, sends it through `AWSClient`
/// (signing, retries, typed errors) and reads the answer.
public struct DynamoDBClient: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) {
        self.client = client
    }

    /// Most items one `BatchWriteItem` call takes.
    public static let maxBatchWriteItems = 25

    // MARK: Transport

    /// Sends one operation and parses the JSON answer.
    public func call(_ operation: String, body: [UInt8]) async throws -> (JSONValue, AWSCallStats) {
        let request = AWSRequest(
            service: .dynamoDB, operation: operation, method: .POST, path: "/",
            headers: [
                "X-Amz-Target": "DynamoDB_20120810.\(operation)",
                "Content-Type": "application/x-amz-json-1.0",
            ],
            body: ByteBuffer(bytes: body))
        let response = try await client.execute(request)
        let bytes = Array(response.body.readableBytesView)
        if bytes.isEmpty { return (.object([:]), response.stats) }
        do {
            return (try JSONValue.parse(bytes), response.stats)
        } catch {
            throw DynamoDBClientError("\(operation) answered with unreadable JSON: \(error)")
        }
    }

    private func call(_ operation: String, _ build: (inout JSONWriter) -> Void) async throws -> (JSONValue, AWSCallStats) {
        var writer = JSONWriter()
        writer.beginObject()
        build(&writer)
        writer.endObject()
        return try await call(operation, body: writer.bytes)
    }

    // MARK: Tables

    @discardableResult
    public func createTable(_ definition: TableDefinition) async throws -> TableDescription {
        let (json, _) = try await call("CreateTable") { writer in
            writer.field("TableName", definition.name)
            var attributes = [definition.partitionKey]
            if let sortKey = definition.sortKey { attributes.append(sortKey) }
            for index in definition.globalSecondaryIndexes {
                attributes.append(index.partitionKey)
                if let sortKey = index.sortKey { attributes.append(sortKey) }
            }
            var seen = Set<String>()
            writer.key("AttributeDefinitions")
            writer.beginArray()
            for name in attributes where seen.insert(name).inserted {
                writer.beginObject()
                writer.field("AttributeName", name)
                writer.field("AttributeType", "S")
                writer.endObject()
            }
            writer.endArray()
            writer.key("KeySchema")
            Self.writeKeySchema(&writer, partitionKey: definition.partitionKey, sortKey: definition.sortKey)
            var tableThroughput: ProvisionedThroughput?
            switch definition.billingMode {
            case .onDemand:
                writer.field("BillingMode", "PAY_PER_REQUEST")
            case .provisioned(let throughput):
                tableThroughput = throughput
                writer.field("BillingMode", "PROVISIONED")
                writer.key("ProvisionedThroughput")
                Self.writeThroughput(&writer, throughput)
            }
            if !definition.globalSecondaryIndexes.isEmpty {
                writer.key("GlobalSecondaryIndexes")
                writer.beginArray()
                for index in definition.globalSecondaryIndexes {
                    writer.beginObject()
                    writer.field("IndexName", index.name)
                    writer.key("KeySchema")
                    Self.writeKeySchema(&writer, partitionKey: index.partitionKey, sortKey: index.sortKey)
                    writer.key("Projection")
                    writer.beginObject()
                    writer.field("ProjectionType", "ALL")
                    writer.endObject()
                    if let throughput = index.provisionedThroughput ?? tableThroughput {
                        writer.key("ProvisionedThroughput")
                        Self.writeThroughput(&writer, throughput)
                    }
                    writer.endObject()
                }
                writer.endArray()
            }
        }
        return try Self.tableDescription(json["TableDescription"])
    }

    public func describeTable(_ tableName: String) async throws -> TableDescription {
        let (json, _) = try await call("DescribeTable") { $0.field("TableName", tableName) }
        return try Self.tableDescription(json["Table"])
    }

    public func deleteTable(_ tableName: String) async throws {
        _ = try await call("DeleteTable") { $0.field("TableName", tableName) }
    }

    /// Table names, all pages.
    public func listTables() async throws -> [String] {
        var names: [String] = []
        var start: String?
        repeat {
            let (json, _) = try await call("ListTables") { writer in
                if let start { writer.field("ExclusiveStartTableName", start) }
            }
            names += json["TableNames"]?.arrayValue?.compactMap(\.stringValue) ?? []
            start = json["LastEvaluatedTableName"]?.stringValue
        } while start != nil
        return names
    }

    /// Polls `DescribeTable` until the table and all its indexes are ACTIVE.
    /// Throws `DynamoDBClientError` when `timeout` passes first.
    @discardableResult
    public func waitUntilActive(
        _ tableName: String, timeout: Duration = .seconds(600), pollInterval: Duration = .seconds(2)
    ) async throws -> TableDescription {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let description = try await describeTable(tableName)
            if description.isActive { return description }
            guard clock.now + pollInterval <= deadline else {
                throw DynamoDBClientError(
                    "table \(tableName) not ACTIVE after \(timeout): table \(description.status), indexes "
                        + description.globalSecondaryIndexes.map { "\($0.name) \($0.status)" }.joined(separator: ", "))
            }
            try await client.clock.sleep(pollInterval)
        }
    }

    public func updateTimeToLive(_ tableName: String, attributeName: String, enabled: Bool = true) async throws {
        _ = try await call("UpdateTimeToLive") { writer in
            writer.field("TableName", tableName)
            writer.key("TimeToLiveSpecification")
            writer.beginObject()
            writer.field("AttributeName", attributeName)
            writer.key("Enabled")
            writer.bool(enabled)
            writer.endObject()
        }
    }

    public func describeTimeToLive(_ tableName: String) async throws -> TimeToLiveDescription {
        let (json, _) = try await call("DescribeTimeToLive") { $0.field("TableName", tableName) }
        let description = json["TimeToLiveDescription"]
        return TimeToLiveDescription(
            status: description?["TimeToLiveStatus"]?.stringValue ?? "DISABLED",
            attributeName: description?["AttributeName"]?.stringValue)
    }

    // MARK: Single items

    /// Writes an item, conditionally when a condition is given. A false condition is
    /// an outcome, not an error; every other failure throws `AWSError`.
    @discardableResult
    public func putItem(
        _ tableName: String, item: Item, condition: Expression? = nil, returnExistingOnConditionFailure: Bool = false
    ) async throws -> ConditionalWriteOutcome {
        try await conditionalWrite("PutItem") { writer in
            writer.field("TableName", tableName)
            writer.key("Item")
            writer.item(item)
            Self.writeCondition(&writer, condition, returnExisting: returnExistingOnConditionFailure)
        }
    }

    /// Deletes an item by key, conditionally when a condition is given.
    @discardableResult
    public func deleteItem(
        _ tableName: String, key: Item, condition: Expression? = nil, returnExistingOnConditionFailure: Bool = false
    ) async throws -> ConditionalWriteOutcome {
        try await conditionalWrite("DeleteItem") { writer in
            writer.field("TableName", tableName)
            writer.key("Key")
            writer.item(key)
            Self.writeCondition(&writer, condition, returnExisting: returnExistingOnConditionFailure)
        }
    }

    private func conditionalWrite(_ operation: String, _ build: (inout JSONWriter) -> Void) async throws -> ConditionalWriteOutcome {
        do {
            _ = try await call(operation, build)
            return .applied
        } catch let error as AWSError where error.isConditionalCheckFailed {
            return .conditionFailed(existingItem: Self.existingItem(fromConditionFailure: error))
        }
    }

    /// The item DynamoDB returns with `ReturnValuesOnConditionCheckFailure=ALL_OLD`.
    private static func existingItem(fromConditionFailure error: AWSError) -> Item? {
        guard let body = error.responseBody, let json = try? JSONValue.parse(Array(body.readableBytesView)),
              let item = json["Item"] else { return nil }
        return try? DynamoDBJSON.item(from: item)
    }

    public func getItem(
        _ tableName: String, key: Item, consistentRead: Bool = false, projection: Expression? = nil
    ) async throws -> Item? {
        let (json, _) = try await call("GetItem") { writer in
            writer.field("TableName", tableName)
            writer.key("Key")
            writer.item(key)
            if consistentRead {
                writer.key("ConsistentRead")
                writer.bool(true)
            }
            if let projection {
                writer.field("ProjectionExpression", projection.text)
                Self.writePlaceholders(&writer, names: projection.names, values: [:])
            }
        }
        guard let item = json["Item"] else { return nil }
        return try DynamoDBJSON.item(from: item)
    }

    /// One put of a `TransactWriteItems` call, conditional when a condition is given.
    public struct TransactPut: Sendable {
        public var item: Item
        public var condition: Expression?

        public init(item: Item, condition: Expression? = nil) {
            self.item = item
            self.condition = condition
        }
    }

    /// Writes up to 100 puts atomically: all or none. A failed condition on any
    /// of them (or a conflicting transaction) is `.conditionFailed`, not an error.
    @discardableResult
    public func transactWriteItems(_ tableName: String, puts: [TransactPut]) async throws -> ConditionalWriteOutcome {
        do {
            _ = try await call("TransactWriteItems") { writer in
                writer.key("TransactItems")
                writer.beginArray()
                for put in puts {
                    writer.beginObject()
                    writer.key("Put")
                    writer.beginObject()
                    writer.field("TableName", tableName)
                    writer.key("Item")
                    writer.item(put.item)
                    Self.writeCondition(&writer, put.condition, returnExisting: false)
                    writer.endObject()
                    writer.endObject()
                }
                writer.endArray()
            }
            return .applied
        } catch let error as AWSError where error.code == "TransactionCanceledException" && Self.cancelledByCondition(error) {
            return .conditionFailed(existingItem: nil)
        }
    }

    /// Whether a cancelled transaction failed a condition (rather than being
    /// throttled or conflicting with another transaction, which a retry can fix).
    static func cancelledByCondition(_ error: AWSError) -> Bool {
        let text = error.responseBody.map { String(buffer: $0) } ?? error.description
        return text.contains("ConditionalCheckFailed")
    }

    // MARK: Batches

    /// One `BatchWriteItem` call of at most 25 requests. Unprocessed requests come back
    /// in the result; nothing is resent here.
    public func batchWriteItem(_ tableName: String, requests: [WriteRequest]) async throws -> BatchWriteResult {
        guard !requests.isEmpty else { return BatchWriteResult(unprocessed: [], consumedCapacity: 0, stats: AWSCallStats()) }
        guard requests.count <= Self.maxBatchWriteItems else {
            throw DynamoDBClientError("BatchWriteItem takes at most \(Self.maxBatchWriteItems) requests, got \(requests.count)")
        }
        let (json, stats) = try await call("BatchWriteItem", body: Self.batchWriteBody(tableName, requests: requests))
        return BatchWriteResult(
            unprocessed: try Self.unprocessedRequests(json, tableName: tableName),
            consumedCapacity: Self.consumedCapacity(json), stats: stats)
    }

    // The request body and the answer's decoding live outside the async function: with
    // the throwing loop inline, Swift 6.3.1's optimizer crashes (signal 11 in LLVM's
    // coroutine splitting, emitSetAndGetSwiftErrorValueAround) in release builds.
    static func batchWriteBody(_ tableName: String, requests: [WriteRequest]) -> [UInt8] {
        var writer = JSONWriter(capacity: 512 * requests.count + 128)
        writer.beginObject()
        writer.key("RequestItems")
        writer.beginObject()
        writer.key(tableName)
        writer.beginArray()
        for request in requests {
            writeWriteRequest(&writer, request)
        }
        writer.endArray()
        writer.endObject()
        writer.field("ReturnConsumedCapacity", "TOTAL")
        writer.endObject()
        return writer.bytes
    }

    static func unprocessedRequests(_ json: JSONValue, tableName: String) throws -> [WriteRequest] {
        guard let pending = json["UnprocessedItems"]?[tableName]?.arrayValue else { return [] }
        var unprocessed: [WriteRequest] = []
        unprocessed.reserveCapacity(pending.count)
        for element in pending {
            unprocessed.append(try writeRequest(from: element))
        }
        return unprocessed
    }

    /// Writes all requests in calls of 25, resending unprocessed ones with backoff until
    /// they are written or `policy` is spent. Never drops a request: what could not be
    /// written is returned for the caller to dead-letter or retry later. Throttling is
    /// reported through `onThrottle` as it happens, for an adaptive rate limiter.
    ///
    /// A call failing with a non-retryable error (e.g. `ValidationException`) stops
    /// the work: that chunk and all later ones are returned unwritten with the error.
    public func batchWriteAll(
        _ tableName: String, requests: [WriteRequest], policy: BatchResubmitPolicy = BatchResubmitPolicy(),
        onThrottle: (@Sendable (BatchThrottleEvent) -> Void)? = nil
    ) async throws -> BatchWriteAllResult {
        var result = BatchWriteAllResult(written: 0, unwritten: [], lastError: nil, throttleEvents: 0, calls: 0, consumedCapacity: 0)
        var chunkStart = 0
        while chunkStart < requests.count {
            let chunkEnd = min(chunkStart + Self.maxBatchWriteItems, requests.count)
            var pending = Array(requests[chunkStart..<chunkEnd])
            chunkStart = chunkEnd
            var resubmission = 0
            while !pending.isEmpty {
                try Task.checkCancellation()
                result.calls += 1
                let submitted = pending.count
                var callError: AWSError?
                do {
                    let answer = try await batchWriteItem(tableName, requests: pending)
                    result.throttleEvents += answer.stats.throttledAttempts
                    result.consumedCapacity += answer.consumedCapacity ?? 0
                    result.written += submitted - answer.unprocessed.count
                    pending = answer.unprocessed
                } catch let error as AWSError where error.isRetryable {
                    // The AWS client already retried this call; resubmit it whole.
                    callError = error
                } catch let error as AWSError {
                    result.lastError = error
                    result.unwritten += pending + requests[chunkStart...]
                    return result
                }
                if pending.isEmpty { break }
                if callError?.isThrottling ?? true { result.throttleEvents += 1 }
                resubmission += 1
                let budgetLeft = resubmission <= policy.maxResubmissions
                let delay = budgetLeft ? policy.delay(beforeResubmission: resubmission, random: client.clock.random()) : nil
                onThrottle?(BatchThrottleEvent(
                    unprocessedCount: pending.count, submittedCount: submitted, error: callError,
                    resubmission: resubmission, delay: delay))
                guard let delay else {
                    result.lastError = callError ?? result.lastError
                    result.unwritten += pending
                    break
                }
                try await client.clock.sleep(delay)
            }
        }
        return result
    }

    // MARK: Query and Scan

    public func query(_ input: QueryInput) async throws -> ItemPage {
        let (json, _) = try await call("Query") { writer in
            writer.field("TableName", input.tableName)
            if let indexName = input.indexName { writer.field("IndexName", indexName) }
            writer.field("KeyConditionExpression", input.keyCondition)
            if let filter = input.filter { writer.field("FilterExpression", filter) }
            if let projection = input.projection { writer.field("ProjectionExpression", projection) }
            Self.writePlaceholders(&writer, names: input.names, values: input.values)
            if let limit = input.limit {
                writer.key("Limit")
                writer.number(limit)
            }
            if input.consistentRead {
                writer.key("ConsistentRead")
                writer.bool(true)
            }
            if !input.scanIndexForward {
                writer.key("ScanIndexForward")
                writer.bool(false)
            }
            if let start = input.exclusiveStartKey {
                writer.key("ExclusiveStartKey")
                writer.item(start)
            }
            if let select = input.select { writer.field("Select", select) }
            writer.field("ReturnConsumedCapacity", "TOTAL")
        }
        return try Self.itemPage(json)
    }

    public func scan(_ input: ScanInput) async throws -> ItemPage {
        let (json, _) = try await call("Scan") { writer in
            writer.field("TableName", input.tableName)
            if let indexName = input.indexName { writer.field("IndexName", indexName) }
            if let filter = input.filter { writer.field("FilterExpression", filter) }
            if let projection = input.projection { writer.field("ProjectionExpression", projection) }
            Self.writePlaceholders(&writer, names: input.names, values: input.values)
            if let limit = input.limit {
                writer.key("Limit")
                writer.number(limit)
            }
            if input.consistentRead {
                writer.key("ConsistentRead")
                writer.bool(true)
            }
            if let start = input.exclusiveStartKey {
                writer.key("ExclusiveStartKey")
                writer.item(start)
            }
            if let segment = input.segment, let totalSegments = input.totalSegments {
                writer.key("Segment")
                writer.number(segment)
                writer.key("TotalSegments")
                writer.number(totalSegments)
            }
            if let select = input.select { writer.field("Select", select) }
            writer.field("ReturnConsumedCapacity", "TOTAL")
        }
        return try Self.itemPage(json)
    }

    /// Calls `body` with each page, following `LastEvaluatedKey` from the input's start.
    public func forEachQueryPage(
        _ input: QueryInput, isolation: isolated (any Actor)? = #isolation, _ body: (ItemPage) async throws -> Void
    ) async throws {
        try await Self.forEachPage(from: input, fetch: query, body)
    }

    /// Every item a query matches, across pages.
    public func queryAll(_ input: QueryInput) async throws -> [Item] {
        var items: [Item] = []
        try await forEachQueryPage(input) { items += $0.items }
        return items
    }

    public func forEachScanPage(
        _ input: ScanInput, isolation: isolated (any Actor)? = #isolation, _ body: (ItemPage) async throws -> Void
    ) async throws {
        try await Self.forEachPage(from: input, fetch: scan, body)
    }

    /// Fetches pages from `input`'s start key on, following `LastEvaluatedKey`.
    static func forEachPage<Input: PagedInput>(
        from input: Input, isolation: isolated (any Actor)? = #isolation,
        fetch: (Input) async throws -> ItemPage, _ body: (ItemPage) async throws -> Void
    ) async throws {
        var input = input
        while true {
            let page = try await fetch(input)
            try await body(page)
            guard let next = page.lastEvaluatedKey else { return }
            input.exclusiveStartKey = next
        }
    }

    public func scanAll(_ input: ScanInput) async throws -> [Item] {
        var items: [Item] = []
        try await forEachScanPage(input) { items += $0.items }
        return items
    }

    /// Scans `totalSegments` segments at once, one task each; `body` gets each page with
    /// its segment number and may be called concurrently from different segments.
    public func parallelScan(
        _ input: ScanInput, totalSegments: Int, _ body: @escaping @Sendable (_ segment: Int, ItemPage) async throws -> Void
    ) async throws {
        guard totalSegments >= 1 else { throw DynamoDBClientError("TotalSegments must be at least 1") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for segment in 0..<totalSegments {
                var segmentInput = input
                segmentInput.segment = segment
                segmentInput.totalSegments = totalSegments
                segmentInput.exclusiveStartKey = nil
                group.addTask {
                    try await forEachScanPage(segmentInput) { page in try await body(segment, page) }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Every item of a parallel scan, segments concatenated in segment order.
    public func parallelScanAll(_ input: ScanInput, totalSegments: Int) async throws -> [Item] {
        try await withThrowingTaskGroup(of: (Int, [Item]).self) { group in
            for segment in 0..<max(totalSegments, 1) {
                var segmentInput = input
                segmentInput.segment = segment
                segmentInput.totalSegments = max(totalSegments, 1)
                segmentInput.exclusiveStartKey = nil
                group.addTask { (segment, try await scanAll(segmentInput)) }
            }
            var bySegment: [Int: [Item]] = [:]
            for try await (segment, items) in group { bySegment[segment] = items }
            return bySegment.keys.sorted().flatMap { bySegment[$0]! }
        }
    }

    // MARK: Encoding helpers

    static func writeKeySchema(_ writer: inout JSONWriter, partitionKey: String, sortKey: String?) {
        writer.beginArray()
        writer.beginObject()
        writer.field("AttributeName", partitionKey)
        writer.field("KeyType", "HASH")
        writer.endObject()
        if let sortKey {
            writer.beginObject()
            writer.field("AttributeName", sortKey)
            writer.field("KeyType", "RANGE")
            writer.endObject()
        }
        writer.endArray()
    }

    static func writeThroughput(_ writer: inout JSONWriter, _ throughput: ProvisionedThroughput) {
        writer.beginObject()
        writer.key("ReadCapacityUnits")
        writer.number(throughput.readCapacityUnits)
        writer.key("WriteCapacityUnits")
        writer.number(throughput.writeCapacityUnits)
        writer.endObject()
    }

    static func writePlaceholders(_ writer: inout JSONWriter, names: [String: String], values: [String: AttributeValue]) {
        // DynamoDB rejects empty maps here, so they are left out.
        if !names.isEmpty {
            writer.key("ExpressionAttributeNames")
            writer.beginObject()
            for (placeholder, name) in names { writer.field(placeholder, name) }
            writer.endObject()
        }
        if !values.isEmpty {
            writer.key("ExpressionAttributeValues")
            writer.item(values)
        }
    }

    static func writeCondition(_ writer: inout JSONWriter, _ condition: Expression?, returnExisting: Bool) {
        guard let condition else { return }
        writer.field("ConditionExpression", condition.text)
        writePlaceholders(&writer, names: condition.names, values: condition.values)
        if returnExisting { writer.field("ReturnValuesOnConditionCheckFailure", "ALL_OLD") }
    }

    static func writeWriteRequest(_ writer: inout JSONWriter, _ request: WriteRequest) {
        writer.beginObject()
        switch request {
        case .put(let item):
            writer.key("PutRequest")
            writer.beginObject()
            writer.key("Item")
            writer.item(item)
        case .delete(let key):
            writer.key("DeleteRequest")
            writer.beginObject()
            writer.key("Key")
            writer.item(key)
        }
        writer.endObject()
        writer.endObject()
    }

    // MARK: Decoding helpers

    static func writeRequest(from json: JSONValue) throws -> WriteRequest {
        if let item = json["PutRequest"]?["Item"] { return .put(try DynamoDBJSON.item(from: item)) }
        if let key = json["DeleteRequest"]?["Key"] { return .delete(key: try DynamoDBJSON.item(from: key)) }
        throw DynamoDBClientError("an unprocessed item is neither PutRequest nor DeleteRequest")
    }

    static func consumedCapacity(_ json: JSONValue) -> Double? {
        if let list = json["ConsumedCapacity"]?.arrayValue {
            return list.compactMap { $0["CapacityUnits"]?.doubleValue }.reduce(0, +)
        }
        return json["ConsumedCapacity"]?["CapacityUnits"]?.doubleValue
    }

    static func itemPage(_ json: JSONValue) throws -> ItemPage {
        let elements = json["Items"]?.arrayValue ?? []
        var items: [Item] = []
        items.reserveCapacity(elements.count)
        for element in elements { items.append(try DynamoDBJSON.item(from: element)) }
        let lastKey = try json["LastEvaluatedKey"].map { try DynamoDBJSON.item(from: $0) }
        return ItemPage(
            items: items, lastEvaluatedKey: lastKey, count: json["Count"]?.intValue ?? items.count,
            scannedCount: json["ScannedCount"]?.intValue ?? items.count, consumedCapacity: consumedCapacity(json))
    }

    static func keySchema(_ json: JSONValue?) -> (String?, String?) {
        var partition: String?, sort: String?
        for element in json?.arrayValue ?? [] {
            switch element["KeyType"]?.stringValue {
            case "HASH": partition = element["AttributeName"]?.stringValue
            case "RANGE": sort = element["AttributeName"]?.stringValue
            default: break
            }
        }
        return (partition, sort)
    }

    static func throughput(_ json: JSONValue?) -> ProvisionedThroughput? {
        guard let read = json?["ReadCapacityUnits"]?.intValue, let write = json?["WriteCapacityUnits"]?.intValue else { return nil }
        return ProvisionedThroughput(readCapacityUnits: read, writeCapacityUnits: write)
    }

    static func tableDescription(_ json: JSONValue?) throws -> TableDescription {
        guard let json, let name = json["TableName"]?.stringValue else {
            throw DynamoDBClientError("the answer has no table description")
        }
        let (partition, sort) = keySchema(json["KeySchema"])
        let tableThroughput = throughput(json["ProvisionedThroughput"])
        // Absent BillingModeSummary means PROVISIONED (tables created before on-demand existed).
        let mode = json["BillingModeSummary"]?["BillingMode"]?.stringValue ?? "PROVISIONED"
        let billing: BillingMode
        if mode == "PAY_PER_REQUEST" {
            billing = .onDemand
        } else {
            billing = .provisioned(tableThroughput ?? ProvisionedThroughput(readCapacityUnits: 0, writeCapacityUnits: 0))
        }
        let indexes = (json["GlobalSecondaryIndexes"]?.arrayValue ?? []).map { index in
            let (indexPartition, indexSort) = keySchema(index["KeySchema"])
            return IndexDescription(
                name: index["IndexName"]?.stringValue ?? "",
                status: ResourceStatus(rawValue: index["IndexStatus"]?.stringValue ?? "ACTIVE"),
                partitionKey: indexPartition, sortKey: indexSort, itemCount: index["ItemCount"]?.intValue,
                provisionedThroughput: throughput(index["ProvisionedThroughput"]),
                isBackfilling: index["Backfilling"]?.boolValue ?? false)
        }
        return TableDescription(
            name: name, arn: json["TableArn"]?.stringValue,
            status: ResourceStatus(rawValue: json["TableStatus"]?.stringValue ?? "ACTIVE"),
            partitionKey: partition, sortKey: sort, itemCount: json["ItemCount"]?.intValue,
            sizeBytes: json["TableSizeBytes"]?.intValue, billingMode: billing, globalSecondaryIndexes: indexes)
    }
}
