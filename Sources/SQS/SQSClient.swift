import AWSCore
import Foundation
import NIOCore

/// A thin SQS client speaking the JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Action>`),
/// which the AWS SDKs send since 2023 and moto_server 5 answers; the queue's URL travels
/// in the body, the request goes to the service endpoint. Signing, retries and typed
/// errors come from `AWSClient`.
public struct SQSClient: Sendable {
    public let client: AWSClient

    /// Every SQS operation this client can send.
    public enum Operation: String, Sendable, CaseIterable {
        case receiveMessage = "ReceiveMessage"
        case deleteMessage = "DeleteMessage"
        case changeMessageVisibility = "ChangeMessageVisibility"
        case getQueueAttributes = "GetQueueAttributes"
        case sendMessage = "SendMessage"
        /// Setting queues up (the tests, the local demo).
        case createQueue = "CreateQueue"
        case getQueueUrl = "GetQueueUrl"

        public var iamAction: String { "sqs:\(rawValue)" }
    }

    /// The longest long poll SQS allows.
    public static let maxWaitSeconds = 20
    /// Most messages one ReceiveMessage returns.
    public static let maxMessagesPerReceive = 10
    /// The longest visibility timeout SQS allows (12 hours).
    public static let maxVisibilitySeconds = 43_200
    /// The longest delay of one message (15 minutes).
    public static let maxDelaySeconds = 900

    public init(client: AWSClient) {
        self.client = client
    }

    // MARK: Messages

    /// Long-polls the queue for up to `waitSeconds` (0...20) and returns up to
    /// `maxMessages` (1...10), each hidden from other receivers for `visibilitySeconds`.
    /// Each message carries its `ApproximateReceiveCount`.
    public func receiveMessages(
        queueURL: String, maxMessages: Int = 1, waitSeconds: Int = maxWaitSeconds, visibilitySeconds: Int
    ) async throws -> [SQSMessage] {
        let wait = min(max(waitSeconds, 0), Self.maxWaitSeconds)
        let request = ReceiveMessageRequest(
            QueueUrl: queueURL, MaxNumberOfMessages: min(max(maxMessages, 1), Self.maxMessagesPerReceive),
            WaitTimeSeconds: wait, VisibilityTimeout: Self.clampVisibility(visibilitySeconds),
            MessageSystemAttributeNames: [SQSMessage.receiveCountAttribute])
        // The call may be held open for the whole wait: its timeout must outlast it.
        let answer: ReceiveMessageResponse = try await call(.receiveMessage, request, timeout: .seconds(wait + 30))
        return try (answer.Messages ?? []).map { wire in
            guard let id = wire.MessageId, let receipt = wire.ReceiptHandle else {
                throw SQSClientError("ReceiveMessage answered a message without MessageId or ReceiptHandle")
            }
            return SQSMessage(
                messageID: id, receiptHandle: receipt, body: wire.Body ?? "",
                receiveCount: wire.Attributes?[SQSMessage.receiveCountAttribute].flatMap { Int($0) } ?? 1)
        }
    }

    /// Deletes a received message: it was handled and must not come back.
    public func deleteMessage(queueURL: String, receiptHandle: String) async throws {
        let _: Empty = try await call(.deleteMessage, DeleteMessageRequest(QueueUrl: queueURL, ReceiptHandle: receiptHandle))
    }

    /// Hides a received message for `seconds` more from now (0: visible again at once).
    public func changeVisibility(queueURL: String, receiptHandle: String, seconds: Int) async throws {
        let _: Empty = try await call(
            .changeMessageVisibility,
            ChangeVisibilityRequest(QueueUrl: queueURL, ReceiptHandle: receiptHandle, VisibilityTimeout: Self.clampVisibility(seconds)))
    }

    /// Sends a message, delivered after `delaySeconds` (0...900). Returns its id.
    @discardableResult
    public func sendMessage(queueURL: String, body: String, delaySeconds: Int = 0) async throws -> String {
        let answer: SendMessageResponse = try await call(
            .sendMessage,
            SendMessageRequest(QueueUrl: queueURL, MessageBody: body, DelaySeconds: min(max(delaySeconds, 0), Self.maxDelaySeconds)))
        guard let id = answer.MessageId else { throw SQSClientError("SendMessage answered no MessageId") }
        return id
    }

    // MARK: Queues

    /// The queue's attributes (`All` by default): `QueueArn`, `VisibilityTimeout`,
    /// `RedrivePolicy`, `ApproximateNumberOfMessages`, ...
    public func queueAttributes(queueURL: String, names: [String] = ["All"]) async throws -> [String: String] {
        let answer: AttributesResponse = try await call(.getQueueAttributes, GetAttributesRequest(QueueUrl: queueURL, AttributeNames: names))
        return answer.Attributes ?? [:]
    }

