import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// An answer as a client sees it.
struct ClientResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    /// DynamoDB's `__type`, without the namespace.
    var errorType: String? {
        (json["__type"] as? String).map { String($0.split(separator: "#").last ?? "") }
    }
}

/// Runs `body` with an HTTP client that is shut down afterwards.
func withTestClient<Result>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: (HTTPClient) async throws -> Result
) async throws -> Result {
    var configuration = HTTPClient.Configuration()
    configuration.decompression = .disabled
    configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 32)
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

extension HTTPClient {
    func send(
        _ method: HTTPMethod = .POST,
        _ url: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil
    ) async throws -> ClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = HTTPHeaders(headers)
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 64 << 20)
        return ClientResponse(status: response.status, headers: response.headers, body: Array(collected.readableBytesView))
    }

    /// A DynamoDB call: `X-Amz-Target` set from `operation`.
    func dynamoDB(_ url: String, _ operation: String, _ json: String, headers: [(String, String)] = []) async throws -> ClientResponse {
        try await send(
            .POST, url,
            headers: [("X-Amz-Target", "DynamoDB_20120810.\(operation)"), ("Content-Type", "application/x-amz-json-1.0")] + headers,
            body: Array(json.utf8))
    }
}

/// Builders of DynamoDB request bodies for tests.
enum DynamoDBJSON {
    /// A `BatchWriteItem` body with a put per key; `padding` adds an attribute of that many bytes.
    static func batchWrite(table: String = "BillingSystem", keys: [(String, String)], padding: Int = 0) -> String {
        let requests = keys.map { pk, sk in
            var item = #""PK":{"S":"\#(pk)"},"SK":{"S":"\#(sk)"}"#
            if padding > 0 { item += #","Pad":{"S":"\#(String(repeating: "x", count: padding))"}"# }
            return #"{"PutRequest":{"Item":{\#(item)}}}"#
        }
        return #"{"RequestItems":{"\#(table)":[\#(requests.joined(separator: ","))]},"ReturnConsumedCapacity":"NONE"}"#
    }

    static func keys(_ count: Int, prefix: String = "BAN#") -> [(String, String)] {
        (0..<count).map { ("\(prefix)\($0)", "ACCOUNT") }
    }

    /// The `PK`s of the put requests under `table` in a `RequestItems`/`UnprocessedItems` map.
    static func putKeys(in map: Any?, table: String = "BillingSystem") -> [String] {
        guard let tables = map as? [String: Any], let requests = tables[table] as? [[String: Any]] else { return [] }
        return requests.compactMap { request in
            let put = request["PutRequest"] as? [String: Any]
            let item = put?["Item"] as? [String: Any]
            return (item?["PK"] as? [String: Any])?["S"] as? String
        }
    }
}
