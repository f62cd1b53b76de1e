import AWSSigV4
import Foundation
import Testing

/// One case of AWS's Signature Version 4 test suite, read from `Vectors/`.
struct SigV4SuiteCase: CustomTestStringConvertible, Sendable {
    static let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let region = "us-east-1"
    static let service = "service"
    static let date = Date(timeIntervalSince1970: 1_440_938_160) // 2015-08-30T12:36:00Z
    /// The token the suite's readme gives for the post-sts-token cases.
    static let readmeSessionToken = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
    /// The token the get-vanilla-with-session-token case signs (its .creq shows it).
    static let vanillaSessionToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
    /// Cases whose .sreq carries a stale signature (it differs from the case's own .authz).
    static let staleSignedRequest: Set<String> = ["get-vanilla-with-session-token"]

    let name: String
    let request: SigV4Request
    let body: [UInt8]
    let canonicalRequest: String
    let stringToSign: String
    let authorization: String
    let signedRequest: SigV4Request

    var testDescription: String { name }

    var credentials: AWSCredentials {
        var credentials = Self.credentials
        switch name {
        case "get-vanilla-with-session-token": credentials.sessionToken = Self.vanillaSessionToken
        case "post-sts-header-before", "post-sts-header-after": credentials.sessionToken = Self.readmeSessionToken
        default: break
        }
        return credentials
    }

    var options: SigV4Signer.Options {
        var options = SigV4Signer.Options.standard
        if name == "post-sts-header-after" { options.signsSessionToken = false }
        return options
    }

    static func directory() -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Vectors")
    }

    /// Every folder holding a `.req` file, recursively.
    static func all() -> [SigV4SuiteCase] {
        let root = directory()
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var cases: [SigV4SuiteCase] = []
        for case let url as URL in enumerator where url.pathExtension == "req" {
            cases.append(load(url.deletingPathExtension()))
        }
        return cases.sorted { $0.name < $1.name }
    }

    static func load(_ base: URL) -> SigV4SuiteCase {
        func text(_ ext: String) -> String {
            (try? String(contentsOf: base.appendingPathExtension(ext), encoding: .utf8)) ?? "<missing \(ext)>"
        }
        let (request, body) = parseHTTPRequest(text("req"))
        let (signed, _) = parseHTTPRequest(text("sreq"))
        return SigV4SuiteCase(
            name: base.lastPathComponent, request: request, body: body,
            canonicalRequest: text("creq"), stringToSign: text("sts"), authorization: text("authz"),
            signedRequest: signed)
    }

    /// Reads the suite's request files: a request line whose path may hold spaces,
    /// headers with continuation lines, a blank line, then the body.
    static func parseHTTPRequest(_ text: String) -> (SigV4Request, [UInt8]) {
        var lines = text.components(separatedBy: "\n")
        let requestLine = lines.removeFirst()
        let method = String(requestLine.prefix { $0 != " " })
        var target = String(requestLine.dropFirst(method.count + 1))
        if let versionRange = target.range(of: " HTTP/", options: .backwards) {
            target = String(target[..<versionRange.lowerBound])
        }
        let path: String, query: String
        if let question = target.firstIndex(of: "?") {
            path = String(target[..<question])
            query = String(target[target.index(after: question)...])
        } else {
            path = target
            query = ""
        }
        var headers: [(name: String, value: String)] = []
        var bodyLines: [String] = []
        var inBody = false
        for line in lines {
            if inBody {
                bodyLines.append(line)
            } else if line.isEmpty {
                inBody = true
            } else if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        let request = SigV4Request(method: method, path: path, query: query, headers: headers)
        return (request, Array(bodyLines.joined(separator: "\n").utf8))
    }
}
