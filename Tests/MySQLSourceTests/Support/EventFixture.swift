import BillingModel
import Foundation
import MySQLSource

/// A captured binlog excerpt: raw events (hex, header to checksum) as the
/// local MariaDB sent them, and the row changes they hold as `SELECT`
/// returned the rows at the time. Written by `BinlogStreamIntegrationTests`
/// when `BILLMIG_CAPTURE_FIXTURES` names a folder.
struct EventFixture: Codable {
    var description: String
    var server: String
    var checksum: String
    var events: [String]
    var changes: [FixtureChange]

    static func load(_ name: String) throws -> EventFixture {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            throw FixtureError(message: "fixture \(name).json is missing")
        }
        return try JSONDecoder().decode(EventFixture.self, from: Data(contentsOf: url))
    }

    func write(to folder: String, name: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try encoder.encode(self).write(to: URL(fileURLWithPath: folder).appendingPathComponent("\(name).json"))
    }

    var eventBytes: [[UInt8]] {
        get throws { try events.map(Hex.decode) }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

struct FixtureChange: Codable, Hashable {
    var table: String
    var operation: String
    var row: [FixtureValue]
    var before: [FixtureValue]?

    init(table: String, operation: String, row: SourceRow, before: SourceRow?) {
        self.table = table
        self.operation = operation
        self.row = row.map(FixtureValue.init)
        self.before = before?.map(FixtureValue.init)
    }

    init(_ change: SourceChange) {
        self.init(table: change.table, operation: change.operation.rawValue, row: change.row, before: change.before)
    }
}

/// A `SourceValue` in JSON: null, a string, or `{"hex": "..."}` for bytes.
struct FixtureValue: Codable, Hashable {
    var value: SourceValue

    init(_ value: SourceValue) { self.value = value }

    private struct BytesForm: Codable {
        var hex: String
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            value = .null
        } else if let text = try? container.decode(String.self) {
            value = .text(text)
        } else {
            value = .bytes(try Hex.decode(try container.decode(BytesForm.self).hex))
        }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch value {
        case .null: try container.encodeNil()
        case .text(let text): try container.encode(text)
        case .bytes(let bytes): try container.encode(BytesForm(hex: Hex.encode(bytes)))
        }
    }
}

enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// Hex digits; spaces and newlines between them are ignored.
    static func decode(_ text: String) throws -> [UInt8] {
        let digits = text.unicodeScalars.filter { !$0.properties.isWhitespace }.map(Character.init)
        guard digits.count % 2 == 0 else { throw FixtureError(message: "odd number of hex digits") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else {
                throw FixtureError(message: "bad hex digits \(digits[index])\(digits[index + 1])")
            }
            bytes.append(byte)
            index += 2
        }
        return bytes
    }
}
