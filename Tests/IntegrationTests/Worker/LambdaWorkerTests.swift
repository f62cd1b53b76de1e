import AWSCore
import DynamoDB
import Foundation
import Migration
import MigrationCore
import MigrationTestSupport
import NIOCore
import S3
import SampleData
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `billmig worker --lambda` against a local endpoint speaking the Lambda Runtime
/// API (Tests/Scripts/lambda_runtime_api.py) and moto_server: an SQS trigger's
/// batch of S3 notifications is loaded and answered with the one message that
/// failed (a poison object), and an S3 trigger's event is answered too.
@Suite(.serialized)
struct LambdaWorkerTests {
    /// An S3 ObjectCreated notification for `key`, as S3 sends it (key URL-encoded).
    static func notification(bucket: String, key: String, size: Int64) -> [String: Any] {
        let encoded = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "/-_.")))!
        return ["Records": [[
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventName": "ObjectCreated:Put",
            "s3": ["bucket": ["name": bucket], "object": ["key": encoded, "size": size]],
        ]]]
    }

    @Test func anSQSBatchIsLoadedAndAnsweredWithItsFailedMessageAndAnS3EventIsAnswered() async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let env = aws.environment
            let table = "BillingLambda"
            #expect(try await BillmigCLI.run(["table", "create", "--table", table], environment: env).status == 0)
            let generate = try await BillmigCLI.run(
                ["generate", "--accounts", "8", "--seed", "13", "--to", "s3://lambda/run", "--create-bucket", "--quiet"], environment: env)
            try #require(generate.status == 0, "\(generate.stderr)")

            try await AWSClient.withClient(aws.configuration) { client in
                let s3 = S3Client(client: client)
                let poison = "run/billing/CHARGE/readme.txt"
                _ = try await s3.putObject(bucket: "lambda", key: poison, body: ByteBuffer(string: "not a DMS file"))
                let objects = try await s3.listObjectsV2(bucket: "lambda", prefix: "run/billing/").objects
                let files = objects.filter { $0.key != poison }
                try #require(files.count == 6, "\(objects.map(\.key))")

                // Invocation 1: an SQS batch, one message per object, the poison one among them.
                var records: [[String: Any]] = []
                for (index, object) in objects.enumerated() {
                    let body = try JSONSerialization.data(withJSONObject: Self.notification(bucket: "lambda", key: object.key, size: object.size))
                    records.append([
                        "messageId": object.key == poison ? "poison" : "m\(index)", "receiptHandle": "r\(index)",
                        "body": String(decoding: body, as: UTF8.self), "attributes": ["ApproximateReceiveCount": "1"],
                        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:staged",
                    ])
                }
                // Invocation 2: S3 itself invokes for a file already loaded: answered, nothing to do.
                let again = Self.notification(bucket: "lambda", key: files[0].key, size: files[0].size)
                let events: [[String: Any]] = [
                    ["requestId": "batch-1", "event": ["Records": records]],
                    ["requestId": "s3-2", "event": again],
                ]
                let work = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-lambda-\(UInt32.random(in: 0...UInt32.max))")
                try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: work) }
                let eventsFile = work.appendingPathComponent("events.json")
                try JSONSerialization.data(withJSONObject: events).write(to: eventsFile)

                let runtimeAPI = Process()
                runtimeAPI.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                runtimeAPI.arguments = [
                    "python3", MotoTestServer.packageRoot.appendingPathComponent("Tests/Scripts/lambda_runtime_api.py").path,
                    eventsFile.path, work.path,
                ]
                let portPipe = Pipe()
                runtimeAPI.standardOutput = portPipe
                try runtimeAPI.run()
                // SIGKILL: a child of the test process may inherit SIGTERM ignored.
                defer { kill(runtimeAPI.processIdentifier, SIGKILL) }
                let portLine = await Task.detached { String(decoding: portPipe.fileHandleForReading.availableData, as: UTF8.self) }.value
                let port = try #require(Int(portLine.trimmingCharacters(in: .whitespacesAndNewlines)), "the Runtime API endpoint did not start")

                var environment = env
                environment["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:\(port)"
                let function = try BackgroundCommand(
                    ["worker", "--lambda", "--from", "s3://lambda/run", "--table", table, "--concurrency", "3", "--writes", "4", "--log-format", "json"],
                    environment: environment, log: work.appendingPathComponent("function"))
                defer { if function.isRunning { function.kill(SIGKILL) } }
                func answer(_ name: String) -> [String: Any]? {
                    (try? Data(contentsOf: work.appendingPathComponent(name))).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
                }
                let answered = try await waitUntil(timeout: .seconds(90), every: .milliseconds(250)) {
                    answer("batch-1.response.json") != nil && answer("s3-2.response.json") != nil
                }
                try #require(answered, "both invocations answered: \(function.output())")
                let batch = try #require(answer("batch-1.response.json")?["body"] as? String)
                let failures = try #require(
                    (try JSONSerialization.jsonObject(with: Data(batch.utf8)) as? [String: Any])?["batchItemFailures"] as? [[String: String]])
                #expect(failures == [["itemIdentifier": "poison"]], "\(batch)")
                #expect(answer("s3-2.response.json")?["body"] as? String == "{}")
                #expect(answer("batch-1.error.json") == nil && answer("init.error.json") == nil)
                #expect(function.isRunning, "a Lambda function waits for its next invocation")
                function.kill(SIGKILL)
                _ = await function.exitStatus()

                // The table holds every generated row's item.
                let expected = try ExpectedTable(SampleDataSet(.init(seed: 13, accounts: 8)))
                expected.verify(try await expected.scanConfirmingMisses(DynamoDBClient(client: client), table: table))
            }
        }
    }
}
