import AWSTestSupport
import BillingModel
import DynamoDB
import Foundation
import Infrastructure
import Testing

@Suite("infra render: the table stack is what table create sends")
struct TableTemplateTests {
    /// The body `DynamoDBClient.createTable` put on the wire for `definition`.
    static func sentCreateTableBody(_ definition: TableDefinition) async throws -> NSDictionary {
        let transport = ScriptedTransport([ScriptedTransport.status(200, #"{"TableDescription":{}}"#)])
        // The scripted answer is not a full description; only the request matters here.
        _ = try? await DynamoDBClient(client: transport.client()).createTable(definition)
        let sent = try #require(transport.sent.current.first)
        #expect(sent.headers.first(name: "X-Amz-Target") == "DynamoDB_20120810.CreateTable")
        let body = try #require(sent.body)
        return try #require(JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? NSDictionary)
    }

    /// The stack's table properties as CloudFormation resolves them for these
    /// parameters, minus what only a stack sets.
    static func resolvedTableProperties(_ mapping: Mapping, parameters: [String: Any]) throws -> NSDictionary {
        let rendered = try TableTemplate(mapping: mapping, tableName: "BillingSystem").render()
        let template = try #require(JSONSerialization.jsonObject(with: Data(rendered)) as? [String: Any])
        let resources = try #require(template["Resources"] as? [String: Any])
        let table = try #require(resources["Table"] as? [String: Any])
        #expect(table["Type"] as? String == "AWS::DynamoDB::Table")
        var properties = try #require(table["Properties"] as? [String: Any])
        for name in TableTemplate.stackOnlyProperties {
            #expect(properties.removeValue(forKey: name) != nil, "the stack sets \(name)")
        }
        let defaults = try #require(template["Parameters"] as? [String: [String: Any]]).compactMapValues { $0["Default"] }
        let values = defaults.merging(parameters) { $1 }
        let provisioned = values["BillingMode"] as? String == "PROVISIONED"
        return try #require(resolve(properties, values: values, provisioned: provisioned) as? NSDictionary)
    }

    /// Resolves `Ref` to parameters and `Fn::If [IsProvisioned, …]`; nil is `AWS::NoValue`.
    static func resolve(_ value: Any, values: [String: Any], provisioned: Bool) -> Any? {
        if let object = value as? [String: Any] {
            if let name = object["Ref"] as? String, object.count == 1 {
                return name == "AWS::NoValue" ? nil : values[name]
            }
            if let branches = object["Fn::If"] as? [Any], branches.count == 3, branches[0] as? String == "IsProvisioned" {
                return resolve(branches[provisioned ? 1 : 2], values: values, provisioned: provisioned)
            }
            return object.compactMapValues { resolve($0, values: values, provisioned: provisioned) }
        }
        if let array = value as? [Any] { return array.compactMap { resolve($0, values: values, provisioned: provisioned) } }
        return value
    }

    @Test func onDemandTableEqualsTheCreateTableRequest() async throws {
        let sent = try await Self.sentCreateTableBody(TableDefinition(mapping: .billing, name: "BillingSystem"))
        let rendered = try Self.resolvedTableProperties(.billing, parameters: [:])
        #expect(rendered == sent)
        // And the billing mapping's table is the contract's (PK/SK, GSI1, GSI2).
        #expect(TableDefinition(mapping: .billing, name: "BillingSystem") == TableDefinition.billingSystem())
    }

    @Test func provisionedTableEqualsTheCreateTableRequest() async throws {
        let throughput = ProvisionedThroughput(readCapacityUnits: 250, writeCapacityUnits: 3000)
        let sent = try await Self.sentCreateTableBody(
            TableDefinition(mapping: .billing, name: "BillingSystem", billingMode: .provisioned(throughput)))
        let rendered = try Self.resolvedTableProperties(
            .billing, parameters: ["BillingMode": "PROVISIONED", "ReadCapacity": 250, "WriteCapacity": 3000])
        #expect(rendered == sent)
    }

    @Test func anotherMappingsKeysAndIndexesReachTheStack() async throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../mappings/classicmodels-customers.json").standardized
        let mapping = try Mapping(json: Data(contentsOf: path))
        let sent = try await Self.sentCreateTableBody(TableDefinition(mapping: mapping, name: "BillingSystem"))
        let rendered = try Self.resolvedTableProperties(mapping, parameters: [:])
        #expect(rendered == sent)
        let indexes = (rendered["GlobalSecondaryIndexes"] as? [[String: Any]] ?? []).compactMap { $0["IndexName"] as? String }
        #expect(indexes == mapping.indexes.map(\.name))
    }

    @Test func provisionedTablesScaleEveryIndexAndStreamBothImages() throws {
        let rendered = try TableTemplate(mapping: .billing).render()
        let template = try #require(JSONSerialization.jsonObject(with: Data(rendered)) as? [String: Any])
        let resources = try #require(template["Resources"] as? [String: [String: Any]])
        let targets = resources.values.filter { $0["Type"] as? String == "AWS::ApplicationAutoScaling::ScalableTarget" }
        // Read and write for the table and each of its two indexes.
        #expect(targets.count == 6)
        #expect(targets.allSatisfy { $0["Condition"] as? String == "IsProvisioned" })
        let properties = try #require(resources["Table"]?["Properties"] as? [String: Any])
        #expect((properties["StreamSpecification"] as? [String: String])?["StreamViewType"] == "NEW_AND_OLD_IMAGES")
        #expect((properties["TimeToLiveSpecification"] as? [String: Any])?["AttributeName"] as? String == "TTL")
    }
}
