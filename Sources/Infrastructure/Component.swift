import DynamoDB
import NetworkMonitor
import S3
import SQS
import Telemetry

/// A deployed part of the migration that runs billmig (or the billing service)
/// under its own IAM role in infra/iam.yaml. Its actions are the client
/// operations its commands call, named by the clients' own `Operation` lists,
/// so a renamed or removed operation fails to compile here, and infra/tests
/// fails when a role lacks an action printed by `billmig infra actions`.
public enum Component: String, Sendable, CaseIterable {
    /// `load`, `apply`, `worker`, `stream`, `stage`, `status`, `network status`: role `WorkerRole`.
    case worker
    /// `validate`, `repair`, `query`: role `ValidatorRole`.
    case validator
    /// The billing service, blue and green: role `ServiceRole`.
    case service

    /// The logical id of its role in infra/iam.yaml.
    public var roleLogicalId: String {
        switch self {
        case .worker: "WorkerRole"
        case .validator: "ValidatorRole"
        case .service: "ServiceRole"
        }
    }

    public var dynamoDBOperations: [DynamoDBClient.Operation] {
        switch self {
        // Full-load batches, conditional change puts, tombstones (a delete of a
        // tracking item), tracking and status reads, the table check at start.
        case .worker: [.batchWriteItem, .putItem, .deleteItem, .getItem, .query, .describeTable]
        // The parallel Scan, per-account Queries, repairs (conditional puts),
        // the VALIDATION# run item.
        case .validator: [.scan, .query, .getItem, .putItem, .describeTable]
        case .service: [.getItem, .query, .putItem, .deleteItem]
        }
    }

    public var s3Operations: [S3Client.Operation] {
        switch self {
        // Staged files (list, read, size check), checkpoints and dead letters (write, remove).
        case .worker: [.listObjectsV2, .getObject, .headObject, .putObject, .deleteObject]
        case .validator, .service: []
        }
    }

    public var sqsOperations: [SQSClient.Operation] {
        switch self {
        // `worker` on the staging bucket's file-event queue (a waiting change file is sent
        // again); `status --queue` finds and reads its dead-letter queue.
        case .worker: [.receiveMessage, .deleteMessage, .changeMessageVisibility, .sendMessage, .getQueueAttributes, .getQueueUrl]
        case .validator, .service: []
        }
    }

    /// CloudWatch: every component publishes its metrics (to `MetricCatalogue.namespace` only).
    public var cloudWatchOperations: [CloudWatchClient.Operation] { [.putMetricData] }

    /// `network status` (the workers run beside the stream, and watch its links).
    public var networkActions: [String] {
        switch self {
        case .worker:
            VPNConnectionsClient.Operation.allCases.map(\.iamAction) + DirectConnectClient.Operation.allCases.map(\.iamAction)
        case .validator, .service: []
        }
    }

    /// The IAM actions its role must allow, sorted and without repeats.
    public var iamActions: [String] {
        Set(
            dynamoDBOperations.map(\.iamAction) + s3Operations.map(\.iamAction) + sqsOperations.map(\.iamAction)
                + cloudWatchOperations.map(\.iamAction) + networkActions
        ).sorted()
    }
}
