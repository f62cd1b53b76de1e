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
    public var capacityBitsPerSecond: Double? {
        guard let bandwidth else { return nil }
        let text = bandwidth.lowercased()
        for (suffix, scale) in [("gbps", 1e9), ("mbps", 1e6), ("kbps", 1e3)] where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return nil
    }
}