    /// Creates the queue (or returns the URL of an identical one) with `attributes`
    /// (`VisibilityTimeout`, `RedrivePolicy` as `SQSRedrivePolicy.attributeValue`, ...).
    public func createQueue(name: String, attributes: [String: String] = [:]) async throws -> String {
        let answer: QueueURLResponse = try await call(
            .createQueue, CreateQueueRequest(QueueName: name, Attributes: attributes.isEmpty ? nil : attributes))
        guard let url = answer.QueueUrl else { throw SQSClientError("CreateQueue answered no QueueUrl") }
        return url
    }

    public func queueURL(name: String) async throws -> String {
        let answer: QueueURLResponse = try await call(.getQueueUrl, GetQueueURLRequest(QueueName: name))
        guard let url = answer.QueueUrl else { throw SQSClientError("GetQueueUrl answered no QueueUrl") }
        return url
    }

    // MARK: Wire

    static func clampVisibility(_ seconds: Int) -> Int { min(max(seconds, 0), maxVisibilitySeconds) }

    private func call<Request: Encodable, Response: Decodable>(
        _ operation: Operation, _ body: Request, timeout: Duration? = nil
    ) async throws -> Response {
        let request = AWSRequest(
            service: .sqs, operation: operation.rawValue, method: .POST, path: "/",
            headers: [
                "X-Amz-Target": "AmazonSQS.\(operation.rawValue)",
                "Content-Type": "application/x-amz-json-1.0",
            ],
            body: ByteBuffer(bytes: try JSONEncoder().encode(body)),
            timeout: timeout)
        let response = try await client.execute(request)
        let bytes = Data(response.body.readableBytesView)
        do {
            return try JSONDecoder().decode(Response.self, from: bytes.isEmpty ? Data("{}".utf8) : bytes)
        } catch {
            throw SQSClientError("\(operation.rawValue) answered with unreadable JSON: \(error)")
        }
    }

    private struct Empty: Decodable {}

    private struct ReceiveMessageRequest: Encodable {
        var QueueUrl: String
        var MaxNumberOfMessages: Int
        var WaitTimeSeconds: Int
        var VisibilityTimeout: Int
        var MessageSystemAttributeNames: [String]
    }
    private struct ReceiveMessageResponse: Decodable {
        struct Message: Decodable {
            var MessageId: String?
            var ReceiptHandle: String?
            var Body: String?
            var Attributes: [String: String]?
        }
        var Messages: [Message]?
    }
    private struct DeleteMessageRequest: Encodable {
        var QueueUrl: String
        var ReceiptHandle: String
    }
    private struct ChangeVisibilityRequest: Encodable {
        var QueueUrl: String
        var ReceiptHandle: String
        var VisibilityTimeout: Int
    }
    private struct SendMessageRequest: Encodable {
        var QueueUrl: String
        var MessageBody: String
        var DelaySeconds: Int
    }
    private struct SendMessageResponse: Decodable {
        var MessageId: String?
    }
    private struct GetAttributesRequest: Encodable {
        var QueueUrl: String
        var AttributeNames: [String]
    }
    private struct AttributesResponse: Decodable {
        var Attributes: [String: String]?
    }
    private struct CreateQueueRequest: Encodable {
        var QueueName: String
        var Attributes: [String: String]?
    }
    private struct GetQueueURLRequest: Encodable {
        var QueueName: String
    }
    private struct QueueURLResponse: Decodable {
        var QueueUrl: String?
    }
}

/// A received message.
public struct SQSMessage: Sendable, Hashable {
    static let receiveCountAttribute = "ApproximateReceiveCount"

    public var messageID: String
    /// What deletes it or changes its visibility; valid for this receive only.
    public var receiptHandle: String
    public var body: String
    /// How many times it has been received, this time included.
    public var receiveCount: Int

    public init(messageID: String, receiptHandle: String, body: String, receiveCount: Int) {
        self.messageID = messageID
        self.receiptHandle = receiptHandle
        self.body = body
        self.receiveCount = receiveCount
    }
}

/// A queue's redrive policy: after `maxReceiveCount` receives a message moves to the dead-letter queue.
public struct SQSRedrivePolicy: Sendable, Hashable, Codable {
    public var deadLetterTargetArn: String
    public var maxReceiveCount: Int

    public init(deadLetterTargetArn: String, maxReceiveCount: Int) {
        self.deadLetterTargetArn = deadLetterTargetArn
        self.maxReceiveCount = maxReceiveCount
    }

    /// The `RedrivePolicy` attribute: JSON in a string.
    public var attributeValue: String {
        #"{"deadLetterTargetArn":"\#(deadLetterTargetArn)","maxReceiveCount":"\#(maxReceiveCount)"}"#
    }

    /// Reads the attribute; `maxReceiveCount` comes as a string or a number.
    public init?(attributeValue: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(attributeValue.utf8)) as? [String: Any],
            let arn = object["deadLetterTargetArn"] as? String
        else { return nil }
        let count = (object["maxReceiveCount"] as? Int) ?? (object["maxReceiveCount"] as? String).flatMap { Int($0) }
        guard let count else { return nil }
        self.init(deadLetterTargetArn: arn, maxReceiveCount: count)
    }
}

public struct SQSClientError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
