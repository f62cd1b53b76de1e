import AWSCore
import BillingModel
import DMSStaging
import DynamoDB
import DynamoDBModel
import Foundation
import Migration
import MigrationCore
import S3
import SampleData
import Testing

/// `billmig` as a user runs it, against a moto_server.
///
/// Signature checking is off here: moto 5.2's own check rejects ListObjectsV2 with a
/// prefix holding `/` even from boto3 (it canonicalises the query differently), and a
/// load lists `{prefix}/billing/{TABLE}/`. Signed S3 and DynamoDB calls are covered by
/// the AWS layer's authenticated tests and by RealDMSFixtureLoadTests.
@Suite(.serialized)
struct LoadCommandIntegrationTests {
    /// A new table, and generated DMS files with bad rows among them.
    static func tableAndStagedFiles(
        _ env: [String: String], table: String, accounts: Int, seed: Int, badRows: Int, to location: String
    ) async throws {
        let create = try await BillmigCLI.run(["table", "create", "--table", table], environment: env)
        #expect(create.status == 0, "\(create.stderr)")
        let generate = try await BillmigCLI.run(
            ["generate", "--accounts", String(accounts), "--seed", String(seed), "--bad-rows", String(badRows), "--to", location,
             "--create-bucket", "--quiet"],
            environment: env)
        #expect(generate.status == 0, "\(generate.stderr)")
    }

    @Test func generatesLoadsAndAccountsForEveryRow() async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let env = aws.environment
            try await Self.tableAndStagedFiles(env, table: "Billing1", accounts: 6, seed: 11, badRows: 4, to: "s3://stage/run1")

