extension S3Client {
    /// Every S3 operation this client can send (its requests take nothing else).
    public enum Operation: String, Sendable, CaseIterable {
        case createBucket = "CreateBucket"
        case deleteBucket = "DeleteBucket"
        case deleteObject = "DeleteObject"
        case getObject = "GetObject"
        case headObject = "HeadObject"
        case listObjectsV2 = "ListObjectsV2"
        case putObject = "PutObject"

        /// The IAM action that allows it (S3's actions are not all named as its operations).
        public var iamAction: String {
            switch self {
            case .createBucket: "s3:CreateBucket"
            case .deleteBucket: "s3:DeleteBucket"
            case .deleteObject: "s3:DeleteObject"
            case .getObject, .headObject: "s3:GetObject"
            case .listObjectsV2: "s3:ListBucket"
            case .putObject: "s3:PutObject"
            }
        }
    }
}
