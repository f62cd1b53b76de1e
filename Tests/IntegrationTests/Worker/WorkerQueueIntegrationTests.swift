import AWSCore
import BillingModel
import DMSStaging
import DynamoDB
import Foundation
import Migration
import MigrationCore
import MigrationTestSupport
import NIOCore
import S3
import SQS
import SampleData
import DynamoDBModel
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `billmig worker` processes against moto_server: the staging bucket's
/// ObjectCreated notifications go to an SQS queue (moto sends them itself, and its
/// s3:TestEvent), whose redrive policy moves a message to a dead-letter queue after
/// two receives. Signature checks are off, as in LoadCommandIntegrationTests.
@Suite(.serialized)
struct WorkerQueueIntegrationTests {
    static let bucket = "stage"
    static let prefix = "run"

    /// Queues and the bucket's notification configuration; returns the work queue's and the DLQ's URLs.
    static func setUpQueues(_ client: AWSClient) async throws -> (queue: String, deadLetters: String) {
        let sqs = SQSClient(client: client)
        let deadLetters = try await sqs.createQueue(name: "staged-dlq")
        let deadLetterArn = try #require(try await sqs.queueAttributes(queueURL: deadLetters)["QueueArn"])
        let queue = try await sqs.createQueue(
            name: "staged",
            attributes: [
                "VisibilityTimeout": "10",
                "RedrivePolicy": SQSRedrivePolicy(deadLetterTargetArn: deadLetterArn, maxReceiveCount: 2).attributeValue,
            ])
        let queueArn = try #require(try await sqs.queueAttributes(queueURL: queue)["QueueArn"])

        try await S3Client(client: client).createBucket(bucket)
        // Only the DMS folder notifies: the workers' own state (run/_billmig/) does not.
        let configuration = """
            <NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><QueueConfiguration>\
            <Id>staged-files</Id><Queue>\(queueArn)</Queue><Event>s3:ObjectCreated:*</Event>\
            <Filter><S3Key><FilterRule><Name>prefix</Name><Value>\(prefix)/billing/</Value></FilterRule></S3Key></Filter>\
            </QueueConfiguration></NotificationConfiguration>
            """
        _ = try await client.execute(AWSRequest(
            service: .s3, operation: "PutBucketNotificationConfiguration", method: .PUT, path: "/\(bucket)",
            query: [("notification", "")], body: ByteBuffer(string: configuration)))
        return (queue, deadLetters)
    }

