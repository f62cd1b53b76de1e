import BillingModel
import DynamoDB
import Foundation

/// The CloudFormation stack of the table (infra/generated/table.json): the
/// `CreateTable` body `table create` sends, plus what only a stack sets (TTL,
/// point-in-time recovery, a customer-managed key, streams, deletion
/// protection, autoscaling when provisioned).
public struct TableTemplate: Sendable {
    public var mapping: Mapping
    public var tableName: String

    public init(mapping: Mapping, tableName: String = "BillingSystem") {
        self.mapping = mapping
        self.tableName = tableName
    }

    /// Properties only the stack has, not `CreateTable`; the test that compares
    /// the two removes exactly these.
    public static let stackOnlyProperties: Set<String> = [
        "TimeToLiveSpecification", "PointInTimeRecoverySpecification", "SSESpecification", "StreamSpecification",
        "DeletionProtectionEnabled",
    ]

    /// Capacity dimensions scaled when provisioned: (parameter suffix, autoscaling metric).
    private static let capacityDimensions = [("Read", "DynamoDBReadCapacityUtilization"), ("Write", "DynamoDBWriteCapacityUtilization")]

    /// The template as pretty JSON with sorted keys (stable, so a re-render diffs clean).
    public func render() throws -> [UInt8] {
        try InfraJSON.encode(template())
    }

    func template() throws -> [String: Any] {
        let definition = TableDefinition(mapping: mapping, name: tableName)
        guard var table = try JSONSerialization.jsonObject(with: Data(DynamoDBClient.createTableBody(definition))) as? [String: Any]
        else { throw InfraRenderError("CreateTable body is not a JSON object") }

        let throughput: Any = InfraJSON.ifProvisioned([
            "ReadCapacityUnits": ["Ref": "ReadCapacity"], "WriteCapacityUnits": ["Ref": "WriteCapacity"],
        ])
        table["TableName"] = ["Ref": "TableName"]
        table["BillingMode"] = ["Ref": "BillingMode"]
        table["ProvisionedThroughput"] = throughput
        if let indexes = table["GlobalSecondaryIndexes"] as? [[String: Any]] {
            table["GlobalSecondaryIndexes"] = indexes.map { index in
                var index = index
                index["ProvisionedThroughput"] = throughput
                return index
            }
        }
        table["TimeToLiveSpecification"] = ["AttributeName": MigrationAttribute.ttl, "Enabled": true]
        table["PointInTimeRecoverySpecification"] = ["PointInTimeRecoveryEnabled": true]
        table["SSESpecification"] = ["SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": ["Ref": "TableKey"]]
        // For the reverse replication (DynamoDB back to MySQL) a roll-back needs.
        table["StreamSpecification"] = ["StreamViewType": "NEW_AND_OLD_IMAGES"]
        table["DeletionProtectionEnabled"] = true

        var resources: [String: Any] = [
            "TableKey": [
                "Type": "AWS::KMS::Key",
                "Properties": [
                    "Description": "billmig table encryption", "EnableKeyRotation": true,
                    "KeyPolicy": [
                        "Version": "2012-10-17",
                        "Statement": [[
                            "Sid": "AccountAdministers", "Effect": "Allow",
                            "Principal": ["AWS": ["Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"]],
                            "Action": "kms:*", "Resource": "*",
                        ]],
                    ],
                ],
            ],
            "Table": [
                "Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
                "Properties": table,
            ],
        ]
        let scaled = [("Table", "table/${Table}", "table")] + mapping.indexes.map { ($0.name, "table/${Table}/index/\($0.name)", "index") }
        for (name, resourceId, kind) in scaled {
            for (dimension, metric) in Self.capacityDimensions {
                let target = "\(name)\(dimension)Scaling"
                resources[target] = [
                    "Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Condition": "IsProvisioned",
                    "Properties": [
                        "ServiceNamespace": "dynamodb",
                        "ResourceId": ["Fn::Sub": resourceId],
                        "ScalableDimension": "dynamodb:\(kind):\(dimension)CapacityUnits",
                        "MinCapacity": ["Ref": "\(dimension)Capacity"],
                        "MaxCapacity": ["Ref": "Max\(dimension)Capacity"],
                    ],
                ]
                resources["\(target)Policy"] = [
                    "Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Condition": "IsProvisioned",
                    "Properties": [
                        "PolicyName": ["Fn::Sub": "${AWS::StackName}-\(target)"],
                        "PolicyType": "TargetTrackingScaling",
                        "ScalingTargetId": ["Ref": target],
                        "TargetTrackingScalingPolicyConfiguration": [
                            "TargetValue": ["Ref": "TargetUtilization"],
                            "PredefinedMetricSpecification": ["PredefinedMetricType": metric],
                        ],
                    ],
                ]
            }
        }

        func export(_ name: String, _ value: Any) -> [String: Any] {
            ["Value": value, "Export": ["Name": ["Fn::Sub": "${AWS::StackName}-\(name)"]]]
        }
        return [
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": "billmig table, generated by `billmig infra render` from the mapping: do not edit, render again.",
            "Parameters": [
                "TableName": ["Type": "String", "Default": tableName],
                "BillingMode": [
                    "Type": "String", "Default": "PAY_PER_REQUEST", "AllowedValues": ["PAY_PER_REQUEST", "PROVISIONED"],
                    "Description": "On-demand, or provisioned with target-tracking autoscaling between the capacities below.",
                ],
                "ReadCapacity": ["Type": "Number", "Default": 100, "MinValue": 1, "Description": "Provisioned: the table's and each index's least RCU."],
                "WriteCapacity": ["Type": "Number", "Default": 1000, "MinValue": 1, "Description": "Provisioned: the table's and each index's least WCU."],
                "MaxReadCapacity": ["Type": "Number", "Default": 4000, "MinValue": 1],
                "MaxWriteCapacity": ["Type": "Number", "Default": 40000, "MinValue": 1],
                "TargetUtilization": ["Type": "Number", "Default": 70, "MinValue": 20, "MaxValue": 90],
            ],
            "Conditions": ["IsProvisioned": ["Fn::Equals": [["Ref": "BillingMode"], "PROVISIONED"]]],
            "Resources": resources,
            "Outputs": [
                "TableName": export("TableName", ["Ref": "Table"]),
                "TableArn": export("TableArn", ["Fn::GetAtt": ["Table", "Arn"]]),
                "StreamArn": export("StreamArn", ["Fn::GetAtt": ["Table", "StreamArn"]]),
                "TableKeyArn": export("TableKeyArn", ["Fn::GetAtt": ["TableKey", "Arn"]]),
            ],
        ]
    }
}

/// A render that cannot be made, and why.
public struct InfraRenderError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

enum InfraJSON {
    static func encode(_ value: Any) throws -> [UInt8] {
        var data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        data.append(UInt8(ascii: "\n"))
        return Array(data)
    }

    static func ifProvisioned(_ value: Any) -> Any {
        ["Fn::If": ["IsProvisioned", value, ["Ref": "AWS::NoValue"]]]
    }
}
