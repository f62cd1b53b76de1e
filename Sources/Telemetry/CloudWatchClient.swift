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
        /// The cutover's gates read alarm states (the operator's role, not a component's).
        case describeAlarms = "DescribeAlarms"

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

    /// The state value (`OK`, `ALARM`, `INSUFFICIENT_DATA`) of each named alarm
    /// CloudWatch knows; a name it does not know is missing from the answer.
    public func alarmStates(names: [String]) async throws -> [String: String] {
        var states: [String: String] = [:]
        var start = 0
        while start < names.count {
            // DescribeAlarms takes at most 100 names a call.
            let batch = names[start..<min(start + 100, names.count)]
            let parameters = batch.enumerated().map { (name: "AlarmNames.member.\($0.offset + 1)", value: $0.element) }
            let answer = try await client.executeQuery(
                .cloudWatch, action: Operation.describeAlarms.rawValue, version: "2010-08-01", parameters: parameters)
            for alarm in answer.first(named: "MetricAlarms")?.children("member") ?? [] {
                if let name = alarm.childText("AlarmName"), let state = alarm.childText("StateValue") { states[name] = state }
            }
            start += batch.count
        }
        return states
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