    /// Messages the queue still holds, visible, in flight or delayed.
    static func outstanding(_ sqs: SQSClient, _ queue: String) async throws -> Int {
        let attributes = try await sqs.queueAttributes(
            queueURL: queue,
            names: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"])
        return attributes.values.compactMap { Int($0) }.reduce(0, +)
    }

    /// The scenario of issue 14: four workers, a staged full load and change files
    /// uploaded while they run, two of them SIGKILLed at random moments and started
    /// again, and a poison file that ends in the dead-letter queue and in `status`.
    @Test func fourWorkersLoadEveryNotifiedFileSurviveRandomKillsAndLeaveThePoisonFileInTheDeadLetterQueue() async throws {
        var kills = KillSchedule("four workers")
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let env = aws.environment
            let table = "BillingWorkers"
            let create = try await BillmigCLI.run(["table", "create", "--table", table], environment: env)
            #expect(create.status == 0, "\(create.stderr)")

            try await AWSClient.withClient(aws.configuration) { client in
                let sqs = SQSClient(client: client)
                let (queue, deadLetters) = try await Self.setUpQueues(client)

                let logs = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-worker-\(UInt32.random(in: 0...UInt32.max))")
                try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
                let arguments = [
                    "worker", "--queue", queue, "--from", "s3://\(Self.bucket)/\(Self.prefix)", "--table", table,
                    "--concurrency", "2", "--writes", "2", "--wait-seconds", "1", "--visibility-seconds", "6", "--retry-seconds", "1",
                    "--change-sequence-column", "change_seq", "--checkpoint-seconds", "0.3", "--json", "--quiet", "--log-format", "json",
                ]
                func startWorker(_ name: String) throws -> BackgroundCommand {
                    try BackgroundCommand(arguments, environment: env, log: logs.appendingPathComponent(name))
                }
                // Four workers wait on the queue before anything is staged.
                var workers = try ["a", "b", "c", "d"].map(startWorker)

                let generate = try await BillmigCLI.run(
                    ["generate", "--accounts", "40", "--seed", "21", "--to", "s3://\(Self.bucket)/\(Self.prefix)", "--quiet"],
                    environment: env)
                #expect(generate.status == 0, "\(generate.stderr)")
                // Once a file is part-loaded (a checkpoint in progress), two workers chosen at random are
                // SIGKILLed at random moments and started again.
                let state = StateLocation(
                    store: S3ObjectStore(client: S3Client(client: client), bucket: Self.bucket), prefix: "\(Self.prefix)/_billmig/\(table)")
                let sawProgress = try await waitUntil(timeout: .seconds(30), every: .milliseconds(100)) {
                    try await state.readAll(.fileCheckpoints).contains { $0.state == .inProgress && $0.recordsDone > 0 }
                }
                #expect(sawProgress, "no file checkpointed mid-way: \(workers[0].output())")
                func killAndRestart(_ round: Int) async throws {
                    let victim = kills.victim(of: workers.count)
                    workers[victim].kill(SIGKILL)
                    #expect(await workers[victim].exitStatus() == SIGKILL)
                    workers[victim] = try startWorker("restarted-\(round)-\(victim)")
                }
                try await Task.sleep(for: kills.delay(in: 0...1_500))
                try await killAndRestart(1)
                // Change files uploaded while the workers run (a SUBSCRIBER history of its own
                // keys): each waits for SUBSCRIBER's full load, then applies in any order.
                let workload = ChangeWorkload(seed: 78, count: 120, keys: 24)
                let slices = [Array(workload.changes[..<40]), Array(workload.changes[40..<80]), Array(workload.changes[80...])]
                for (index, slice) in slices.enumerated() {
                    _ = try await S3Client(client: client).putObject(
                        bucket: Self.bucket, key: "\(Self.prefix)/billing/SUBSCRIBER/20240301-20000000\(index).csv",
                        body: ChangeFiles.withBeforeImages(slice))
                }
                try await Task.sleep(for: kills.delay(in: 200...3_000))
                try await killAndRestart(2)
                // The poison object: in the DMS folder, but no DMS file (staged after the kills,
                // so the workers that report it at the end are the ones that handle it).
                let poison = "\(Self.prefix)/billing/CHARGE/notes for the team.txt"
                _ = try await S3Client(client: client).putObject(bucket: Self.bucket, key: poison, body: ByteBuffer(string: "not a DMS file"))

                let drained = try await waitUntil(timeout: .seconds(60), every: .milliseconds(500)) {
                    let left = try await Self.outstanding(sqs, queue)
                    let dead = try await Self.outstanding(sqs, deadLetters)
                    return left == 0 && dead >= 1
                }
                let left = try await Self.outstanding(sqs, queue)
                #expect(drained, "the queue never drained: \(left) left\n\(workers[0].output())\n\(workers[1].output())")

                // SIGTERM: both stop cleanly and say what they did.
                var summaries: [WorkerSummary] = []
                for worker in workers {
                    worker.kill(SIGTERM)
                    let status = await worker.exitStatus()
                    #expect(status == 0, "\(worker.output())")
                    let out = try String(contentsOfFile: worker.logBase.path + ".out", encoding: .utf8)
                    if let summary = try? JSONDecoder().decode(WorkerSummary.self, from: Data(out.utf8)) {
                        summaries.append(summary)
                    } else {
                        Issue.record("no JSON summary: \(worker.output())")
                    }
                }
                #expect(summaries.allSatisfy { $0.stopped && $0.error == nil })
                #expect(summaries.reduce(0) { $0 + $1.messages.leftForDeadLetterQueue } >= 1)
                #expect(summaries.flatMap(\.problems).contains { $0.key == poison && $0.reason.contains("not a DMS file name") })

                // --log-format json: standard error is JSON events only, and a file's
                // lines carry the queue message and the object that brought it.
                var events: [[String: Any]] = []
                for worker in workers {
                    let err = try String(contentsOfFile: worker.logBase.path + ".err", encoding: .utf8)
                    for line in err.split(separator: "\n") {
                        guard let event = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                            Issue.record("not a JSON line: \(line)")
                            continue
                        }
                        events.append(event)
                    }
                }
                let filesFinished = events.filter { $0["message"] as? String == "file finished" }
                #expect(!filesFinished.isEmpty)
                #expect(filesFinished.allSatisfy { $0["messageID"] is String && $0["object"] as? String == $0["file"] as? String })
                #expect(events.contains {
                    $0["message"] as? String == "message not processed" && $0["object"] as? String == poison && $0["messageID"] is String
                })

