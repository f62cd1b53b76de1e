import Foundation

/// One invocation of the worker as a Lambda function: the event's messages, as
/// the queue worker handles them. An SQS trigger's event carries a batch of SQS
/// messages whose bodies are S3 notifications (partial failures are reported per
/// message); an S3 trigger's event is itself one notification.
public struct LambdaInvocation: Sendable {
    /// `Lambda-Runtime-Aws-Request-Id`.
    public var requestID: String
    /// `Lambda-Runtime-Deadline-Ms`: when the function is stopped.
    public var deadline: Date?
    public var messages: [QueuedMessage]
    /// The event came from an SQS trigger: failures are answered per message.
    public var fromQueue: Bool

    private struct Event: Decodable {
        var Records: [Record]?
    }

    private struct Record: Decodable {
        var eventSource: String?
        var messageId: String?
        var receiptHandle: String?
        var body: String?
        var attributes: [String: String]?
    }

    public init(requestID: String, deadline: Date? = nil, event: Data) throws {
        self.requestID = requestID
        self.deadline = deadline
        let decoded: Event
        do {
            decoded = try JSONDecoder().decode(Event.self, from: event)
        } catch {
            throw LambdaEventError("the event is not JSON with Records (an SQS or an S3 event): \(error)")
        }
        let records = decoded.Records ?? []
        if !records.isEmpty, records.allSatisfy({ $0.eventSource == "aws:sqs" }) {
            fromQueue = true
            messages = try records.map { record in
                guard let id = record.messageId, let body = record.body else {
                    throw LambdaEventError("an SQS record without messageId or body")
                }
                return QueuedMessage(
                    id: id, receipt: record.receiptHandle ?? "", body: body,
                    receiveCount: record.attributes?["ApproximateReceiveCount"].flatMap { Int($0) } ?? 1)
            }
        } else {
            // S3 invoked the function: the event is the notification.
            fromQueue = false
            messages = [QueuedMessage(id: requestID, receipt: "", body: String(decoding: event, as: UTF8.self), receiveCount: 1)]
        }
    }

    /// The function's answer once `failed` (message ids) were not handled: for an
    /// SQS trigger the partial batch response (`ReportBatchItemFailures`: those
    /// come back after the queue's visibility timeout, the rest are deleted); for
    /// an S3 trigger nil when something failed, so that the invocation fails and
    /// Lambda retries it.
    public func response(failed: Set<String>) -> Data? {
        if fromQueue {
            let failures = messages.map(\.id).filter(failed.contains).map { ["itemIdentifier": $0] }
            return try? JSONSerialization.data(withJSONObject: ["batchItemFailures": failures], options: [.sortedKeys])
        }
        return failed.isEmpty ? Data("{}".utf8) : nil
    }
}

public struct LambdaEventError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
