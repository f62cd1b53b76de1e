import AWSCore
import NIOCore

/// One data point for `PutMetricData`.
public struct MetricDatum: Sendable, Hashable {
    public var name: MetricName
    /// Exactly one of the name's dimension sets.
    public var dimensions: [MetricDimension: String]
    public var value: Double

    public init(_ name: MetricName, _ dimensions: [MetricDimension: String], value: Double) {
        self.name = name
        self.dimensions = dimensions
        self.value = value
    }
}

/// CloudWatch's `PutMetricData` (query protocol) through the project's AWS layer:
/// signing, retries, endpoints and credentials as every other client.
public struct CloudWatchClient: Sendable {
    public let client: AWSClient

    /// Every CloudWatch operation this client can send.
    public enum Operation: String, Sendable, CaseIterable {
        case putMetricData = "PutMetricData"

        public var iamAction: String { "cloudwatch:\(rawValue)" }
    }

    /// Most data points one call takes (CloudWatch's limit is 1,000 and 1 MB).
    public static let maxDataPerCall = 500

    public init(client: AWSClient) {
        self.client = client
    }

    /// Publishes `data` under `namespace`, in calls of at most `maxDataPerCall` points.
    public func putMetricData(namespace: String = MetricCatalogue.namespace, _ data: [MetricDatum]) async throws {
        var start = 0
        while start < data.count {
            let batch = data[start..<min(start + Self.maxDataPerCall, data.count)]
            let body = Self.putMetricDataBody(namespace: namespace, batch)
            _ = try await client.execute(
                AWSRequest(
                    service: .cloudWatch, operation: Operation.putMetricData.rawValue, method: .POST, path: "/",
                    headers: ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"],
                    body: ByteBuffer(string: body)))
            start += batch.count
        }
    }

    /// The form body: `MetricData.member.N.*` with dimensions in a stable order.
    static func putMetricDataBody(namespace: String, _ data: some Collection<MetricDatum>) -> String {
        var fields = [("Action", Operation.putMetricData.rawValue), ("Version", "2010-08-01"), ("Namespace", namespace)]
        for (index, datum) in data.enumerated() {
            let member = "MetricData.member.\(index + 1)"
            fields.append(("\(member).MetricName", datum.name.rawValue))
            fields.append(("\(member).Unit", datum.name.unit.rawValue))
            fields.append(("\(member).Value", String(datum.value)))
            for (position, dimension) in MetricDimension.allCases.filter({ datum.dimensions[$0] != nil }).enumerated() {
                fields.append(("\(member).Dimensions.member.\(position + 1).Name", dimension.rawValue))
                fields.append(("\(member).Dimensions.member.\(position + 1).Value", datum.dimensions[dimension]!))
            }
        }
        return fields.map { "\(SigV4Encoding.uriEncode($0.0))=\(SigV4Encoding.uriEncode($0.1))" }.joined(separator: "&")
    }
}