                // The table: every generated row's item, overlaid by the change history's end state.
                var expected = try ExpectedTable(SampleDataSet(.init(seed: 21, accounts: 40)))
                let reference = try ChangeWorkload.reference(workload.changes, mapper: try ItemMapper(mapping: .billing), ttl: 0)
                expected.items.merge(reference) { $1 }
                expected.items = withoutTTL(expected.items)
                expected.verify(withoutTTL(try await expected.scanConfirmingMisses(DynamoDBClient(client: client), table: table)))

                // Every full-load file has a completed checkpoint.
                let checkpoints = try await state.readAll(.fileCheckpoints)
                #expect(checkpoints.count == 6 && checkpoints.allSatisfy { $0.state == .completed }, "\(checkpoints.map { ($0.file, $0.state) })")

                // `status --queue` names the poison file from the dead-letter queue, and leaves it there.
                let status = try await BillmigCLI.run(
                    ["status", "--table", table, "--from", "s3://\(Self.bucket)/\(Self.prefix)", "--queue", queue, "--json"], environment: env)
                #expect(status.status == 0, "\(status.stderr)")
                let loadStatus = try JSONDecoder().decode(LoadStatus.self, from: Data(status.stdout.utf8))
                #expect(loadStatus.deadLetterQueue?.files == ["\(Self.bucket)/\(poison)"])
                #expect(loadStatus.deadLetterQueue?.queueURL == deadLetters)
                #expect(loadStatus.overall == "COMPLETED")
                let text = try await BillmigCLI.run(
                    ["status", "--table", table, "--from", "s3://\(Self.bucket)/\(Self.prefix)", "--queue", queue], environment: env)
                #expect(text.stdout.contains("files no worker could process") && text.stdout.contains(poison), "\(text.stdout)")

