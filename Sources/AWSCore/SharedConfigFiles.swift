import Foundation

/// The profiles of `~/.aws/credentials` and `~/.aws/config`, merged: settings in the
/// credentials file win over the same settings in the config file.
public struct SharedConfigFiles: Sendable, Hashable {
    /// Profile name to its settings, keys lower-cased.
    public var profiles: [String: [String: String]]

    public init(profiles: [String: [String: String]] = [:]) {
        self.profiles = profiles
    }

    /// Reads the files the environment points to; a missing file counts as empty.
    /// `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE` override the default paths.
    public static func load(environment: [String: String]) throws -> SharedConfigFiles {
        let home = environment["HOME"] ?? NSHomeDirectory()
        func expand(_ path: String) -> String {
            path.hasPrefix("~/") ? home + path.dropFirst(1) : path
        }
        let credentialsPath = expand(environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials")
        let configPath = expand(environment["AWS_CONFIG_FILE"] ?? "~/.aws/config")
        let credentials = try readIfPresent(credentialsPath).map { parse($0, isConfigFile: false) } ?? [:]
        let config = try readIfPresent(configPath).map { parse($0, isConfigFile: true) } ?? [:]
        var merged = config
        for (name, settings) in credentials {
            merged[name, default: [:]].merge(settings) { _, fromCredentials in fromCredentials }
        }
        return SharedConfigFiles(profiles: merged)
    }

    private static func readIfPresent(_ path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw AWSConfigurationError.unreadableFile(path: path, reason: "\(error)")
        }
    }

    /// Parses one INI file. In the config file a profile section is `[profile name]`
    /// (only `default` may be bare); in the credentials file it is `[name]`. Indented
    /// lines continue a nested block (`s3 =` and its sub-keys) and are skipped.
    public static func parse(_ text: String, isConfigFile: Bool) -> [String: [String: String]] {
        var profiles: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if rawLine.first == " " || rawLine.first == "\t" { continue }
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard let close = line.firstIndex(of: "]") else { current = nil; continue }
                let section = line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: .whitespaces)
                if isConfigFile {
                    if section == "default" {
                        current = "default"
                    } else if section.hasPrefix("profile ") || section.hasPrefix("profile\t") {
                        current = section.dropFirst("profile".count).trimmingCharacters(in: .whitespaces)
                    } else {
                        current = nil // sso-session, services and other non-profile sections
                    }
                } else {
                    current = section
                }
                if let current, profiles[current] == nil { profiles[current] = [:] }
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            // An inline comment needs whitespace before it, as the SDKs read it.
            if let comment = value.range(of: " #") ?? value.range(of: " ;") ?? value.range(of: "\t#") {
                value = value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            profiles[current]?[key] = value
        }
        return profiles
    }

    public func profile(_ name: String) -> [String: String]? {
        profiles[name]
    }
}
