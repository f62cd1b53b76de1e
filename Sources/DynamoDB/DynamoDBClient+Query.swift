import AWSCore
import DynamoDBModel
import NIOCore
import NIOHTTP1

extension DynamoDBClient {
    // MARK: Query and Scan

    public func query(_ input: QueryInput) async throws -> ItemPage {
        let (json, _) = try await call(.query) { writer in
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
        let (json, _) = try await call(.scan) { writer in
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
}
