import DMSStaging
import Foundation
import MigrationCore
import NIOCore

/// Dead-letter records as JSON lines under one prefix of an object store.
///
/// Each source file gets a folder; each object in it holds the records of one
/// checkpoint interval and is named after the interval's first record, so a
/// resumed run rewrites, never duplicates, what a killed run left beyond its
/// last checkpoint.
public struct DeadLetterStore: Sendable {
    let location: StateLocation
    var store: any ObjectStore { location.store }
    /// Ends with `/`.
    public var prefix: String { location.prefix }

    /// - Parameter location: the dead letters' own folder (`{state}/dead-letters/`).
    public init(_ location: StateLocation) {
        self.location = location
    }

    public init(store: any ObjectStore, prefix: String) {
        self.init(StateLocation(store: store, prefix: prefix))
    }

    func folder(for file: String) -> String { prefix + file + "/" }

    static func objectName(fromRecord: Int) -> String {
        let digits = String(fromRecord)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".jsonl"
    }

    /// Writes the records of the interval that starts at data record `fromRecord`.
    public func write(_ records: [DeadLetterRecord], file: String, fromRecord: Int) async throws {
        guard !records.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var buffer = ByteBuffer()
        for record in records {
            buffer.writeBytes(try encoder.encode(record))
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        try await store.put(key: folder(for: file) + Self.objectName(fromRecord: fromRecord), bytes: buffer)
    }

    /// Removes what a previous run wrote for intervals at or after `fromRecord`:
    /// those records will be produced again by the resumed run.
    public func discard(file: String, fromRecord: Int) async throws {
        for object in try await store.list(prefix: folder(for: file)) {
            let name = object.key.split(separator: "/").last.map(String.init) ?? ""
            guard let start = Int(name.prefix(while: \.isNumber)), start >= fromRecord else { continue }
            try await store.delete(key: object.key)
        }
    }

    /// Every record under the prefix, for reports and tests.
    public func readAll() async throws -> [DeadLetterRecord] {
        var records: [DeadLetterRecord] = []
        let decoder = JSONDecoder()
        for object in try await store.list(prefix: prefix) where object.key.hasSuffix(".jsonl") {
            let buffer = try await store.get(key: object.key)
            for line in buffer.readableBytesView.split(separator: UInt8(ascii: "\n")) {
                records.append(try decoder.decode(DeadLetterRecord.self, from: Data(line)))
            }
        }
        return records
    }
}
