import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Decides what happens to each request: control calls, the sink's checks, fault draws, the
/// write budget, then forwarding or the sink's answer. Connection handling lives in
/// `ProxyHTTPHandler`; this type knows nothing about sockets.
final class ProxyEngine: Sendable {
    let configuration: FaultProxyConfiguration
    private let faults: FaultConfiguration
    /// All shared mutable state, behind one lock: the critical sections are a few counter
    /// updates and draws, far shorter than the I/O around them.
    private let state: NIOLockedValueBox<ProxyState>
    private let forwarder: UpstreamForwarder?
    private let resigner: RequestResigner?
    /// The sink's or the store's checks and tables.
    private let sink: SinkConfiguration?
    /// The store mode's items; nil in the other modes. A lock of its own, so that a long
    /// Scan page does not hold up the counters.
    private let store: NIOLockedValueBox<ItemStore>?

    init(configuration: FaultProxyConfiguration, eventLoopGroup: any EventLoopGroup) {
        self.configuration = configuration
        self.faults = configuration.faults
        let now = Self.now()
        var initial = ProxyState(configuration: configuration, nowNanoseconds: now)
        switch configuration.mode {
        case .forward(let forward):
            // validate() has checked the URL already.
            let upstream = UpstreamURL(forward.upstream) ?? UpstreamURL("http://127.0.0.1")!
            forwarder = UpstreamForwarder(configuration: forward, upstream: upstream, eventLoopGroup: eventLoopGroup)
            resigner = forward.resigningCredentials.map { RequestResigner(credentials: $0) }
            sink = nil
        case .sink(let sinkConfiguration), .store(let sinkConfiguration):
            forwarder = nil
            resigner = nil
            sink = sinkConfiguration
            for name in sinkConfiguration.tables {
                initial.tables.add(SinkTables.contractTable(named: name, creationTime: Self.wallClockSeconds()))
            }
        }
        if case .store = configuration.mode {
            var items = ItemStore()
            for table in initial.tables.tables.values {
                // The contract table's schema is well-formed.
                try? items.createTable(table)
            }
            store = NIOLockedValueBox(items)
        } else {
            store = nil
        }
        state = NIOLockedValueBox(initial)
    }

    func shutdown() async throws {
        try await forwarder?.shutdown()
    }

    static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    static func wallClockSeconds() -> Double {
        Date().timeIntervalSince1970
    }

    // MARK: Stats

    var stats: FaultProxyStats {
        let now = Self.now()
        return state.withLockedValue { $0.snapshot(nowNanoseconds: now) }
    }

    /// Zeroes the counters and returns what they were.
    @discardableResult
    func resetStats() -> FaultProxyStats {
        let now = Self.now()
        return state.withLockedValue { state in
            let before = state.snapshot(nowNanoseconds: now)
            state.resetStats(nowNanoseconds: now)
            return before
        }
    }

    // MARK: Handling a request

    /// One request on its way through the proxy.
    private struct Exchange: Sendable {
        var request: ProxyRequest
        var service: ServiceRequest
        var requestID: String
        var write: WriteScan?
        var draw = FaultDraw()
    }

    /// The write a request carries, as far as capacity and faults care.
    private enum WriteScan: Sendable {
        case batch(BatchWriteScan)
        case single(SingleItemScan, DynamoDBOperation)
    }

