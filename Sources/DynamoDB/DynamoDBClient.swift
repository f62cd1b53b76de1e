import AWSCore
import DynamoDBModel
import NIOCore
import NIOHTTP1

/// A DynamoDB client speaking the JSON 1.0 protocol (`X-Amz-Target: DynamoDB_20120810.<Op>`).
/// A thin layer: each method builds the request body, sends it through `AWSClient`
/// (signing, retries, typed errors) and reads the answer.
public struct DynamoDBClient: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) {
        self.client = client
    }

    /// Most items one `BatchWriteItem` call takes.
    public static let maxBatchWriteItems = 25

    // MARK: Transport

    /// Sends one operation and parses the JSON answer.
    public func call(_ operation: Operation, body: [UInt8]) async throws -> (JSONValue, AWSCallStats) {
        let request = AWSRequest(
            service: .dynamoDB, operation: operation.rawValue, method: .POST, path: "/",
            headers: [
                "X-Amz-Target": "DynamoDB_20120810.\(operation.rawValue)",
                "Content-Type": "application/x-amz-json-1.0",
            ],
            body: ByteBuffer(bytes: body))
        let response = try await client.execute(request)
        let bytes = Array(response.body.readableBytesView)
        if bytes.isEmpty { return (.object([:]), response.stats) }
        do {
            return (try JSONValue.parse(bytes), response.stats)
        } catch {
            throw DynamoDBClientError("\(operation.rawValue) answered with unreadable JSON: \(error)")
        }
    }

    func call(_ operation: Operation, _ build: (inout JSONWriter) -> Void) async throws -> (JSONValue, AWSCallStats) {
        var writer = JSONWriter()
        writer.beginObject()
        build(&writer)
        writer.endObject()
        return try await call(operation, body: writer.bytes)
    }
}
