import AWSCore
import BillingModel
import Cutover
import CutoverCore
import DynamoDB
import DynamoDBModel
import Migration
import Testing
import ValidationCore

/// The cutover's control items in a real table (moto): the state survives a round
/// trip and is written only from the revision read; reverse progress and the
/// newest validation run are read as published.
@Suite struct DynamoDBCutoverControlTests {
    @Test func stateRevisionsReverseProgressAndTheLastValidation() async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            try await AWSClient.withClient(aws.configuration) { client in
                let dynamoDB = DynamoDBClient(client: client)
                let table = MotoTestServer.uniqueName("cutoverctl")
                _ = try await TableSetup(client: dynamoDB).ensure(.billingSystem(name: table))
                let control = DynamoDBCutoverControl(client: dynamoDB, tableName: table)

                // Nothing stored: a fresh state.
                #expect(try await control.loadCutover() == CutoverState())
                var state = CutoverState()
                let plan = try CutoverWorkflow.plan(.shadow(samplePercent: 5), from: .replicating).get()
                try state.record(plan, outcome: .completed, at: "2026-01-01T00:00:00Z", reason: "r", actor: "a@h")
                try await control.saveCutover(state, expectedRevision: 0)
                #expect(try await control.loadCutover() == state)
                // A second writer from revision 0 is refused, and told where it stands.
                let error = await #expect(throws: CutoverError.self) { try await control.saveCutover(state, expectedRevision: 0) }
                #expect(error?.description.contains("revision 1, expected 0") == true)

                #expect(try await control.reverseProgress() == nil)
                let published = ReverseProgress(caughtUpThroughMilliseconds: 1_700_000_000_000, lagMilliseconds: 12, checkpoints: ["shard-1": "99"])
                try await dynamoDB.putItem(table, item: DynamoDBCutoverControl.reverseProgressItem(published))
                #expect(try await control.reverseProgress() == published)

                // The newest run by its end time decides, whatever its id.
                #expect(try await control.lastValidation() == nil)
                func run(_ id: String, status: String, end: String, unsettled: Int) async throws {
                    var item = ValidationRunRecord.key(run: id).attributes
                    item[ValidationRunRecord.Attribute.status] = .s(status)
                    item[ValidationRunRecord.Attribute.endTime] = .s(end)
                    item[ValidationRunRecord.Attribute.unsettled] = .n(String(unsettled))
                    try await dynamoDB.putItem(table, item: item)
                }
                try await run("b-older", status: "PASSED", end: "2026-01-01T10:00:00.000Z", unsettled: 0)
                try await run("a-newer", status: "FAILED", end: "2026-01-01T11:00:00.000Z", unsettled: 2)
                let last = try #require(try await control.lastValidation())
                #expect(!last.passed && last.unsettled == 2)
                #expect(last.finishedAt == Double(DateTimeText.epochMilliseconds(fromISO8601: "2026-01-01T11:00:00.000Z")!) / 1000)
            }
        }
    }
}
