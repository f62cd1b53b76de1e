import BillingModel
import Foundation
import Infrastructure
import Telemetry
import Testing

@Suite("infra render: DMS table mappings, IAM actions, metric catalogue")
struct DMSTaskSettingsTests {
    @Test func everyMappedTableIsSelectedAndGetsTheChangeSequenceColumn() throws {
        let rendered = try DMSTaskSettings(mapping: .billing).renderTableMappings()
        let json = try #require(JSONSerialization.jsonObject(with: Data(rendered)) as? [String: Any])
        let rules = try #require(json["rules"] as? [[String: Any]])
        let selected = rules.filter { $0["rule-type"] as? String == "selection" }
            .compactMap { ($0["object-locator"] as? [String: String])?["table-name"] }
        #expect(selected == Mapping.billing.tables.map(\.table))
        let added = rules.filter { $0["rule-action"] as? String == "add-column" }
        #expect(added.count == Mapping.billing.tables.count)
        #expect(added.allSatisfy { $0["value"] as? String == DMSTaskSettings.changeSequenceColumn && $0["expression"] as? String == "$AR_H_CHANGE_SEQ" })
        // DMS wants unique rule ids.
        #expect(Set(rules.compactMap { $0["rule-id"] as? String }).count == rules.count)
    }

    @Test func theReaderIsToldWhatTheSettingsWrite() {
        let settings = DMSTaskSettings.s3Settings()
        let options = DMSTaskSettings.readOptions
        #expect(settings["AddColumnName"] as? Bool == true && options.header == .present)
        #expect(settings["IncludeOpForFullLoad"] as? Bool == options.includeOpForFullLoad)
        #expect(options.changeSequenceColumnName == DMSTaskSettings.changeSequenceColumn)
        #expect(settings["TimestampColumnName"] == nil && options.timestampColumnName == nil)
    }

    @Test func workerActionsComeFromTheClientsOperations() {
        let actions = Component.worker.iamActions
        #expect(actions.contains("dynamodb:BatchWriteItem"))
        #expect(actions.contains("s3:ListBucket"))  // ListObjectsV2
        #expect(actions.contains("cloudwatch:PutMetricData"))
        #expect(!actions.contains("dynamodb:DeleteTable"))
        #expect(actions == actions.sorted() && Set(actions).count == actions.count)
    }

    @Test func alarmedMetricsArePublishedPerTable() {
        for name in MetricName.allCases {
            #expect(name.dimensionSets.contains([.table]), "\(name) has a Table-only series the alarms watch")
        }
    }
}
