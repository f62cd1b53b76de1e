import Foundation
import MigrationCore
import Testing

@Suite struct DeadLetterRecordTests {
    /// A record as runs before the correlation ids wrote it.
    static let oldLine = """
        {"at":"2026-11-02T10:00:00Z","columns":["ban","charge_id"],"line":3,"reason":"bad key","source":"dms/billing/CHARGE/LOAD00000001.csv","stage":"map","table":"CHARGE","values":["1001",null]}
        """

    @Test func recordsWrittenBeforeTheIdsStillDecode() throws {
        let record = try JSONDecoder().decode(DeadLetterRecord.self, from: Data(Self.oldLine.utf8))
        #expect(record.stage == .map && record.line == 3 && record.values == ["1001", nil])
        #expect(record.runID == nil && record.batch == nil)
    }

    @Test func theIdsRoundTripAndAreLeftOutWhenUnknown() throws {
        let record = DeadLetterRecord(
            stage: .write, table: "CHARGE", source: "f.csv", line: 27, reason: "rejected", key: "BAN#1|CHARGE#1", at: "2026-12-06T00:00:00Z",
            runID: "3fa9c2d10b7e", batch: "f.csv#26")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(record)
        #expect(try JSONDecoder().decode(DeadLetterRecord.self, from: data) == record)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["runID"] as? String == "3fa9c2d10b7e" && object["batch"] as? String == "f.csv#26")

        var unknown = record
        unknown.runID = nil
        unknown.batch = nil
        let plain = String(decoding: try encoder.encode(unknown), as: UTF8.self)
        #expect(!plain.contains("runID") && !plain.contains("batch"))
    }
}
