import Foundation
import Logging
import Synchronization
import Telemetry
import Testing

/// The executables' log handler: one valid JSON object per line, metadata
/// flattened, everything escaped, no secrets.
@Suite struct LogLineHandlerTests {
    /// Collects lines as the handler writes them.
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var sink: LogSink { LogSink { line in self.lines.withLock { $0.append(line) } } }
        var all: [String] { lines.withLock { $0 } }
    }

    static func object(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
    }

    @Test func anEventIsOneJSONObjectWithItsMetadataFlattened() throws {
        let date = Date(timeIntervalSince1970: 1_765_000_000.25)
        let line = LogLineHandler.jsonLine(
            at: date, level: .warning, label: "billmig.dead-letters", message: "dead letter",
            metadata: [
                "runID": "3fa9c2d10b7e", "batch": "dms/billing/CHARGE/LOAD00000001.csv#26", "line": .stringConvertible(27),
                "ratio": .stringConvertible(0.5), "damaged": .stringConvertible(true), "tables": .array(["CHARGE", "PAYMENT"]),
                "counts": .dictionary(["rowsRead": .stringConvertible(7)]),
            ])
        #expect(!line.contains("\n"))
        let object = try Self.object(line)
        #expect(object["timestamp"] as? String == "2025-12-06T05:46:40.250Z")
        #expect(object["level"] as? String == "warning")
        #expect(object["label"] as? String == "billmig.dead-letters")
        #expect(object["message"] as? String == "dead letter")
        #expect(object["runID"] as? String == "3fa9c2d10b7e")
        #expect(object["batch"] as? String == "dms/billing/CHARGE/LOAD00000001.csv#26")
        // Numbers and booleans stay JSON numbers and booleans.
        #expect(object["line"] as? Int == 27)
        #expect(object["ratio"] as? Double == 0.5)
        #expect(object["damaged"] as? Bool == true)
        #expect(object["tables"] as? [String] == ["CHARGE", "PAYMENT"])
        #expect((object["counts"] as? [String: Any])?["rowsRead"] as? Int == 7)
        // The fixed fields first, then the metadata in key order: lines diff well.
        #expect(line.hasPrefix("{\"timestamp\":"))
        #expect(line.range(of: "\"batch\"")!.lowerBound < line.range(of: "\"runID\"")!.lowerBound)
    }

    @Test func everyCharacterIsEscapedSoAnEventNeverSpansTwoLines() throws {
        let nasty = "quote \" backslash \\ newline \n return \r tab \t bell \u{7} nul \u{0} separator \u{2028} é 漢 🙂"
        let line = LogLineHandler.jsonLine(at: Date(), level: .error, label: "t", message: nasty, metadata: ["raw": .string(nasty), "message": "clash"])
        #expect(!line.contains("\n") && !line.contains("\r") && !line.contains("\u{2028}"))
        let object = try Self.object(line)
        #expect(object["message"] as? String == nasty)
        #expect(object["raw"] as? String == nasty)
        // Metadata cannot overwrite the fixed fields.
        #expect(object["meta_message"] as? String == "clash")
    }

    @Test func secretsNeverReachALine() throws {
        let secrets = ["hunter2", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "s3cr3t-token", "p@ss:word"]
        let lines = Lines()
        var logger = Logger(label: "billmig.test") { label in LogLineHandler(label: label, format: .json, sink: lines.sink) }
        logger[metadataKey: "source"] = "mysql://migrator:hunter2@db.example.com:3306/billing"
        logger.error("cannot connect to mysql://migrator:hunter2@db.example.com:3306/billing: refused")
        logger.info("environment", metadata: [
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "password": "hunter2",
            "settings": .dictionary(["sessionToken": "s3cr3t-token", "region": "eu-west-1"]),
        ])
        logger.warning("request failed: aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, \"token\": \"s3cr3t-token\"")
        logger.notice("password=p@ss:word and https://user:p@ss:word@host/path")
        var text = Logger(label: "billmig.test") { label in LogLineHandler(label: label, format: .text, sink: lines.sink) }
        text[metadataKey: "url"] = "mysql://migrator:hunter2@db:3306/billing"
        text.warning("AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

        #expect(lines.all.count == 5)
        for line in lines.all {
            for secret in secrets { #expect(!line.contains(secret), "\(secret) in \(line)") }
        }
        // What is not secret stays readable.
        let first = try Self.object(lines.all[0])
        #expect(first["message"] as? String == "cannot connect to mysql://migrator:***@db.example.com:3306/billing: refused")
        #expect(first["source"] as? String == "mysql://migrator:***@db.example.com:3306/billing")
        let second = try Self.object(lines.all[1])
        #expect((second["settings"] as? [String: Any])?["region"] as? String == "eu-west-1")
    }

    @Test func metadataComesFromTheHandlerTheProviderAndTheCallTheLaterWinning() throws {
        let lines = Lines()
        let provider = Logger.MetadataProvider { ["batch": "from-provider", "file": "f.csv"] }
        var logger = Logger(label: "billmig.load") { label in
            LogLineHandler(label: label, format: .json, level: .info, metadata: ["runID": "r1"], metadataProvider: provider, sink: lines.sink)
        }
        logger.debug("not shown: below the level")
        logger.info("batch written", metadata: ["batch": "from-call"])
        logger[metadataKey: "file"] = "ignored: the provider is asked later"
        logger.warning("again")
        #expect(lines.all.count == 1 + 1)
        let first = try Self.object(lines.all[0])
        #expect(first["runID"] as? String == "r1" && first["batch"] as? String == "from-call" && first["file"] as? String == "f.csv")
        #expect(try Self.object(lines.all[1])["file"] as? String == "f.csv")
    }

    @Test func concurrentEventsComeOutAsWholeLines() async throws {
        let output = Mutex<String>("")
        let sink = LogSink { line in output.withLock { $0 += line + "\n" } }
        let logger = Logger(label: "billmig.test") { label in LogLineHandler(label: label, format: .json, sink: sink) }
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for event in 0..<250 { logger.info("event", metadata: ["task": .stringConvertible(task), "event": .stringConvertible(event)]) }
                }
            }
        }
        let lines = output.withLock { $0 }.split(separator: "\n")
        #expect(lines.count == 2_000)
        var seen = Set<String>()
        for line in lines {
            let object = try Self.object(String(line))
            seen.insert("\(object["task"]!)/\(object["event"]!)")
        }
        #expect(seen.count == 2_000)
    }

    @Test func textLinesAreReadableAndLeaveTheRunIDOut() {
        #expect(LogLineHandler.textLine(level: .info, message: "file finished", metadata: ["runID": "r1", "file": "a.csv", "rowsRead": .stringConvertible(3)])
            == "file finished file=a.csv rowsRead=3")
        #expect(LogLineHandler.textLine(level: .warning, message: "dead letter", metadata: ["batch": "a.csv#1"]) == "warning: dead letter batch=a.csv#1")
    }
}