                // The poison message is in the dead-letter queue, naming its object.
                let dead = try await sqs.receiveMessages(queueURL: deadLetters, maxMessages: 10, waitSeconds: 0, visibilitySeconds: 30)
                let deadKeys = dead.compactMap { message -> String? in
                    guard case .records(let records)? = try? S3EventNotification(body: message.body) else { return nil }
                    return records.first?.key
                }
                #expect(deadKeys == [poison])
            }
        }
    }

    /// Change files staged while the full load runs: each waits until its table's
    /// full-load files are all checkpointed as completed, so the full load's
    /// unconditional puts never overwrite a newer change.
    @Test func changeFilesStagedDuringTheFullLoadEndNewestInTheTable() async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let env = aws.environment
            let table = "BillingWorkerChanges"
            let create = try await BillmigCLI.run(["table", "create", "--table", table], environment: env)
            #expect(create.status == 0, "\(create.stderr)")

            try await AWSClient.withClient(aws.configuration) { client in
                let sqs = SQSClient(client: client)
                let (queue, _) = try await Self.setUpQueues(client)
                let logs = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-worker-\(UInt32.random(in: 0...UInt32.max))")
                try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
                let arguments = [
                    "worker", "--queue", queue, "--from", "s3://\(Self.bucket)/\(Self.prefix)", "--table", table,
                    "--concurrency", "5", "--writes", "4", "--wait-seconds", "1", "--visibility-seconds", "10", "--retry-seconds", "1",
                    "--change-sequence-column", "change_seq", "--checkpoint-seconds", "0.3", "--json", "--quiet",
                ]
                let generate = try await BillmigCLI.run(
                    ["generate", "--accounts", "12", "--seed", "4", "--to", "s3://\(Self.bucket)/\(Self.prefix)", "--quiet"],
                    environment: env)
                #expect(generate.status == 0, "\(generate.stderr)")
                let workload = ChangeWorkload(seed: 77, count: 150, keys: 30)
                let s3 = S3Client(client: client)
                // A second SUBSCRIBER full-load file holding the history's surviving rows with
                // a stale status: a full load applied after the changes would leave it in the table.
                var stale = DMSFileEncoder(columns: ChangeFiles.columns, kind: .fullLoad, options: DMSWriteOptions())
                for var row in workload.liveRows.values.sorted(by: { "\($0)" < "\($1)" }) {
                    row[2] = .text("X")
                    stale.append(row)
                }
                _ = try await s3.putObject(
                    bucket: Self.bucket, key: "\(Self.prefix)/billing/SUBSCRIBER/LOAD00000002.csv", body: try stale.takeFile())
                // DMS writes a table's change files after its full-load files: so do we, at once.
                let slices = [Array(workload.changes[..<50]), Array(workload.changes[50..<100]), Array(workload.changes[100...])]
                for (index, slice) in slices.enumerated() {
                    _ = try await s3.putObject(
                        bucket: Self.bucket, key: "\(Self.prefix)/billing/SUBSCRIBER/20240301-10000000\(index).csv",
                        body: ChangeFiles.withBeforeImages(slice))
                }

                // Everything is queued before the workers start, and their ten slots take every
                // message at once: the change files meet SUBSCRIBER's full load unfinished.
                let workers = try ["a", "b"].map { try BackgroundCommand(arguments, environment: env, log: logs.appendingPathComponent($0)) }
                let drained = try await waitUntil(timeout: .seconds(60), every: .milliseconds(500)) {
                    try await Self.outstanding(sqs, queue) == 0
                }
                #expect(drained, "the queue never drained\n\(workers[0].output())\n\(workers[1].output())")
                var summaries: [WorkerSummary] = []
                for worker in workers {
                    worker.kill(SIGTERM)
                    #expect(await worker.exitStatus() == 0, "\(worker.output())")
                    let out = try String(contentsOfFile: worker.logBase.path + ".out", encoding: .utf8)
                    summaries.append(try JSONDecoder().decode(WorkerSummary.self, from: Data(out.utf8)))
                }
                #expect(summaries.reduce(0) { $0 + $1.files.changeFilesApplied } == 3)
                #expect(summaries.reduce(0) { $0 + $1.changes.changesRead } == workload.changes.count)
                #expect(summaries.reduce(0) { $0 + $1.files.fullLoadLoaded } == 7)
                #expect(summaries.reduce(0) { $0 + $1.messages.waitingForFullLoad } >= 1, "no change file waited for the full load")

                // The full load's items, overlaid by the change history's end state (tombstones
                // included; the stale rows' items among those it replaces).
                #expect(workload.liveRows.count >= 5)
                var expected = try ExpectedTable(SampleDataSet(.init(seed: 4, accounts: 12)))
                let reference = try ChangeWorkload.reference(workload.changes, mapper: try ItemMapper(mapping: .billing), ttl: 0)
                expected.items.merge(reference) { $1 }
                expected.items = withoutTTL(expected.items)
                expected.verify(withoutTTL(try await expected.scanConfirmingMisses(DynamoDBClient(client: client), table: table)))
            }
        }
    }
}
