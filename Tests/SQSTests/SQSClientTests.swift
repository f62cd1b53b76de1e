import AWSCore
import AWSTestSupport
import Foundation
import NIOCore
import SQS
import Testing

@Suite("SQSClient: the JSON protocol on the wire")
struct SQSClientTests {
    static let queue = "http://127.0.0.1:9/123456789012/work"

    /// The request's JSON body and its X-Amz-Target.
    static func sent(_ transport: ScriptedTransport, _ index: Int = 0) throws -> (target: String?, body: [String: Any]) {
        let request = transport.sent.current[index]
        let body = try #require(request.body.map { Data(String(buffer: $0).utf8) })
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(request.headers.first(name: "Content-Type") == "application/x-amz-json-1.0")
        #expect(request.url == "http://127.0.0.1:9/", "JSON-protocol calls go to the service endpoint, the queue URL in the body")
        return (request.headers.first(name: "X-Amz-Target"), object)
    }

    @Test func receiveAsksForTheReceiveCountAndReadsEachMessage() async throws {
        let answer = #"""
            {"Messages":[
              {"MessageId":"m1","ReceiptHandle":"r1","MD5OfBody":"x","Body":"{\"a\":1}","Attributes":{"ApproximateReceiveCount":"3"}},
              {"MessageId":"m2","ReceiptHandle":"r2","MD5OfBody":"y","Body":"two"}
            ]}
            """#
        let transport = ScriptedTransport([ScriptedTransport.status(200, answer)])
        let messages = try await SQSClient(client: transport.client()).receiveMessages(
            queueURL: Self.queue, maxMessages: 25, waitSeconds: 45, visibilitySeconds: 90)
        #expect(messages == [
            SQSMessage(messageID: "m1", receiptHandle: "r1", body: #"{"a":1}"#, receiveCount: 3),
            SQSMessage(messageID: "m2", receiptHandle: "r2", body: "two", receiveCount: 1),
        ])
        let (target, body) = try Self.sent(transport)
        #expect(target == "AmazonSQS.ReceiveMessage")
        #expect(body["QueueUrl"] as? String == Self.queue)
        // Clamped to what SQS allows.
        #expect(body["MaxNumberOfMessages"] as? Int == 10)
        #expect(body["WaitTimeSeconds"] as? Int == 20)
        #expect(body["VisibilityTimeout"] as? Int == 90)
        #expect(body["MessageSystemAttributeNames"] as? [String] == ["ApproximateReceiveCount"])
    }

    @Test func anEmptyPollIsNoMessages() async throws {
        let transport = ScriptedTransport([ScriptedTransport.status(200, "{}")])
        let messages = try await SQSClient(client: transport.client()).receiveMessages(queueURL: Self.queue, visibilitySeconds: 30)
        #expect(messages.isEmpty)
    }

    @Test func deleteChangeVisibilityAndSendNameTheMessage() async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.status(200, "{}"),
            ScriptedTransport.status(200, ""),
            ScriptedTransport.status(200, #"{"MessageId":"new-1","MD5OfMessageBody":"z"}"#),
        ])
        let sqs = SQSClient(client: transport.client())
        try await sqs.deleteMessage(queueURL: Self.queue, receiptHandle: "r1")
        try await sqs.changeVisibility(queueURL: Self.queue, receiptHandle: "r2", seconds: 0)
        let id = try await sqs.sendMessage(queueURL: Self.queue, body: "again", delaySeconds: 5_000)
        #expect(id == "new-1")

        let delete = try Self.sent(transport, 0)
        #expect(delete.target == "AmazonSQS.DeleteMessage")
        #expect(delete.body["ReceiptHandle"] as? String == "r1")
        let visibility = try Self.sent(transport, 1)
        #expect(visibility.target == "AmazonSQS.ChangeMessageVisibility")
        #expect(visibility.body["ReceiptHandle"] as? String == "r2")
        #expect(visibility.body["VisibilityTimeout"] as? Int == 0)
        let send = try Self.sent(transport, 2)
        #expect(send.target == "AmazonSQS.SendMessage")
        #expect(send.body["MessageBody"] as? String == "again")
        #expect(send.body["DelaySeconds"] as? Int == 900, "15 minutes is the longest delay")
    }

    @Test func queueSetUpAndAttributes() async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.status(200, #"{"QueueUrl":"http://q/1/work"}"#),
            ScriptedTransport.status(200, #"{"QueueUrl":"http://q/1/work"}"#),
            ScriptedTransport.status(200, #"{"Attributes":{"QueueArn":"arn:aws:sqs:us-east-1:1:work","RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:1:dlq\",\"maxReceiveCount\":2}"}}"#),
        ])
        let sqs = SQSClient(client: transport.client())
        let policy = SQSRedrivePolicy(deadLetterTargetArn: "arn:aws:sqs:us-east-1:1:dlq", maxReceiveCount: 2)
        #expect(try await sqs.createQueue(name: "work", attributes: ["RedrivePolicy": policy.attributeValue]) == "http://q/1/work")
        #expect(try await sqs.queueURL(name: "work") == "http://q/1/work")
        let attributes = try await sqs.queueAttributes(queueURL: "http://q/1/work")
        #expect(attributes["QueueArn"] == "arn:aws:sqs:us-east-1:1:work")
        // The policy reads back whether the count is a string (as sent) or a number.
        #expect(SQSRedrivePolicy(attributeValue: try #require(attributes["RedrivePolicy"])) == policy)
        #expect(SQSRedrivePolicy(attributeValue: policy.attributeValue) == policy)

        let create = try Self.sent(transport, 0)
        #expect(create.target == "AmazonSQS.CreateQueue")
        #expect(create.body["QueueName"] as? String == "work")
        #expect((create.body["Attributes"] as? [String: String])?["RedrivePolicy"] == policy.attributeValue)
        #expect(try Self.sent(transport, 1).target == "AmazonSQS.GetQueueUrl")
        let get = try Self.sent(transport, 2)
        #expect(get.target == "AmazonSQS.GetQueueAttributes")
        #expect(get.body["AttributeNames"] as? [String] == ["All"])
    }

    @Test func aJSONErrorBecomesATypedAWSError() async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.status(
                400, #"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}"#,
                headers: ["x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender"])
        ])
        await #expect {
            try await SQSClient(client: transport.client()).receiveMessages(queueURL: Self.queue, visibilitySeconds: 30)
        } throws: { error in
            guard let error = error as? AWSError else { return false }
            return error.code == "QueueDoesNotExist" && error.kind == .client && error.message.contains("does not exist")
        }
    }

    @Test func aMessageWithoutAReceiptHandleIsRefused() async throws {
        let transport = ScriptedTransport([ScriptedTransport.status(200, #"{"Messages":[{"MessageId":"m1","Body":"x"}]}"#)])
        await #expect(throws: SQSClientError.self) {
            try await SQSClient(client: transport.client()).receiveMessages(queueURL: Self.queue, visibilitySeconds: 30)
        }
    }
}

@Suite("S3 event notifications as SQS delivers them")
struct S3EventNotificationTests {
    /// An event as S3 sends it (the documented structure, version 2.1).
    static func event(name: String = "ObjectCreated:Put", key: String, size: Int = 1234) -> String {
        """
        {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",
          "eventTime":"2026-12-06T13:00:00.000Z","eventName":"\(name)",
          "s3":{"s3SchemaVersion":"1.0","configurationId":"staged",
                "bucket":{"name":"stage","arn":"arn:aws:s3:::stage"},
                "object":{"key":"\(key)","size":\(size),"eTag":"0123abcd","sequencer":"0055AED6DCD90281E5"}}}]}
        """
    }

    @Test func anObjectCreatedRecordWithItsKeyDecoded() throws {
        let notification = try S3EventNotification(body: Self.event(key: "run/billing/CHARGE/my+file%2B1%C3%A9.csv"))
        guard case .records(let records) = notification else {
            Issue.record("not records: \(notification)")
            return
        }
        #expect(records == [
            .init(eventName: "ObjectCreated:Put", bucket: "stage", key: "run/billing/CHARGE/my file+1é.csv", size: 1234, eTag: "0123abcd")
        ])
        #expect(records[0].isObjectCreated)
    }

    @Test func otherEventsAreNotCreations() throws {
        let notification = try S3EventNotification(body: Self.event(name: "ObjectRemoved:Delete", key: "a.csv"))
        guard case .records(let records) = notification else {
            Issue.record("not records: \(notification)")
            return
        }
        #expect(!records[0].isObjectCreated)
        #expect(try S3EventNotification(body: Self.event(name: "ObjectCreated:CompleteMultipartUpload", key: "a.csv"))
            == .records([.init(eventName: "ObjectCreated:CompleteMultipartUpload", bucket: "stage", key: "a.csv", size: 1234, eTag: "0123abcd")]))
    }

    @Test func theTestEventIsRecognised() throws {
        let body = #"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-12-06T13:00:00.000Z","Bucket":"stage","RequestId":"X","HostId":"Y"}"#
        #expect(try S3EventNotification(body: body) == .testEvent(bucket: "stage"))
    }

    @Test func somethingElseIsRefusedWithWhatItWas() {
        for body in ["not json", #"{"hello":"world"}"#, #"{"Records":[]}"#, #"{"Records":[{"eventName":"ObjectCreated:Put"}]}"#] {
            #expect(throws: S3EventNotificationError.self, "\(body)") { try S3EventNotification(body: body) }
        }
    }
}