    func handle(_ request: ProxyRequest, on eventLoop: any EventLoop) -> EventLoopFuture<ProxyOutcome> {
        if request.head.uri.hasPrefix(ControlEndpoint.prefix) {
            return eventLoop.makeSucceededFuture(.respond(control(request)))
        }
        let service = ServiceRequest(headers: request.head.headers)
        let serial = state.withLockedValue { $0.recordRequest(service) }
        var exchange = Exchange(request: request, service: service, requestID: "FAULTPROXY\(serial)")

        if let rejection = scanAndCheck(&exchange) {
            return eventLoop.makeSucceededFuture(.respond(rejection))
        }

        if faults.applies(to: service) {
            let faults = self.faults
            exchange.draw = state.withLockedValue { state in
                let draw = state.draw(faults)
                if draw.delay != nil { state.stats.delayedRequests += 1 }
                return draw
            }
        }
        if let delay = exchange.draw.delay {
            let ready = exchange
            return eventLoop.scheduleTask(in: delay) {}.futureResult.flatMap {
                self.proceed(ready, on: eventLoop)
            }
        }
        return proceed(exchange, on: eventLoop)
    }

    /// Reads the write a request carries and, in sink mode, checks its signature and shape;
    /// returns the answer when the request is refused.
    private func scanAndCheck(_ exchange: inout Exchange) -> ProxyResponse? {
        let requestID = exchange.requestID
        if let verifier = sink?.signatureVerifier {
            let verdict = verifier.verify(head: exchange.request.head, body: exchange.request.body)
            if verdict != .valid {
                state.withLockedValue { $0.stats.signatureRejections += 1 }
                return Self.signatureRejection(verdict, requestID: requestID)
            }
        }
        guard case .dynamoDB(let operation) = exchange.service else { return nil }
        do {
            switch operation {
            case .batchWriteItem:
                let scan = try exchange.request.body.withUnsafeReadableBytes { try BatchWriteScan($0) }
                exchange.write = .batch(scan)
                // The store checks keys against each table's own schema.
                if sink != nil, store == nil, let violation = scan.shapeViolation() {
                    throw DynamoDBShapeError(message: violation)
                }
            case .putItem, .deleteItem, .updateItem:
                let member: SingleItemScan.ItemMember = operation == .putItem ? .item : .key
                let scan = try exchange.request.body.withUnsafeReadableBytes { try SingleItemScan($0, itemMember: member) }
                exchange.write = .single(scan, operation)
                if sink != nil, store == nil, let violation = scan.shapeViolation(for: operation) {
                    throw DynamoDBShapeError(message: violation)
                }
            default:
                return nil
            }
        } catch {
            // Forwarding: a body the proxy cannot read goes upstream untouched, to be judged
            // there. The sink judges it itself.
            exchange.write = nil
            guard sink != nil else { return nil }
            state.withLockedValue { $0.stats.validationRejections += 1 }
            if let shape = error as? DynamoDBShapeError {
                return ServiceResponses.dynamoDBError(.badRequest, type: "ValidationException", namespace: "com.amazon.coral.validate#", message: shape.message, requestID: requestID)
            }
            return ServiceResponses.dynamoDBError(.badRequest, type: "SerializationException", namespace: "com.amazon.coral.service#", message: "\(error)", requestID: requestID)
        }
        return nil
    }

    private static func signatureRejection(_ verdict: SignatureVerdict, requestID: String) -> ProxyResponse {
        switch verdict {
        case .valid, .invalidSignature:
            var message = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
            if case .invalidSignature(let detail) = verdict, !detail.isEmpty { message += " (\(detail))" }
            return ServiceResponses.dynamoDBError(.forbidden, type: "InvalidSignatureException", namespace: "com.amazon.coral.service#", message: message, requestID: requestID)
        case .unknownAccessKey:
            return ServiceResponses.dynamoDBError(.badRequest, type: "UnrecognizedClientException", namespace: "com.amazon.coral.service#", message: "The security token included in the request is invalid.", requestID: requestID)
        case .missingAuthentication:
            return ServiceResponses.dynamoDBError(.badRequest, type: "MissingAuthenticationTokenException", namespace: "com.amazon.coral.service#", message: "Request is missing Authentication Token", requestID: requestID)
        }
    }

    // MARK: Faults, capacity, dispatch

