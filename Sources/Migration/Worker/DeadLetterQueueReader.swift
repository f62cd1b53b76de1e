import MigrationCore
import SQS

/// Reads what a worker queue's dead-letter queue holds, for `status`: the queue's
/// redrive policy names the DLQ; its messages are read with a visibility of 0, so
/// they stay where they are for the operator's redrive.
public struct DeadLetterQueueReader: Sendable {
    public let sqs: SQSClient

    public init(sqs: SQSClient) {
        self.sqs = sqs
    }

    /// Nil when the queue has no redrive policy (and so no dead-letter queue).
    public func status(ofQueue queueURL: String, maxMessages: Int = 100) async throws -> DeadLetterQueueStatus? {
        let attributes = try await sqs.queueAttributes(queueURL: queueURL, names: ["RedrivePolicy"])
        guard let policy = attributes["RedrivePolicy"].flatMap(SQSRedrivePolicy.init(attributeValue:)),
            let name = policy.deadLetterTargetArn.split(separator: ":").last
        else { return nil }
        let deadLetterURL = try await sqs.queueURL(name: String(name))
        let count = try await sqs.queueAttributes(queueURL: deadLetterURL, names: ["ApproximateNumberOfMessages"])["ApproximateNumberOfMessages"]
            .flatMap { Int($0) } ?? 0

        var seen: Set<String> = []
        var files: Set<String> = []
        var others: [String] = []
        // A receive returns a sample of the messages: read until one adds nothing new.
        while seen.count < min(count, maxMessages) {
            let batch = try await sqs.receiveMessages(queueURL: deadLetterURL, maxMessages: 10, waitSeconds: 0, visibilitySeconds: 0)
            let fresh = batch.filter { seen.insert($0.messageID).inserted }
            if fresh.isEmpty { break }
            for message in fresh {
                if case .records(let records)? = try? S3EventNotification(body: message.body) {
                    for record in records { files.insert("\(record.bucket)/\(record.key)") }
                } else {
                    others.append(message.messageID)
                }
            }
        }
        return DeadLetterQueueStatus(queueURL: deadLetterURL, messages: count, files: files.sorted(), otherMessages: others.sorted())
    }
}
