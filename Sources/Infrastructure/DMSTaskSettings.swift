import BillingModel
import DMSStaging

/// How AWS DMS must write the staged files for `billmig load` and `apply` to read
/// them, and which tables it replicates: both from the code, so the DMS stack
/// (infra/dms.yaml, infra/generated/) and the loader cannot drift.
public struct DMSTaskSettings: Sendable {
    public var mapping: Mapping

    /// The column added from `$AR_H_CHANGE_SEQ`: `apply --change-sequence-column`.
    public static let changeSequenceColumn = "AR_H_CHANGE_SEQ"
    /// The S3 target's `CdcPath`, relative to its `BucketFolder`: `apply --cdc-path`.
    public static let cdcPath = "cdc"

    public init(mapping: Mapping) {
        self.mapping = mapping
    }

    /// What the reader is told about files written with `s3Settings`.
    public static var readOptions: DMSReadOptions {
        DMSReadOptions(header: .present, includeOpForFullLoad: true, changeSequenceColumnName: changeSequenceColumn)
    }

    /// The CSV part of the S3 target endpoint's `S3Settings` (bucket, folder, role
    /// and key come from the other stacks): a header in every file
    /// (`AddColumnName`), `I` on full-load rows too, RFC 4180 quoting, flat
    /// folders (the loader lists `{schema}/{TABLE}/`), per-table change files
    /// under the CdcPath.
    public static func s3Settings() -> [String: Any] {
        [
            "AddColumnName": true,
            "CdcPath": cdcPath,
            "CompressionType": "GZIP",
            "CsvDelimiter": ",",
            "CsvRowDelimiter": "\n",
            "DataFormat": "csv",
            "DatePartitionEnabled": false,
            "IncludeOpForFullLoad": true,
            "PreserveTransactions": false,
            "Rfc4180": true,
        ]
    }

    /// The task's table mappings: select every mapped table of the source schema,
    /// and add the change-sequence column to each (DMS's `add-column` rule with
    /// the `$AR_H_CHANGE_SEQ` header), which orders changes in `apply`.
    public func tableMappings() -> [String: Any] {
        var rules: [[String: Any]] = []
        for table in mapping.tables {
            let locator = ["schema-name": mapping.sourceSchema, "table-name": table.table]
            rules.append([
                "rule-type": "selection", "rule-id": String(rules.count + 1), "rule-name": "include-\(table.table)",
                "object-locator": locator, "rule-action": "include",
            ])
            rules.append([
                "rule-type": "transformation", "rule-id": String(rules.count + 1),
                "rule-name": "change-sequence-\(table.table)", "rule-target": "column", "object-locator": locator,
                "rule-action": "add-column", "value": Self.changeSequenceColumn, "expression": "$AR_H_CHANGE_SEQ",
                "data-type": ["type": "string", "length": 50],
            ])
        }
        return ["rules": rules]
    }

    public func renderTableMappings() throws -> [UInt8] { try InfraJSON.encode(tableMappings()) }
    public static func renderS3Settings() throws -> [UInt8] { try InfraJSON.encode(s3Settings()) }
}
