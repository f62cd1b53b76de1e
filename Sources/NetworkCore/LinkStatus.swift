import Foundation

/// What the AWS side reports about the links between the data centre and the
/// VPC: site-to-site VPN connections with their tunnels, and Direct Connect
/// connections. Plain values, read by `billmig network status` and judged by
/// `NetworkAssessment`.
public struct VPNConnectionStatus: Sendable, Hashable, Codable {
    public struct Tunnel: Sendable, Hashable, Codable {
        public var outsideAddress: String
        /// `UP` or `DOWN` (EC2's `VgwTelemetry`).
        public var status: String
        public var statusMessage: String?
        /// ISO 8601, as EC2 reports it.
        public var lastStatusChange: String?

        public init(outsideAddress: String, status: String, statusMessage: String? = nil, lastStatusChange: String? = nil) {
            self.outsideAddress = outsideAddress
            self.status = status
            self.statusMessage = statusMessage
            self.lastStatusChange = lastStatusChange
        }

        public var isUp: Bool { status.uppercased() == "UP" }
    }

    public var id: String
    /// `pending`, `available`, `deleting`, `deleted`.
    public var state: String
    /// Empty when the API reports no tunnel telemetry.
    public var tunnels: [Tunnel]

    public init(id: String, state: String, tunnels: [Tunnel]) {
        self.id = id
        self.state = state
        self.tunnels = tunnels
    }
}

public struct DirectConnectStatus: Sendable, Hashable, Codable {
    public var id: String
    public var name: String?
    /// `ordering`, `requested`, `pending`, `available`, `down`, `deleting`, `deleted`, `rejected`, `unknown`.
    public var state: String
    /// As AWS spells it: `1Gbps`, `10Gbps`, `500Mbps`.
    public var bandwidth: String?

    public init(id: String, name: String? = nil, state: String, bandwidth: String? = nil) {
        self.id = id
        self.name = name
        self.state = state
        self.bandwidth = bandwidth
    }

    /// The declared capacity in bits per second, when `bandwidth` can be read.
    public var capacityBitsPerSecond: Double? { bandwidth.flatMap(LinkCapacity.bitsPerSecond(parsing:)) }
}

/// A link's declared capacity, as AWS spells Direct Connect's (`1Gbps`,
/// `500Mbps`) and as people write it (`10Gbit/s`, `100 Mbit/s`).
public enum LinkCapacity {
    /// Bits per second; nil when `text` is not a positive rate in those units
    /// (a capital B is bytes, `10MB/s`: refused rather than read as bits).
    public static func bitsPerSecond(parsing text: String) -> Double? {
        guard !text.contains("B") else { return nil }
        var body = text.lowercased().replacingOccurrences(of: " ", with: "")
        if body.hasSuffix("/s") { body = String(body.dropLast(2)) + "ps" }
        body = body.replacingOccurrences(of: "bitps", with: "bps")
        for (suffix, scale) in [("gbps", 1e9), ("mbps", 1e6), ("kbps", 1e3), ("bps", 1.0)] where body.hasSuffix(suffix) {
            guard let value = Double(body.dropLast(suffix.count)), value > 0 else { return nil }
            return value * scale
        }
        return nil
    }
}
