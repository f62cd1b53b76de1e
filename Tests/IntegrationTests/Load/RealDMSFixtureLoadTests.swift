import AWSCore
import BillingModel
import DMSStaging
import DynamoDB
import DynamoDBModel
import Foundation
import Migration
import MigrationCore
import Testing

/// Real AWS DMS output (../shared/fixtures/real-dms, read in place) loaded through
/// a mapping file written for its table; every item checked against the CSV.
@Suite
struct RealDMSFixtureLoadTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repository.deletingLastPathComponent().appendingPathComponent("shared/fixtures/real-dms")
    static let columns = [
        "customerNumber", "customerName", "contactLastName", "contactFirstName", "phone", "addressLine1",
        "addressLine2", "city", "state", "postalCode", "country", "salesRepEmployeeNumber", "creditLimit",
    ]

    @Test func loadsEveryRowOfTheRealFullLoadAsItsItem() async throws {
        let loadFile = Self.fixtures.appendingPathComponent("classicmodels/customers/LOAD00000001.csv")
        guard FileManager.default.fileExists(atPath: loadFile.path) else {
            try Test.cancel("the real DMS fixture is absent (\(loadFile.path)); it comes with ../shared")
        }
        let mapping = try Mapping(json: Data(contentsOf: Self.repository.appendingPathComponent("mappings/classicmodels-customers.json")))
        let rows = Self.parse(try String(contentsOf: loadFile, encoding: .utf8))
        #expect(rows.count == 30)

        try await LocalAWS.withMotoServer(authenticated: true) { aws in
            try await AWSClient.withClient(aws.configuration) { client in
                let dynamo = DynamoDBClient(client: client)
                _ = try await TableSetup(client: dynamo).ensure(.billingSystem(name: "Customers"))
                let summary = try await FullLoad(
                    configuration: FullLoadConfiguration(
                        sourcePrefix: "", sourceDescription: Self.fixtures.path, tableName: "Customers", mapping: mapping),
                    source: LocalDirectoryStore(root: Self.fixtures.path),
                    target: DynamoDBWriteTarget(aws: client, tableName: "Customers"),
                    state: StateLocation(store: InMemoryObjectStore(), prefix: "state/")
                ).run()
                #expect(summary.status == .completed)
                #expect(summary.total.itemsWritten == 30)

                let items = try await ExpectedTable.scan(dynamo, table: "Customers")
                #expect(items.count == 30)
                for row in rows {
                    let number = row[0]!
                    let item = try #require(items[ItemKey(pk: "CUSTOMER#\(number)", sk: "PROFILE")], "customer \(number)")
                    #expect(item["EntityType"] == .s("customers"))
                    for (index, column) in Self.columns.enumerated() {
                        switch (row[index], item[column]) {
                        case (nil, nil): continue
                        case (let text?, .s(let value)?): #expect(value == text, "\(number).\(column)")
                        case (let text?, .n(let value)?): #expect(DecimalText.equal(value, text), "\(number).\(column)")
                        case (let text, let value): Issue.record("\(number).\(column): CSV \(String(describing: text)), item \(String(describing: value))")
                        }
                    }
                    // A sparse index: no sales rep, no GSI1 keys.
                    #expect((item["GSI1PK"] == nil) == (row[11] == nil))
                }
                // Values worth noticing in this file, checked by name.
                #expect(items[ItemKey(pk: "CUSTOMER#103", sk: "PROFILE")]?["contactFirstName"] == .s("Carine "))
                #expect(items[ItemKey(pk: "CUSTOMER#103", sk: "PROFILE")]?["addressLine1"] == .s("54, rue Royale"))
                #expect(items[ItemKey(pk: "CUSTOMER#125", sk: "PROFILE")]?["salesRepEmployeeNumber"] == nil)
            }
        }
    }

    /// A small RFC 4180 reader of the test's own, so the check does not lean on the
    /// parser under test. An empty unquoted field is NULL.
    static func parse(_ text: String) -> [[String?]] {
        var rows: [[String?]] = []
        var row: [String?] = []
        var field = ""
        var quoted = false
        var wasQuoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" { field.append("\""); characters = characters.dropFirst() } else { quoted = false }
                } else { field.append(character) }
                continue
            }
            switch character {
            case "\"": quoted = true; wasQuoted = true
            case ",": row.append(field.isEmpty && !wasQuoted ? nil : field); field = ""; wasQuoted = false
            case "\n", "\r\n":
                row.append(field.isEmpty && !wasQuoted ? nil : field)
                rows.append(row)
                row = []; field = ""; wasQuoted = false
            case "\r": continue
            default: field.append(character)
            }
        }
        if !row.isEmpty || !field.isEmpty { row.append(field.isEmpty && !wasQuoted ? nil : field); rows.append(row) }
        return rows
    }
}
