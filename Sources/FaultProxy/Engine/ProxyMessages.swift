import NIOCore
import NIOHTTP1

/// A complete request as received from a client.
struct ProxyRequest: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer
}

/// A complete response to send to a client.
struct ProxyResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: ByteBuffer
}

/// What the connection does with a request once the proxy has decided.
enum ProxyOutcome: Sendable {
    case respond(ProxyResponse)
    /// Close the connection without a word: the client sees a dropped connection.
    case dropConnection
}

/// Builders of the responses the proxy makes up itself, in each service's own shape.
enum ServiceResponses {
    static let dynamoDBContentType = "application/x-amz-json-1.0"
    static let dynamoDBErrorPrefix = "com.amazonaws.dynamodb.v20120810#"

    /// A DynamoDB JSON answer with the headers SDKs look at, `x-amz-crc32` included.
    static func dynamoDB(_ status: HTTPResponseStatus = .ok, body: ByteBuffer, requestID: String) -> ProxyResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: dynamoDBContentType)
        headers.add(name: "x-amzn-RequestId", value: requestID)
        headers.add(name: "x-amz-crc32", value: String(CRC32.checksum(body.readableBytesView)))
        return ProxyResponse(status: status, headers: headers, body: body)
    }

    static func dynamoDB(_ status: HTTPResponseStatus = .ok, json: String, requestID: String) -> ProxyResponse {
        dynamoDB(status, body: ByteBuffer(string: json), requestID: requestID)
    }

    /// A DynamoDB error: `{"__type": "...#Type", "message": "..."}`.
    static func dynamoDBError(
        _ status: HTTPResponseStatus,
        type: String,
        namespace: String = dynamoDBErrorPrefix,
        message: String,
        requestID: String
    ) -> ProxyResponse {
        var body = ByteBuffer()
        body.writeStaticString("{\"__type\":")
        body.writeJSONString(namespace + type)
        body.writeStaticString(",\"message\":")
        body.writeJSONString(message)
        body.writeStaticString("}")
        return dynamoDB(status, body: body, requestID: requestID)
    }

    /// An S3 REST error: `<Error><Code>...</Code><Message>...</Message></Error>`.
    static func s3Error(_ status: HTTPResponseStatus, code: String, message: String, requestID: String) -> ProxyResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/xml")
        headers.add(name: "x-amz-request-id", value: requestID)
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>\(code)</Code><Message>\(message)</Message><RequestId>\(requestID)</RequestId></Error>
            """
        return ProxyResponse(status: status, headers: headers, body: ByteBuffer(string: xml))
    }

    static func plain(_ status: HTTPResponseStatus, _ text: String) -> ProxyResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        return ProxyResponse(status: status, headers: headers, body: ByteBuffer(string: text + "\n"))
    }

    // MARK: The injected faults

    static func throttled(_ service: ServiceRequest, requestID: String) -> ProxyResponse {
        switch service {
        case .dynamoDB:
            dynamoDBError(
                .badRequest, type: "ProvisionedThroughputExceededException",
                message: "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
                requestID: requestID)
        case .dynamoDBStreams:
            dynamoDBError(.badRequest, type: "LimitExceededException", message: "Your request rate is too high.", requestID: requestID)
        case .s3:
            s3Error(.serviceUnavailable, code: "SlowDown", message: "Please reduce your request rate.", requestID: requestID)
        }
    }

    static func internalError(_ service: ServiceRequest, requestID: String) -> ProxyResponse {
        switch service {
        case .dynamoDB, .dynamoDBStreams:
            dynamoDBError(.internalServerError, type: "InternalServerError", message: "Internal server error", requestID: requestID)
        case .s3:
            s3Error(.internalServerError, code: "InternalError", message: "We encountered an internal error. Please try again.", requestID: requestID)
        }
    }

    static func serviceUnavailable(_ service: ServiceRequest, requestID: String) -> ProxyResponse {
        switch service {
        case .dynamoDB, .dynamoDBStreams:
            dynamoDBError(.serviceUnavailable, type: "ServiceUnavailableException", message: "Service unavailable", requestID: requestID)
        case .s3:
            s3Error(.serviceUnavailable, code: "ServiceUnavailable", message: "Service is unable to handle request.", requestID: requestID)
        }
    }
}

/// CRC-32 (IEEE), the checksum DynamoDB puts in `x-amz-crc32`.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1
        }
        return value
    }

    static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { table in
            for byte in bytes {
                crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
