import Foundation

/// Where requests for one service go: scheme, host, port and an optional base path.
public struct AWSEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int?
    /// A path prefix from an override URL such as `http://proxy:8080/aws`; empty otherwise.
    public var basePath: String
    /// True when the endpoint came from configuration (a local stack, a proxy) rather than
    /// from AWS's naming scheme. S3 then addresses buckets by path, not by host name.
    public var isCustom: Bool

    public init(scheme: String, host: String, port: Int? = nil, basePath: String = "", isCustom: Bool) {
        self.scheme = scheme.lowercased()
        self.host = host
        self.port = port
        self.basePath = basePath.hasSuffix("/") ? String(basePath.dropLast()) : basePath
        self.isCustom = isCustom
    }

    /// Parses `scheme://host[:port][/path]`; nil when the text is not such a URL.
    public init?(url text: String, isCustom: Bool = true) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let schemeEnd = trimmed.range(of: "://") else { return nil }
        let scheme = String(trimmed[..<schemeEnd.lowerBound]).lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = trimmed[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let path = rest.dropFirst(authority.count).prefix { $0 != "?" }
        var host = String(authority)
        var port: Int?
        if host.hasPrefix("[") { // IPv6 literal
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()) else { return nil }
                port = value
            }
            host = String(host[...close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let value = Int(host[host.index(after: colon)...]) else { return nil }
            port = value
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { return nil }
        self.init(scheme: scheme, host: host, port: port, basePath: String(path), isCustom: isCustom)
    }

    /// The `Host` header value: the port is left out when it is the scheme's default.
    public var hostHeader: String {
        guard let port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) else { return host }
        return "\(host):\(port)"
    }

    /// `scheme://host[:port]` with the base path.
    public var url: String { "\(scheme)://\(hostHeader)\(basePath)" }

    public var description: String { url }

    /// The same endpoint with a label in front of the host name (S3 virtual-hosted buckets).
    public func prefixingHost(with label: String) -> AWSEndpoint {
        var copy = self
        copy.host = label + "." + host
        return copy
    }
}

/// Picks each service's endpoint: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`
/// (or a profile's `endpoint_url`), then `https://{prefix}.{region}.amazonaws.com`.
public struct AWSEndpointResolver: Sendable, Hashable {
    /// Applies to every service without its own override.
    public var globalOverride: AWSEndpoint?
    /// By `AWSService.environmentSuffix` (`DYNAMODB`, `S3`, ...).
    public var serviceOverrides: [String: AWSEndpoint]

    public init(globalOverride: AWSEndpoint? = nil, serviceOverrides: [String: AWSEndpoint] = [:]) {
        self.globalOverride = globalOverride
        self.serviceOverrides = serviceOverrides
    }

    /// Every service at one URL, such as a local moto server.
    public init(url: String) throws {
        guard let endpoint = AWSEndpoint(url: url) else { throw AWSConfigurationError.invalidEndpoint(url) }
        self.init(globalOverride: endpoint)
    }

    public func endpoint(for service: AWSService, region: String) -> AWSEndpoint {
        if let endpoint = serviceOverrides[service.environmentSuffix] ?? globalOverride { return endpoint }
        return Self.defaultEndpoint(for: service, region: region)
    }

    public static func defaultEndpoint(for service: AWSService, region: String) -> AWSEndpoint {
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        if service.isGlobal {
            return AWSEndpoint(scheme: "https", host: "\(service.endpointPrefix).\(suffix)", isCustom: false)
        }
        return AWSEndpoint(scheme: "https", host: "\(service.endpointPrefix).\(region).\(suffix)", isCustom: false)
    }
}
