import AWSCore
import DMSStaging
import DynamoDB
import Migration
import MigrationCore
import S3

/// The I/O a command works with: the AWS client (when the environment configures
/// AWS) and the stores and targets built on it. Created and shut down around the
/// command's body, so no connection outlives it.
struct Runtime {
    let aws: AWSClient?
    /// Why AWS is not available, for a clear message when a command needs it.
    let awsProblem: String?

    /// Runs `body` with a runtime. With `needsAWS`, a configuration problem stops
    /// the command at once; without it, AWS stays unavailable and local work runs.
    static func with<R>(
        needsAWS: Bool = true, maxConnections: Int = 64, _ body: (Runtime) async throws -> R
    ) async throws -> R {
        var configuration: AWSConfiguration
        do {
            configuration = try AWSConfiguration.fromEnvironment()
        } catch {
            if needsAWS { throw CommandError("AWS is not configured: \(error)") }
            return try await body(Runtime(aws: nil, awsProblem: String(describing: error)))
        }
        configuration.http.maxConnectionsPerHost = max(configuration.http.maxConnectionsPerHost, maxConnections)
        return try await AWSClient.withClient(configuration) { client in
            try await body(Runtime(aws: client, awsProblem: nil))
        }
    }

    func awsClient() throws -> AWSClient {
        guard let aws else { throw CommandError("AWS is not configured: \(awsProblem ?? "unknown reason")") }
        return aws
    }

    func dynamoDB() throws -> DynamoDBClient {
        DynamoDBClient(client: try awsClient())
    }

    func objectStore(for location: StagingLocation) throws -> any ObjectStore {
        switch location {
        case .s3(let bucket, _):
            return S3ObjectStore(client: S3Client(client: try awsClient()), bucket: bucket)
        case .local(let folder):
            return LocalDirectoryStore(root: folder)
        }
    }

    /// Where a command keeps its state, as the pipeline takes it.
    func stateLocation(_ location: StagingLocation) throws -> StateLocation {
        StateLocation(store: try objectStore(for: location), prefix: location.keyPrefix)
    }

    func writeTarget(table: String) throws -> any ItemWriteTarget {
        DynamoDBWriteTarget(aws: try awsClient(), tableName: table)
    }

    /// The write throttle for `table`, starting at its capacity when it is provisioned.
    /// One unretried DescribeTable: an unreachable table is the writers' outage to report.
    func writeThrottle(table: String, ceiling: Double?) async -> AdaptiveRateController.Configuration {
        guard let aws else { return .init(ceiling: ceiling) }
        return await .writing(to: table, ceiling: ceiling, client: DynamoDBWriteTarget.unretriedClient(aws))
    }
}

/// A failure a person can act on, printed without a stack of types.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension StagingLocation {
    /// A location below this one.
    func appending(_ path: String) -> StagingLocation {
        switch self {
        case .s3(let bucket, let prefix):
            return .s3(bucket: bucket, prefix: prefix.isEmpty ? path : prefix + "/" + path)
        case .local(let folder):
            return .local(folder: folder + "/" + path)
        }
    }

    /// Where a key of this location's store is, for people.
    func describe(key: String) -> String {
        switch self {
        case .s3(let bucket, _): return "s3://\(bucket)/\(key)"
        case .local(let folder): return folder + "/" + key
        }
    }

    var isS3: Bool {
        if case .s3 = self { return true }
        return false
    }
}

/// Makes sure a bucket exists (for demos and generated data, never for a load).
enum S3BucketSetup {
    static func ensure(_ bucket: String, client: AWSClient) async throws {
        do {
            try await S3Client(client: client).createBucket(bucket)
        } catch let error as AWSError where ["BucketAlreadyOwnedByYou", "BucketAlreadyExists"].contains(error.code) {
            return
        }
    }
}
