/// What the proxy has seen and done since it started or its stats were last reset.
///
/// Served as JSON at `GET /__proxy/stats` with these property names.
public struct FaultProxyStats: Sendable, Codable, Equatable {
    /// Seconds since start or the last reset.
    public var elapsedSeconds: Double = 0

    // MARK: Traffic
    /// Data-plane requests received (control requests under `/__proxy/` are not counted).
    public var requests = 0
    /// Requests per operation: DynamoDB operation names, and `S3` for everything else.
    public var requestsByOperation: [String: Int] = [:]
    /// Requests passed to the upstream (forward mode).
    public var forwardedRequests = 0
    /// Requests the upstream could not be reached for, answered with 502 or 504.
    public var upstreamFailures = 0

    // MARK: Injected faults
    public var throttledRequests = 0
    /// `BatchWriteItem` requests partly held back by the unprocessed-items fault ...
    public var partialBatches = 0
    /// ... and the write requests held back by it, returned as `UnprocessedItems`.
    public var withheldWriteRequests = 0
    public var internalErrors = 0
    public var serviceUnavailableErrors = 0
    public var delayedRequests = 0
    public var droppedBeforeForward = 0
    public var droppedAfterForward = 0

    // MARK: Write capacity
    /// Writes refused outright because the bucket was empty (single-item writes, and
    /// `BatchWriteItem`s of which nothing fit).
    public var capacityThrottledRequests = 0
    /// Write requests of a `BatchWriteItem` returned as unprocessed because they did not fit.
    public var capacityUnprocessedWriteRequests = 0

    // MARK: Writes
    /// Write requests (`BatchWriteItem`, `PutItem`, `DeleteItem`, `UpdateItem`) that reached
    /// the upstream or the sink.
    public var writeRequests = 0
    /// Items written: puts, deletes and updates the upstream accepted (or the sink acknowledged).
    public var itemsWritten = 0
    /// Write capacity units consumed by admitted writes, whether or not capacity is enforced.
    public var consumedWriteUnits = 0
    /// `consumedWriteUnits` by whole second since start or reset: element 0 is the first second.
    public var consumedWriteUnitsPerSecond: [Int] = []

    // MARK: Sink
    /// Requests refused because of their signature (missing, unknown key, or wrong).
    public var signatureRejections = 0
    /// Requests refused because of their shape (`ValidationException`, `SerializationException`).
    public var validationRejections = 0

    public init() {}

    /// The sum of injected failure faults (not latency).
    public var injectedFailures: Int {
        throttledRequests + partialBatches + internalErrors + serviceUnavailableErrors
            + droppedBeforeForward + droppedAfterForward
    }
}
