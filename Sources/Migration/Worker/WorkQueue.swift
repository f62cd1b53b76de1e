import SQS

/// A received message as the worker sees it.
public struct QueuedMessage: Sendable, Hashable {
    public var id: String
    /// Valid for this receive only.
    public var receipt: String
    public var body: String
    /// How many times the queue has delivered it, this time included.
    public var receiveCount: Int

    public init(id: String, receipt: String, body: String, receiveCount: Int) {
        self.id = id
        self.receipt = receipt
        self.body = body
        self.receiveCount = receiveCount
    }
}

/// The seam between the worker and its queue: SQS in production, a double in tests.
public protocol WorkQueue: Sendable {
    /// Waits up to `wait` for at most one message, hidden from others for `visibility`.
    func receive(wait: Duration, visibility: Duration) async throws -> QueuedMessage?
    /// Handled: it must not come back.
    func delete(_ message: QueuedMessage) async throws
    /// Hidden for `duration` more from now; zero makes it visible again at once.
    func setVisibility(_ message: QueuedMessage, _ duration: Duration) async throws
    /// Puts a copy of `message` back, delivered after `delay`, as a new message
    /// (receive count 1): waiting is not a failure, so it must not count towards
    /// the queue's dead-letter limit.
    func sendAgain(_ message: QueuedMessage, after delay: Duration) async throws
}

/// An SQS queue by URL.
public struct SQSWorkQueue: WorkQueue {
    public let sqs: SQSClient
    public let url: String

    public init(sqs: SQSClient, url: String) {
        self.sqs = sqs
        self.url = url
    }

    public func receive(wait: Duration, visibility: Duration) async throws -> QueuedMessage? {
        try await sqs.receiveMessages(
            queueURL: url, maxMessages: 1, waitSeconds: Int(wait.components.seconds), visibilitySeconds: Self.seconds(visibility)
        ).first.map { QueuedMessage(id: $0.messageID, receipt: $0.receiptHandle, body: $0.body, receiveCount: $0.receiveCount) }
    }

    public func delete(_ message: QueuedMessage) async throws {
        try await sqs.deleteMessage(queueURL: url, receiptHandle: message.receipt)
    }

    public func setVisibility(_ message: QueuedMessage, _ duration: Duration) async throws {
        try await sqs.changeVisibility(queueURL: url, receiptHandle: message.receipt, seconds: Self.seconds(duration))
    }

    public func sendAgain(_ message: QueuedMessage, after delay: Duration) async throws {
        try await sqs.sendMessage(queueURL: url, body: message.body, delaySeconds: Self.seconds(delay))
    }

    /// Whole seconds, rounded up (SQS takes integers; a zero must stay zero).
    static func seconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) + (attoseconds > 0 ? 1 : 0)
    }
}