            let load = try await BillmigCLI.run(
                ["load", "--from", "s3://stage/run1", "--table", "Billing1", "--json", "--quiet"], environment: env)
            // Rows went to the dead-letter store: the documented status 3, not 0.
            #expect(load.status == 3, "\(load.stderr)")
            let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(load.stdout.utf8))
            let data = SampleDataSet(.init(seed: 11, accounts: 6, badRows: 4))
            let generated = data.rowCounts.values.reduce(0, +)
            #expect(summary.total.rowsRead == generated)
            #expect(summary.total.deadLettered == 4)
            #expect(summary.total.itemsWritten == generated - 4)
            for table in SampleTable.allCases {
                #expect(summary.entities.first { $0.entity == table.name }?.itemsWritten == data.goodRowCount(table))
            }

            try await AWSClient.withClient(aws.configuration) { client in
                let dynamo = DynamoDBClient(client: client)
                try ExpectedTable(data).verify(try await ExpectedTable.scan(dynamo, table: "Billing1"))

                let letters = try await DeadLetterStore(
                    store: S3ObjectStore(client: S3Client(client: client), bucket: "stage"),
                    prefix: "run1/_billmig/Billing1/dead-letters/"
                ).readAll()
                #expect(letters.count == 4)
                #expect(Set(letters.map(\.table)) == Set(data.badRows.map(\.table.name)))
                #expect(letters.allSatisfy { !$0.reason.isEmpty && $0.line != nil })

                let tracking = try await dynamo.queryAll(QueryInput(
                    tableName: "Billing1", keyCondition: "PK = :pk", values: [":pk": .s(TrackingItem.partitionKey)]))
                    .map { try TrackingItem(item: $0) }
                #expect(tracking.count == 6)
                #expect(tracking.allSatisfy { $0.status == .completed })
                #expect(tracking.reduce(0) { $0 + $1.recordsProcessed } == generated - 4)
            }

            // Done files are skipped by a second run, which still reports the whole load.
            let again = try await BillmigCLI.run(
                ["load", "--from", "s3://stage/run1", "--table", "Billing1", "--json", "--quiet"], environment: env)
            let second = try JSONDecoder().decode(LoadSummary.self, from: Data(again.stdout.utf8))
            #expect(second.files.skipped == 6 && second.files.completed == 0)
            #expect(second.total.itemsWritten == generated - 4)

            let status = try await BillmigCLI.run(
                ["status", "--table", "Billing1", "--from", "s3://stage/run1", "--json"], environment: env)
            let loadStatus = try JSONDecoder().decode(LoadStatus.self, from: Data(status.stdout.utf8))
            #expect(loadStatus.overall == "COMPLETED")
            #expect(loadStatus.entities.reduce(0) { $0 + $1.rowsRead } == generated)

            // `table count` reads the whole table: every item, the 6 tracking items included.
            let count = try await BillmigCLI.run(["table", "count", "--table", "Billing1", "--segments", "3", "--json"], environment: env)
            #expect(count.status == 0, "\(count.stderr)")
            let counted = try JSONSerialization.jsonObject(with: Data(count.stdout.utf8)) as? [String: Any]
            #expect(counted?["items"] as? Int == generated - 4 + 6)
        }
    }

    /// `--log-format json`: standard error is JSON lines only, every one with the
    /// run id, and each dead letter joins its log line on the run and the batch.
    @Test func jsonLogsJoinEachDeadLetterWithItsLogLine() async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let env = aws.environment
            try await Self.tableAndStagedFiles(env, table: "Billing7", accounts: 4, seed: 5, badRows: 3, to: "s3://stage/run7")

            // The log options may come before the command, and no --quiet: progress must not break the JSON either.
            let load = try await BillmigCLI.run(
                ["--log-format", "json", "load", "--from", "s3://stage/run7", "--table", "Billing7", "--json"], environment: env)
            #expect(load.status == 3, "\(load.stderr)")
            let lines = load.stderr.split(separator: "\n", omittingEmptySubsequences: true)
            var events: [[String: Any]] = []
            for line in lines {
                let object = try #require(try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
                events.append(object)
            }
            let runIDs = Set(events.compactMap { $0["runID"] as? String })
            #expect(runIDs.count == 1, "one run id on every line: \(runIDs)")
            #expect(events.allSatisfy { $0["runID"] != nil && $0["timestamp"] != nil && $0["level"] != nil && $0["message"] != nil })
            let runID = try #require(runIDs.first)
            #expect(events.contains { $0["message"] as? String == "command started" && $0["command"] as? String == "load" })
            #expect(events.contains { $0["message"] as? String == "command finished" && $0["exitStatus"] as? Int == 3 })
            #expect(events.contains { $0["message"] as? String == "summary" && (($0["summary"] as? [String: Any])?["total"] as? [String: Any])?["deadLettered"] as? Int == 3 })
            let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(load.stdout.utf8))
            #expect(summary.files.completed > 0)
            #expect(events.filter { $0["message"] as? String == "file finished" }.count == summary.files.completed)

            let deadLetterLines = events.filter { $0["message"] as? String == "dead letter" }
            #expect(deadLetterLines.count == 3)
            #expect(deadLetterLines.allSatisfy { $0["level"] as? String == "warning" })
            try await AWSClient.withClient(aws.configuration) { client in
                let letters = try await DeadLetterStore(
                    store: S3ObjectStore(client: S3Client(client: client), bucket: "stage"),
                    prefix: "run7/_billmig/Billing7/dead-letters/"
                ).readAll()
                #expect(letters.count == 3)
                for letter in letters {
                    #expect(letter.runID == runID)
                    let batch = try #require(letter.batch, "\(letter)")
                    // A batch names its file and its first record.
                    #expect(batch.hasPrefix(letter.source + "#"))
                    let logged = deadLetterLines.filter { $0["batch"] as? String == batch && $0["line"] as? Int == letter.line }
                    #expect(logged.count == 1, "one log line for the dead letter of \(batch) line \(letter.line ?? -1)")
                    #expect(logged.first?["runID"] as? String == letter.runID)
                    #expect(logged.first?["file"] as? String == letter.source)
                    #expect(logged.first?["reason"] as? String == letter.reason)
                }
            }

            // A bad --log-format is a usage error, said on standard error.
            let bad = try await BillmigCLI.run(["load", "--log-format", "xml", "--from", "s3://stage/run7", "--table", "Billing7"], environment: env)
            #expect(bad.status == 64 && bad.stderr.contains("--log-format"), "\(bad.stderr)")
        }
    }

    @Test func aLoadKilledMidwayAndStartedAgainEndsWithTheSameTable() async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let env = aws.environment
            _ = try await BillmigCLI.run(["table", "create", "--table", "Billing2"], environment: env)
            _ = try await BillmigCLI.run(
                ["generate", "--accounts", "40", "--seed", "5", "--to", "s3://stage/run2", "--create-bucket", "--quiet"],
                environment: env)
            let data = SampleDataSet(.init(seed: 5, accounts: 40))
            // --checkpoint-interval: the old name of --checkpoint-seconds, still accepted.
            let arguments = ["load", "--from", "s3://stage/run2", "--table", "Billing2", "--json", "--quiet", "--concurrency", "2", "--checkpoint-interval", "0.5"]

            try await AWSClient.withClient(aws.configuration) { client in
                let state = StateLocation(
                    store: S3ObjectStore(client: S3Client(client: client), bucket: "stage"), prefix: "run2/_billmig/Billing2")
                // Kill twice: once when the big CHARGE file has its first checkpoint, once a little later,
                // both well before its end (a kill in its last moments can lose the race with the exit).
                let chargeRows = data.rowCounts[.charge] ?? 0
                var killedAt = 0
                for round in 0..<2 {
                    let (process, _, _) = try BillmigCLI.start(arguments, environment: env)
                    let deadline = ContinuousClock.now + .seconds(120)
                    var sawProgress = false
                    while ContinuousClock.now < deadline, process.isRunning {
                        let charge = try await state.readAll(.fileCheckpoints).first { $0.table == "CHARGE" }
                        if let charge, charge.state == .inProgress, charge.recordsDone > killedAt + (round == 0 ? 0 : 200),
                            charge.recordsDone < chargeRows * 3 / 4 {
                            killedAt = charge.recordsDone
                            sawProgress = true
                            break
                        }
                        try await Task.sleep(for: .milliseconds(200))
                    }
                    #expect(sawProgress, "round \(round): the CHARGE file never checkpointed mid-way")
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    #expect(process.terminationReason == .uncaughtSignal)
                }

                let finish = try await BillmigCLI.run(arguments, environment: env)
                #expect(finish.status == 0, "\(finish.stderr)")
                let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(finish.stdout.utf8))
                let generated = data.rowCounts.values.reduce(0, +)
                // Counted once across the three runs: the checkpoints carry the done part.
                #expect(summary.total.rowsRead == generated)
                #expect(summary.total.itemsWritten == generated)
                #expect(summary.files.skipped >= 1)
                let expected = try ExpectedTable(data)
                expected.verify(try await expected.scanConfirmingMisses(DynamoDBClient(client: client), table: "Billing2"))
            }
        }
    }

    /// A truncated `.csv.gz` among good files on S3: every good file loads, the
    /// damaged one loads up to the damage and is dead-lettered as a file (exit 3),
    /// `status` names it; replaced, the next run loads it and the table is whole.
    @Test func aMissingTableOrAnEmptyPrefixStopsTheLoadSayingWhatToFix() async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let env = aws.environment
            let generate = try await BillmigCLI.run(
                ["generate", "--accounts", "1", "--to", "s3://stage/nowhere", "--create-bucket", "--quiet"], environment: env)
            #expect(generate.status == 0, "\(generate.stderr)")
            let load = try await BillmigCLI.run(
                ["load", "--from", "s3://stage/nowhere", "--table", "NotCreated", "--json", "--quiet"], environment: env)
            #expect(load.status == 1)
            let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(load.stdout.utf8))
            let error = summary.error ?? ""
            #expect(error.contains("NotCreated") && error.contains("does not exist"), "\(load.stdout)")
            #expect(error.contains("billmig table create --table NotCreated"), "\(load.stdout)")
            // A missing table is not a reason to dead-letter the rows.
            #expect(summary.total.deadLettered == 0)

            // A --from one folder too deep finds nothing: an error, not a completed load.
            let tooDeep = try await BillmigCLI.run(
                ["load", "--from", "s3://stage/nowhere/billing", "--table", "NotCreated", "--quiet"], environment: env)
            #expect(tooDeep.status != 0)
            #expect(tooDeep.stderr.contains("no staged full-load files"), "\(tooDeep.stderr)")
        }
    }

    @Test func aTruncatedFileIsDeadLetteredAndLoadsOnceReplaced() async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let env = aws.environment
            let create = try await BillmigCLI.run(["table", "create", "--table", "Billing3"], environment: env)
            #expect(create.status == 0, "\(create.stderr)")
            let generate = try await BillmigCLI.run(
                ["generate", "--accounts", "6", "--seed", "7", "--gzip", "--to", "s3://stage/run3", "--create-bucket", "--quiet"],
                environment: env)
            #expect(generate.status == 0, "\(generate.stderr)")
            let data = SampleDataSet(.init(seed: 7, accounts: 6))
            let arguments = ["load", "--from", "s3://stage/run3", "--table", "Billing3", "--json", "--quiet"]

            try await AWSClient.withClient(aws.configuration) { client in
                let bucket = S3ObjectStore(client: S3Client(client: client), bucket: "stage")
                let chargeFile = try #require(try await bucket.list(prefix: "run3/billing/CHARGE/").first { $0.key.hasSuffix(".csv.gz") })
                let whole = try await bucket.get(key: chargeFile.key)
                try await bucket.put(key: chargeFile.key, bytes: whole.getSlice(at: whole.readerIndex, length: whole.readableBytes / 2)!)

                let damaged = try await BillmigCLI.run(arguments, environment: env)
                #expect(damaged.status == 3, "a damaged file is a dead letter: \(damaged.stderr)")
                let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(damaged.stdout.utf8))
                #expect(summary.files.damaged == [chargeFile.key])
                #expect(summary.files.completed == summary.files.found - 1, "every good file loads")
                for table in SampleTable.allCases where table != .charge {
                    #expect(summary.entities.first { $0.entity == table.name }?.itemsWritten == data.goodRowCount(table), "\(table)")
                }
                let loadedCharges = try #require(summary.entities.first { $0.entity == "CHARGE" }?.itemsWritten)
                // What was read before the damage is loaded (none when it is in the first deflate block).
                #expect(loadedCharges < data.goodRowCount(.charge))

                let status = try await BillmigCLI.run(["status", "--table", "Billing3", "--from", "s3://stage/run3"], environment: env)
                #expect(status.stdout.contains("damaged files") && status.stdout.contains(chargeFile.key), "\(status.stdout) \(status.stderr)")

                try await bucket.put(key: chargeFile.key, bytes: whole)
                let replaced = try await BillmigCLI.run(arguments, environment: env)
                #expect(replaced.status == 0, "\(replaced.stderr)")
                let fixed = try JSONDecoder().decode(LoadSummary.self, from: Data(replaced.stdout.utf8))
                #expect(fixed.files.damaged.isEmpty && fixed.files.completed == 1)
                try ExpectedTable(data).verify(try await ExpectedTable.scan(DynamoDBClient(client: client), table: "Billing3"))
            }
        }
    }
}
