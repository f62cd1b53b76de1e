import Foundation
import NIOCore
import NIOHTTP1

/// The proxy's own HTTP interface, under `/__proxy/`:
/// - `GET /__proxy/stats`: the stats as JSON;
/// - `POST /__proxy/stats/reset` (or `DELETE /__proxy/stats`): zero them, answering with the
///   stats as they were just before;
/// - `GET /__proxy/health`: `ok`.
enum ControlEndpoint {
    static let prefix = "/__proxy/"

    static func encode(_ stats: FaultProxyStats) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(stats)) ?? Data("{}".utf8)
        return ByteBuffer(bytes: data)
    }
}

extension ProxyEngine {
    func control(_ request: ProxyRequest) -> ProxyResponse {
        let path = request.head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.head.uri
        switch (request.head.method, path) {
        case (.GET, "/__proxy/stats"):
            return Self.json(ControlEndpoint.encode(stats))
        case (.POST, "/__proxy/stats/reset"), (.DELETE, "/__proxy/stats"):
            return Self.json(ControlEndpoint.encode(resetStats()))
        case (.GET, "/__proxy/health"):
            return ServiceResponses.plain(.ok, "ok")
        default:
            return ServiceResponses.plain(.notFound, "unknown proxy endpoint \(request.head.method) \(path)")
        }
    }

    private static func json(_ body: ByteBuffer) -> ProxyResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        return ProxyResponse(status: .ok, headers: headers, body: body)
    }
}