    private func proceed(_ exchange: Exchange, on eventLoop: any EventLoop) -> EventLoopFuture<ProxyOutcome> {
        let requestID = exchange.requestID
        switch exchange.draw.failure {
        case .dropBeforeForward:
            state.withLockedValue { $0.stats.droppedBeforeForward += 1 }
            return eventLoop.makeSucceededFuture(.dropConnection)
        case .throttle:
            state.withLockedValue { $0.stats.throttledRequests += 1 }
            return eventLoop.makeSucceededFuture(.respond(ServiceResponses.throttled(exchange.service, requestID: requestID)))
        case .internalError:
            state.withLockedValue { $0.stats.internalErrors += 1 }
            return eventLoop.makeSucceededFuture(.respond(ServiceResponses.internalError(exchange.service, requestID: requestID)))
        case .serviceUnavailable:
            state.withLockedValue { $0.stats.serviceUnavailableErrors += 1 }
            return eventLoop.makeSucceededFuture(.respond(ServiceResponses.serviceUnavailable(exchange.service, requestID: requestID)))
        case .unprocessedItems, .dropAfterForward, nil:
            break
        }

        var keep: [Bool]?
        switch exchange.write {
        case .batch(let scan):
            guard let admitted = admitBatch(scan, draw: exchange.draw) else {
                return eventLoop.makeSucceededFuture(.respond(ServiceResponses.throttled(exchange.service, requestID: requestID)))
            }
            keep = admitted
        case .single(let scan, let operation):
            guard admitSingle(units: scan.writeUnits(for: operation)) else {
                return eventLoop.makeSucceededFuture(.respond(ServiceResponses.throttled(exchange.service, requestID: requestID)))
            }
        case nil:
            break
        }

        let dropAfter = exchange.draw.failure == .dropAfterForward
        if let forwarder {
            return forward(exchange, keep: keep, through: forwarder, on: eventLoop).map { response in
                guard dropAfter else { return .respond(response) }
                self.state.withLockedValue { $0.stats.droppedAfterForward += 1 }
                return .dropConnection
            }
        }
        let response = sinkAnswer(exchange, keep: keep)
        if dropAfter {
            state.withLockedValue { $0.stats.droppedAfterForward += 1 }
            return eventLoop.makeSucceededFuture(.dropConnection)
        }
        return eventLoop.makeSucceededFuture(.respond(response))
    }

    /// Which write requests of a batch go through: all but those the unprocessed-items fault
    /// holds back and those the write budget cannot pay for. Nil when none can be paid for:
    /// then the whole call is throttled, as DynamoDB does.
    private func admitBatch(_ scan: BatchWriteScan, draw: FaultDraw) -> [Bool]? {
        let count = scan.requestCount
        let now = Self.now()
        return state.withLockedValue { state -> [Bool]? in
            var keep = Array(repeating: true, count: count)
            if draw.failure == .unprocessedItems, let withheld = state.chooseWithheld(count: count) {
                var withheldCount = 0
                for position in 0..<count where withheld[position] {
                    keep[position] = false
                    withheldCount += 1
                }
                state.stats.partialBatches += 1
                state.stats.withheldWriteRequests += withheldCount
            }
            var units = 0
            var refused = 0
            var admitted = 0
            state.bucket?.refill(nowNanoseconds: now)
            scan.forEachRequest { position, _, request in
                guard keep[position] else { return }
                if state.bucket?.take(request.writeUnits) == false {
                    keep[position] = false
                    refused += 1
                } else {
                    units += request.writeUnits
                    admitted += 1
                }
            }
            if admitted == 0, refused > 0 {
                state.stats.capacityThrottledRequests += 1
                return nil
            }
            state.stats.capacityUnprocessedWriteRequests += refused
            state.consume(writeUnits: units, nowNanoseconds: now)
            return keep
        }
    }

