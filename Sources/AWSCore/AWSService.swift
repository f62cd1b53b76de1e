import Foundation

/// What AWSCore needs to know about one AWS service to address and sign requests to it.
public struct AWSService: Sendable, Hashable, CustomStringConvertible {
    /// The service id as the SDKs spell it (`DynamoDB`, `S3`, `IAM`).
    public var id: String
    /// The name in the credential scope (`dynamodb`, `s3`, `iam`).
    public var signingName: String
    /// The first label of the default host name.
    public var endpointPrefix: String
    /// Global services have one endpoint and sign for `us-east-1` whatever the configured region.
    public var isGlobal: Bool

    public init(id: String, signingName: String, endpointPrefix: String? = nil, isGlobal: Bool = false) {
        self.id = id
        self.signingName = signingName
        self.endpointPrefix = endpointPrefix ?? signingName
        self.isGlobal = isGlobal
    }

    /// The suffix of `AWS_ENDPOINT_URL_<SERVICE>`: the id upper-cased, spaces as underscores.
    public var environmentSuffix: String {
        id.uppercased().replacingOccurrences(of: " ", with: "_")
    }

    public var description: String { id }

    public static let dynamoDB = AWSService(id: "DynamoDB", signingName: "dynamodb")
    /// Signs as `dynamodb`, served at `streams.dynamodb.<region>`; `AWS_ENDPOINT_URL_DYNAMODB_STREAMS` overrides it.
    public static let dynamoDBStreams = AWSService(id: "DynamoDB Streams", signingName: "dynamodb", endpointPrefix: "streams.dynamodb")
    public static let s3 = AWSService(id: "S3", signingName: "s3")
    public static let iam = AWSService(id: "IAM", signingName: "iam", isGlobal: true)
    public static let sts = AWSService(id: "STS", signingName: "sts")
    public static let sqs = AWSService(id: "SQS", signingName: "sqs")
    public static let cloudWatch = AWSService(id: "CloudWatch", signingName: "monitoring", endpointPrefix: "monitoring")
    public static let ec2 = AWSService(id: "EC2", signingName: "ec2")
    public static let directConnect = AWSService(id: "Direct Connect", signingName: "directconnect")
    public static let elasticLoadBalancingV2 = AWSService(
        id: "Elastic Load Balancing v2", signingName: "elasticloadbalancing", endpointPrefix: "elasticloadbalancing")
}
