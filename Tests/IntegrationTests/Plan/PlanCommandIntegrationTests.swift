import AWSCore
import BillingModel
import DMSStaging
import DynamoDB
import Foundation
import MigrationCore
import PlanCore
import SampleData
import Testing

/// `billmig plan` as a user runs it: on a staged folder and on the private
/// MariaDB holding the same data (the two plans agree figure for figure),
/// then `load --plan` applying the advice into moto_server.
@Suite(.serialized)
struct PlanCommandIntegrationTests {
    static let data = SampleDataSet(.init(seed: 16, accounts: 12))

    static func folder(_ label: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("billmig-plan-\(label)-\(UUID().uuidString)").path
    }

    static func plan(_ arguments: [String], environment: [String: String] = [:]) async throws -> PlanReport {
        let run = try await BillmigCLI.run(["plan"] + arguments + ["--json", "--quiet"], environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        return try JSONDecoder().decode(PlanReport.self, from: Data(run.stdout.utf8))
    }

    @Test func aStagedFolderAndTheSameRowsInMariaDBGiveTheSamePlan() async throws {
        let folder = Self.folder("staged")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try await Self.data.writeDMSFullLoad(to: LocalDirectoryStore(root: folder), layout: DMSStagingLayout(bucketFolder: "dms"))
        let staged = try await Self.plan(["--from", folder + "/dms", "--duration", "1s"])
        #expect(staged.totals.rowsRead == Self.data.totalRowCount)
        #expect(staged.totals.items == Self.data.totalRowCount)
        let hot = try #require(staged.warnings.first { $0.key == "CHARGE#VOICE" })
        #expect(hot.kind == .hotKey && hot.entity == "CHARGE")
        let ceiling = try #require(staged.advice.entityMaxWriteUnitsPerSecond["CHARGE"])

        // The readable report names the same figures, and --save keeps the JSON for `load --plan`.
        let planFile = folder + "/plan.json"
        let text = try await BillmigCLI.run(
            ["plan", "--from", folder + "/dms", "--duration", "1s", "--quiet", "--save", planFile], environment: [:])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("CHARGE#VOICE") && text.stdout.contains("warnings:") && text.stdout.contains("CHARGE \(PlanFormat.number(ceiling)) WCU/s"))

        let database = try await MariaDBSupport.freshDatabase("plan")
        defer { Task { await MariaDBSupport.dropDatabase(database) } }
        try await MariaDBSupport.insert(Self.data, into: database)
        let mysql = try await Self.plan(
            ["--from", try await MariaDBSupport.url(database: database), "--duration", "1s"],
            environment: ["BILLMIG_MYSQL_PASSWORD": MariaDBSupport.password])
        #expect(mysql.totals == staged.totals)
        #expect(mysql.keys == staged.keys)
        #expect(mysql.entities.map(\.sizes) == staged.entities.map(\.sizes))
        #expect(mysql.advice == staged.advice)

        // `load --plan` takes the advice: CHARGE paced, every row written.
        let saved = try JSONDecoder().decode(PlanReport.self, from: Data(contentsOf: URL(fileURLWithPath: planFile)))
        #expect(saved.totals == staged.totals && saved.advice == staged.advice)
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let create = try await BillmigCLI.run(["table", "create", "--table", "Planned"], environment: aws.environment)
            #expect(create.status == 0, "\(create.stderr)")
            let load = try await BillmigCLI.run(
                ["load", "--from", folder + "/dms", "--table", "Planned", "--plan", planFile, "--entity-max-wcu", "BILL=500", "--json", "--quiet"],
                environment: aws.environment)
            #expect(load.status == 0, "\(load.stderr)")
            let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(load.stdout.utf8))
            #expect(summary.total.itemsWritten == Self.data.totalRowCount)
            try await AWSClient.withClient(aws.configuration) { client in
                try ExpectedTable(Self.data).verify(try await ExpectedTable.scan(DynamoDBClient(client: client), table: "Planned"))
            }
        }
        let bad = try await BillmigCLI.run(["load", "--from", folder + "/dms", "--dry-run", "--plan", folder + "/dms"], environment: [:])
        #expect(bad.status != 0 && bad.stderr.contains("billmig plan --json"))
    }
}
