import AWSCore
import DynamoDBModel
import NIOCore
import NIOHTTP1

extension DynamoDBClient {
    // MARK: Batches

    /// One `BatchWriteItem` call of at most 25 requests. Unprocessed requests come back
    /// in the result; nothing is resent here.
    public func batchWriteItem(_ tableName: String, requests: [WriteRequest]) async throws -> BatchWriteResult {
        guard !requests.isEmpty else { return BatchWriteResult(unprocessed: [], consumedCapacity: 0, stats: AWSCallStats()) }
        guard requests.count <= Self.maxBatchWriteItems else {
            throw DynamoDBClientError("BatchWriteItem takes at most \(Self.maxBatchWriteItems) requests, got \(requests.count)")
        }
        return try await batchWriteItem(tableName, body: Self.batchWriteBody(tableName, requests: requests))
    }

    /// One `BatchWriteItem` call of at most 25 puts encoded beforehand (the load's
    /// items, encoded as they were mapped). Unprocessed requests come back in the result.
    public func batchWriteItem(_ tableName: String, encodedPuts: [EncodedPutRequest]) async throws -> BatchWriteResult {
        guard !encodedPuts.isEmpty else { return BatchWriteResult(unprocessed: [], consumedCapacity: 0, stats: AWSCallStats()) }
        guard encodedPuts.count <= Self.maxBatchWriteItems else {
            throw DynamoDBClientError("BatchWriteItem takes at most \(Self.maxBatchWriteItems) requests, got \(encodedPuts.count)")
        }
        return try await batchWriteItem(tableName, body: Self.batchWriteBody(tableName, encodedPuts: encodedPuts))
    }

    private func batchWriteItem(_ tableName: String, body: [UInt8]) async throws -> BatchWriteResult {
        let (json, stats) = try await call(.batchWriteItem, body: body)
        return BatchWriteResult(
            unprocessed: try Self.unprocessedRequests(json, tableName: tableName),
            consumedCapacity: Self.consumedCapacity(json), stats: stats)
    }

    // The request body and the answer's decoding live outside the async function: with
    // the throwing loop inline, Swift 6.3.1's optimizer crashes (signal 11 in LLVM's
    // coroutine splitting, emitSetAndGetSwiftErrorValueAround) in release builds.
    static func batchWriteBody(_ tableName: String, requests: [WriteRequest]) -> [UInt8] {
        batchWriteBody(tableName, capacity: 512 * requests.count + 128) { writer in
            for request in requests {
                writeWriteRequest(&writer, request)
            }
        }
    }

    static func batchWriteBody(_ tableName: String, encodedPuts: [EncodedPutRequest]) -> [UInt8] {
        let capacity = encodedPuts.reduce(tableName.utf8.count + 96) { $0 + $1.bytes.count + 1 }
        return batchWriteBody(tableName, capacity: capacity) { writer in
            for put in encodedPuts {
                writer.encoded(put.bytes)
            }
        }
    }

    /// `{"RequestItems":{TABLE:[requests]},"ReturnConsumedCapacity":"TOTAL"}`
    private static func batchWriteBody(_ tableName: String, capacity: Int, requests: (inout JSONWriter) -> Void) -> [UInt8] {
        var writer = JSONWriter(capacity: capacity)
        writer.beginObject()
        writer.key("RequestItems")
        writer.beginObject()
        writer.key(tableName)
        writer.beginArray()
        requests(&writer)
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
}