    private func admitSingle(units: Int) -> Bool {
        let now = Self.now()
        return state.withLockedValue { state in
            state.bucket?.refill(nowNanoseconds: now)
            if state.bucket?.take(units) == false {
                state.stats.capacityThrottledRequests += 1
                return false
            }
            state.consume(writeUnits: units, nowNanoseconds: now)
            return true
        }
    }

    // MARK: Forward mode

    private func forward(
        _ exchange: Exchange,
        keep: [Bool]?,
        through forwarder: UpstreamForwarder,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<ProxyResponse> {
        var body = exchange.request.body
        var batch: BatchWriteScan?
        var replacementHeaders: HTTPHeaders?
        if case .batch(let scan) = exchange.write, let keep {
            batch = scan
            if keep.contains(false) {
                var rewritten = ByteBuffer()
                rewritten.reserveCapacity(exchange.request.body.readableBytes)
                exchange.request.body.withUnsafeReadableBytes { bytes in
                    scan.renderRequest(from: bytes, keeping: keep, into: &rewritten)
                }
                body = rewritten
                replacementHeaders = resigner?.resign(exchange.request.head, body: rewritten)
            }
        }
        let isWrite = exchange.write != nil
        let batchScan = batch
        state.withLockedValue { state in
            state.stats.forwardedRequests += 1
            if isWrite { state.stats.writeRequests += 1 }
        }
        return forwarder.forward(exchange.request, body: body, replacingHeaders: replacementHeaders, on: eventLoop).map { response in
            guard let batch = batchScan, let keep else {
                if isWrite, (200..<300).contains(response.status.code) {
                    self.state.withLockedValue { $0.stats.itemsWritten += 1 }
                }
                return response
            }
            return self.completeBatch(exchange, scan: batch, keep: keep, upstream: response)
        }.recover { error in
            self.state.withLockedValue { $0.stats.upstreamFailures += 1 }
            let timedOut: Bool
            if let clientError = error as? HTTPClientError {
                timedOut = clientError == .deadlineExceeded || clientError == .readTimeout || clientError == .connectTimeout
            } else {
                timedOut = false
            }
            return ServiceResponses.plain(
                timedOut ? .gatewayTimeout : .badGateway,
                "billmig-fault-proxy: the upstream did not answer: \(error)")
        }
    }

    /// Counts what the upstream wrote of a batch and adds the requests the proxy held back to
    /// its `UnprocessedItems`.
    private func completeBatch(_ exchange: Exchange, scan: BatchWriteScan, keep: [Bool], upstream: ProxyResponse) -> ProxyResponse {
        guard upstream.status == .ok else { return upstream }
        let forwarded = keep.reduce(0) { $0 + ($1 ? 1 : 0) }
        let withheldAny = forwarded < keep.count
        do {
            let merged: (body: ByteBuffer?, upstreamUnprocessed: Int) = try upstream.body.withUnsafeReadableBytes { responseBytes in
                let responseScan = try BatchWriteResponseScan(responseBytes, allocator: ByteBufferAllocator())
                guard withheldAny else { return (nil, responseScan.unprocessedCount) }
                var body = ByteBuffer()
                body.writeStaticString("{")
                for member in responseScan.otherMembers {
                    body.writeBytes(of: responseBytes, range: member)
                    body.writeStaticString(",")
                }
                body.writeStaticString("\"UnprocessedItems\":")
                exchange.request.body.withUnsafeReadableBytes { requestBytes in
                    scan.renderRequestItems(
                        from: requestBytes, selecting: keep.map { !$0 }, into: &body, appending: responseScan.unprocessed)
                }
                body.writeStaticString("}")
                return (body, responseScan.unprocessedCount)
            }
            state.withLockedValue { $0.stats.itemsWritten += forwarded - merged.upstreamUnprocessed }
            guard let body = merged.body else { return upstream }
            var response = upstream
            response.body = body
            response.headers.replaceOrAdd(name: "x-amz-crc32", value: String(CRC32.checksum(body.readableBytesView)))
            return response
        } catch {
            // The held-back requests cannot be reported: fail the call so the client resends all.
            guard withheldAny else { return upstream }
            return ServiceResponses.dynamoDBError(
                .internalServerError, type: "InternalServerError",
                message: "billmig-fault-proxy could not read the upstream's BatchWriteItem answer: \(error)",
                requestID: exchange.requestID)
        }
    }

    // MARK: Sink mode

    private static let emptyUnprocessed = #"{"UnprocessedItems":{}}"#
    private static let emptyQuery = #"{"Count":0,"Items":[],"ScannedCount":0}"#

    private func sinkAnswer(_ exchange: Exchange, keep: [Bool]?) -> ProxyResponse {
        let requestID = exchange.requestID
        let operation: DynamoDBOperation
        switch exchange.service {
        case .dynamoDB(let named):
            operation = named
        case .dynamoDBStreams(let named):
            guard let store else {
                return ServiceResponses.dynamoDBError(
                    .badRequest, type: "ValidationException",
                    message: "billmig-fault-proxy's sink keeps no stream records: run it with --store", requestID: requestID)
            }
            switch storeCall(exchange, { bytes in try store.withLockedValue { try $0.streamsCall(named, bytes) } }) {
            case .success(let answer): return Self.response(answer, requestID: requestID)
            case .failure(let response): return response
            }
        case .s3:
            // S3 through the sink: acknowledged and forgotten, like the writes.
            var headers = HTTPHeaders()
            headers.add(name: "x-amz-request-id", value: requestID)
            return ProxyResponse(status: .ok, headers: headers, body: ByteBuffer())
        }
        switch exchange.write {
        case .batch(let scan):
            let keep = keep ?? Array(repeating: true, count: scan.requestCount)
            let forwarded = keep.reduce(0) { $0 + ($1 ? 1 : 0) }
            if let store, let refusal = storeBatch(scan, keep: keep, in: store, exchange) {
                return refusal
            }
            state.withLockedValue { state in
                state.stats.writeRequests += 1
                state.stats.itemsWritten += forwarded
            }
            guard forwarded < keep.count else {
                return ServiceResponses.dynamoDB(json: Self.emptyUnprocessed, requestID: requestID)
            }
            var body = ByteBuffer()
            body.writeStaticString("{\"UnprocessedItems\":")
            exchange.request.body.withUnsafeReadableBytes { bytes in
                scan.renderRequestItems(from: bytes, selecting: keep.map { !$0 }, into: &body)
            }
            body.writeStaticString("}")
            return ServiceResponses.dynamoDB(body: body, requestID: requestID)
        case .single(_, let operation):
            var answer = StoreAnswer.ok(ByteBuffer(string: "{}"))
            if let store {
                let written = storeCall(exchange) { bytes in
                    try store.withLockedValue { items in
                        switch operation {
                        case .putItem: try items.writeItem(bytes, isPut: true)
                        case .deleteItem: try items.writeItem(bytes, isPut: false)
                        default: Self.unsupported(operation)
                        }
                    }
                }
                guard case .success(let storeAnswer) = written else { return written.failureResponse! }
                answer = storeAnswer
            }
            state.withLockedValue { state in
                state.stats.writeRequests += 1
                if case .ok = answer { state.stats.itemsWritten += 1 }
            }
            return Self.response(answer, requestID: requestID)
        case nil:
            break
        }
        do {
            let answer: SinkTables.Answer? = try exchange.request.body.withUnsafeReadableBytes { bytes in
                try state.withLockedValue { state -> SinkTables.Answer? in
                    switch operation {
                    case .createTable: try state.tables.createTable(bytes, now: Self.wallClockSeconds())
                    case .describeTable: try state.tables.describeTable(bytes)
                    case .deleteTable: try state.tables.deleteTable(bytes)
                    case .updateTable: try state.tables.updateTable(bytes, now: Self.wallClockSeconds())
                    case .listTables: state.tables.listTables()
                    case .updateTimeToLive: try state.tables.updateTimeToLive(bytes)
                    case .describeTimeToLive: try state.tables.describeTimeToLive(bytes)
                    default: nil
                    }
                }
            }
            switch answer {
            case .ok(let body):
                if let store { try keepStoreTables(in: store, after: operation, exchange.request.body) }
                return ServiceResponses.dynamoDB(body: body, requestID: requestID)
            case .error(let type, let message):
                return ServiceResponses.dynamoDBError(.badRequest, type: type, message: message, requestID: requestID)
            case nil:
                break
            }
            if let store {
                let read = storeCall(exchange) { bytes in
                    try store.withLockedValue { items in
                        switch operation {
                        case .getItem: try items.getItem(bytes)
                        case .batchGetItem: try items.batchGetItem(bytes)
                        case .query: try items.query(bytes)
                        case .scan: try items.scan(bytes)
                        case .transactWriteItems: try items.transactWriteItems(bytes)
                        default: Self.unsupported(operation)
                        }
                    }
                }
                switch read {
                case .success(let answer): return Self.response(answer, requestID: requestID)
                case .failure(let response): return response
                }
            }
            switch operation {
            case .query, .scan:
                return ServiceResponses.dynamoDB(json: Self.emptyQuery, requestID: requestID)
            case .batchGetItem:
                return ServiceResponses.dynamoDB(body: try Self.emptyBatchGet(exchange.request.body), requestID: requestID)
            default:
                // GetItem (no Item: not found), TransactWriteItems and anything else: an empty
                // success, which is what "nothing stored" looks like.
                return ServiceResponses.dynamoDB(json: "{}", requestID: requestID)
            }
        } catch {
            state.withLockedValue { $0.stats.validationRejections += 1 }
            return ServiceResponses.dynamoDBError(.badRequest, type: "SerializationException", namespace: "com.amazon.coral.service#", message: "\(error)", requestID: requestID)
        }
    }

    // MARK: Store mode

    /// A store call's answer, or the response refusing its request.
    private enum StoreOutcome {
        case success(StoreAnswer)
        case failure(ProxyResponse)

        var failureResponse: ProxyResponse? {
            if case .failure(let response) = self { return response }
            return nil
        }
    }

    /// Runs a store call on the request body; a request the store cannot read is refused
    /// and counted as the sink counts its refusals.
    private func storeCall(_ exchange: Exchange, _ call: (UnsafeRawBufferPointer) throws -> StoreAnswer) -> StoreOutcome {
        do {
            return .success(try exchange.request.body.withUnsafeReadableBytes { try call($0) })
        } catch {
            state.withLockedValue { $0.stats.validationRejections += 1 }
            let message = (error as? DynamoDBShapeError)?.message ?? (error as? StoreExpressionParser.Failure)?.description
            if let message {
                return .failure(ServiceResponses.dynamoDBError(.badRequest, type: "ValidationException", namespace: "com.amazon.coral.validate#", message: message, requestID: exchange.requestID))
            }
            return .failure(ServiceResponses.dynamoDBError(.badRequest, type: "SerializationException", namespace: "com.amazon.coral.service#", message: "\(error)", requestID: exchange.requestID))
        }
    }

    /// Writes the admitted requests of a batch into the store; the refusal when the store
    /// rejects the batch (then nothing of it is written).
    private func storeBatch(_ scan: BatchWriteScan, keep: [Bool], in store: NIOLockedValueBox<ItemStore>, _ exchange: Exchange) -> ProxyResponse? {
        let count = scan.requestCount
        if count == 0 || count > DynamoDBSizing.maximumBatchWriteRequests {
            state.withLockedValue { $0.stats.validationRejections += 1 }
            return ServiceResponses.dynamoDBError(.badRequest, type: "ValidationException", namespace: "com.amazon.coral.validate#", message: "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Member must have between 1 and 25 write requests in total (got \(count))", requestID: exchange.requestID)
        }
        var requests: [ItemStore.BatchRequest] = []
        requests.reserveCapacity(count)
        scan.forEachRequest { position, table, request in
            if keep[position] { requests.append(ItemStore.BatchRequest(table: table.name, element: request.range)) }
        }
        let outcome = storeCall(exchange) { bytes in
            try store.withLockedValue { try $0.batchWrite(bytes, requests: requests) } ?? .ok(ByteBuffer())
        }
        switch outcome {
        case .success(.ok): return nil
        case .success(let answer): return Self.response(answer, requestID: exchange.requestID)
        case .failure(let response): return response
        }
    }

    /// Creates or drops the store's table, and its stream, after `SinkTables` created,
    /// updated or deleted it.
    private func keepStoreTables(in store: NIOLockedValueBox<ItemStore>, after operation: DynamoDBOperation, _ body: ByteBuffer) throws {
        let name = try body.withUnsafeReadableBytes { try SinkTables.tableName($0) }
        switch operation {
        case .createTable:
            guard let table = state.withLockedValue({ $0.tables.tables[name] }) else { return }
            try store.withLockedValue { items in
                try items.createTable(table)
                items.keepStream(of: name, as: table.stream)
            }
        case .updateTable:
            guard let table = state.withLockedValue({ $0.tables.tables[name] }) else { return }
            store.withLockedValue { $0.keepStream(of: name, as: table.stream) }
        case .deleteTable:
            store.withLockedValue { $0.deleteTable(named: name) }
        default:
            break
        }
    }

    private static func unsupported(_ operation: DynamoDBOperation) -> StoreAnswer {
        .error(type: "ValidationException", message: "billmig-fault-proxy's store does not support \(operation.name)")
    }

    private static func response(_ answer: StoreAnswer, requestID: String) -> ProxyResponse {
        switch answer {
        case .ok(let body):
            return ServiceResponses.dynamoDB(body: body, requestID: requestID)
        case .error(let type, let message, nil):
            return ServiceResponses.dynamoDBError(.badRequest, type: type, message: message, requestID: requestID)
        case .error(let type, let message, let members?):
            // The item a condition failed on (ReturnValuesOnConditionCheckFailure=ALL_OLD), a
            // transaction's cancellation reasons: beside the error.
            var body = ByteBuffer()
            body.writeStaticString("{\"__type\":")
            body.writeJSONString(ServiceResponses.dynamoDBErrorPrefix + type)
            body.writeStaticString(",\"message\":")
            body.writeJSONString(message)
            body.writeStaticString(",")
            body.writeBytes(members)
            body.writeStaticString("}")
            return ServiceResponses.dynamoDB(.badRequest, body: body, requestID: requestID)
        }
    }

    /// `{"Responses":{"T":[]},"UnprocessedKeys":{}}` for the tables a `BatchGetItem` names.
    private static func emptyBatchGet(_ body: ByteBuffer) throws -> ByteBuffer {
        try body.withUnsafeReadableBytes { bytes in
            var cursor = JSONCursor(bytes)
            var members = try cursor.beginObject()
            var answer = ByteBuffer()
            answer.writeStaticString("{\"Responses\":{")
            while let key = try cursor.nextKey(&members) {
                guard cursor.token(key, equals: "RequestItems") else {
                    try cursor.skipValue()
                    continue
                }
                var tables = try cursor.beginObject()
                var first = true
                while let table = try cursor.nextKey(&tables) {
                    try cursor.skipValue()
                    if !first { answer.writeStaticString(",") }
                    first = false
                    answer.writeBytes(of: bytes, range: table.quoted)
                    answer.writeStaticString(":[]")
                }
            }
            answer.writeStaticString("},\"UnprocessedKeys\":{}}")
            return answer
        }
    }
}
