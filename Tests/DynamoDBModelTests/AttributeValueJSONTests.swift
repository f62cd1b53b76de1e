import DynamoDBModel
import Foundation
import Testing

@Suite("DynamoDB wire JSON codec")
struct AttributeValueJSONTests {
    static let everyType: Item = [
        "PK": .s("BAN#00000000000000000042"),
        "amount": .n("-12345678901234567890.1234"),
        "blob": .b([0, 1, 2, 250, 251, 252, 253]),
        "flag": .bool(true),
        "off": .bool(false),
        "nothing": .null,
        "list": .l([.s("a"), .n("1"), .l([]), .m([:])]),
        "map": .m(["inner": .s("x"), "deeper": .m(["n": .n("0.10")])]),
        "strings": .ss(["a", "b"]),
        "numbers": .ns(["1", "2.5"]),
        "blobs": .bs([[1], [2, 3], []]),
        "empty": .s(""),
    ]

    @Test func roundTripsEveryType() throws {
        let bytes = DynamoDBJSON.encode(Self.everyType)
        #expect(try DynamoDBJSON.decodeItem(from: bytes) == Self.everyType)
    }

    @Test func writesTheWireFormExactly() {
        #expect(String(decoding: DynamoDBJSON.encode(.s("a\"b")), as: UTF8.self) == #"{"S":"a\"b"}"#)
        #expect(String(decoding: DynamoDBJSON.encode(.n("1.50")), as: UTF8.self) == #"{"N":"1.50"}"#)
        #expect(String(decoding: DynamoDBJSON.encode(.null), as: UTF8.self) == #"{"NULL":true}"#)
        #expect(String(decoding: DynamoDBJSON.encode(.bool(false)), as: UTF8.self) == #"{"BOOL":false}"#)
        #expect(String(decoding: DynamoDBJSON.encode(.b(Array("hello".utf8))), as: UTF8.self) == #"{"B":"aGVsbG8="}"#)
        #expect(String(decoding: DynamoDBJSON.encode(.l([.s("x"), .bool(true)])), as: UTF8.self) == #"{"L":[{"S":"x"},{"BOOL":true}]}"#)
        #expect(String(decoding: DynamoDBJSON.encode(.ss(["a", "b"])), as: UTF8.self) == #"{"SS":["a","b"]}"#)
    }

    /// Free text from the source (commas, quotes, newlines, any Unicode) survives, and
    /// Foundation's own JSON reader agrees with what was written.
    @Test(arguments: [
        "plain", "with \"quotes\" and \\backslash\\", "new\nline\r\ttab", "\u{0}\u{1}\u{1F}\u{7F}",
        "émoji 😀 中文 עברית", "</script>", "comma, separated, \"csv\"", String(repeating: "long ", count: 2000),
    ])
    func escapesStringsSoAnyJSONReaderAgrees(_ text: String) throws {
        let bytes = DynamoDBJSON.encode(["notes": .s(text)])
        let foundation = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: [String: String]]
        #expect(foundation?["notes"]?["S"] == text)
        #expect(try DynamoDBJSON.decodeItem(from: bytes) == ["notes": .s(text)])
    }

    /// The writer looks for bytes to escape eight at a time: each kind, at every
    /// place in and around a word, next to non-ASCII bytes, is escaped as a
    /// byte-by-byte writer escapes it.
    @Test(arguments: ["\"", "\\", "\n", "\u{0}", "\u{1F}", " ", "\u{7F}", "é"])
    func escapesEveryByteWhereverItIsInAWord(_ special: String) throws {
        for length in 0..<20 {
            for at in 0...length {
                let text = String(repeating: "a", count: at) + special + String(repeating: "ü", count: length - at)
                var bytes: [UInt8] = []
                DynamoDBJSON.appendString(text, to: &bytes)
                var expected = "\""
                for scalar in text.unicodeScalars {
                    switch scalar {
                    case "\"": expected += "\\\""
                    case "\\": expected += "\\\\"
                    case "\n": expected += "\\n"
                    case _ where scalar.value < 0x20: expected += String(format: "\\u%04x", scalar.value)
                    default: expected.unicodeScalars.append(scalar)
                    }
                }
                expected += "\""
                #expect(String(decoding: bytes, as: UTF8.self) == expected, "at \(at) of \(length)")
                // Reserved memory, which copies clean words whole, writes the same, roomy or not.
                for room in [4, 256] {
                    #expect([UInt8](reserving: room) { DynamoDBJSON.appendString(text, to: &$0) } == bytes)
                }
            }
        }
    }

    @Test(arguments: [0, 1, 7, 8, 64])
    func reservedBytesHoldWhatAnArrayWouldWhateverTheRoom(_ room: Int) {
        let texts = ["", "plain", "quote \" and \\", String(repeating: "\u{1}", count: 40), "Zoë"]
        var array: [UInt8] = []
        for text in texts { DynamoDBJSON.appendString(text, to: &array) }
        DynamoDBJSON.appendBase64(Array(0...20), to: &array)
        let reserved = [UInt8](reserving: room) { bytes in
            for text in texts { DynamoDBJSON.appendString(text, to: &bytes) }
            DynamoDBJSON.appendBase64(Array(0...20), to: &bytes)
        }
        #expect(reserved == array)
    }

    @Test func readsEscapesAndSurrogatePairsOtherWritersUse() throws {
        let json = #"{"a":{"S":"\u00e9\ud83d\ude00\/\b\f\n"},"b":{"N":"3"},"c":{"L":[ {"NULL" : true} ]}}"#
        let item = try DynamoDBJSON.decodeItem(from: Array(json.utf8))
        #expect(item["a"] == .s("é😀/\u{8}\u{C}\n"))
        #expect(item["b"] == .n("3"))
        #expect(item["c"] == .l([.null]))
    }

    @Test func rejectsMalformedInput() {
        for bad in [#"{"a":{"S":1}}"#, #"{"a":{"X":"1"}}"#, #"{"a":{"S":"x","N":"1"}}"#, #"{"a":"#, #"{"a":{"S":"\ud800"}}"#,
                    #"{"a":{"B":"!!"}}"#, #"[1,]"#, "{\"a\":{\"S\":\"tab\there\"}}", #"{"a":{"S":"x"}} x"#] {
            #expect(throws: DynamoDBJSONError.self, "\(bad)") { try DynamoDBJSON.decodeItem(from: Array(bad.utf8)) }
        }
    }

    @Test func jsonValuesKeepNumbersAsText() throws {
        let value = try JSONValue.parse(#"{"Count": 3, "Big": 12345678901234567890123, "F": -1.5e3, "T": [true, null, "s"]}"#)
        #expect(value["Count"]?.intValue == 3)
        #expect(value["Big"] == .number("12345678901234567890123"))
        #expect(value["F"]?.doubleValue == -1500)
        #expect(value["T"] == .array([.bool(true), .null, .string("s")]))
        #expect(try JSONValue.parse(value.jsonBytes) == value)
    }

    @Test func base64MatchesFoundation() {
        for length in 0..<40 {
            let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let ours = DynamoDBJSON.base64Encode(data)
            #expect(ours == Data(data).base64EncodedString())
            #expect(DynamoDBJSON.base64Decode(ours) == data)
        }
    }

    @Test func writerPlacesCommasAndNesting() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("TableName", "T")
        writer.key("RequestItems")
        writer.beginObject()
        writer.key("T")
        writer.beginArray()
        for id in ["1", "2"] {
            writer.beginObject()
            writer.key("PutRequest")
            writer.beginObject()
            writer.key("Item")
            writer.item(["PK": .s(id)])
            writer.endObject()
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        writer.key("Limit")
        writer.number(25)
        writer.key("Flag")
        writer.bool(true)
        writer.endObject()
        #expect(String(decoding: writer.bytes, as: UTF8.self)
            == #"{"TableName":"T","RequestItems":{"T":[{"PutRequest":{"Item":{"PK":{"S":"1"}}}},{"PutRequest":{"Item":{"PK":{"S":"2"}}}}]},"Limit":25,"Flag":true}"#)
    }

    /// A billing row sized item, as the loader encodes them.
    static func chargeItem(_ index: Int) -> Item {
        [
            "PK": .s("BAN#\(100_000 + index)"), "SK": .s("CHARGE#00000000000000\(index)#ACT\(index)"),
            "GSI1PK": .s("SUB#4165550\(index % 1000)"), "GSI1SK": .s("CHARGE#2024-01-15"),
            "GSI2PK": .s("CHARGE#VOICE"), "GSI2SK": .s("2024-01-15"), "EntityType": .s("CHARGE"),
            "ban": .n("\(100_000 + index)"), "charge_seq": .n("\(index)"), "activity_num": .s("ACT\(index)"),
            "subscriber_no": .s("4165550\(index % 1000)"), "feature_code": .s("VOICE"),
            "charge_creation_date": .s("2024-01-15"), "amount": .n("12.3400"), "tax_amount": .n("1.6042"),
            "description": .s("Long distance call, \"Toronto\" → Montréal"),
            "created_at": .s("2024-01-15T10:22:31.120Z"), "updated_at": .s("2024-01-15T10:22:31.120Z"),
            "CreatedAt": .s("2024-01-15T10:22:31.120Z"), "UpdatedAt": .s("2024-01-15T10:22:31.120Z"),
        ]
    }

    /// Many realistic items encode back to back and each decodes to itself (speed is
    /// measured by scripts/bench, never here).
    @Test func encodesManyItemsBackToBack() throws {
        let items = (0..<200).map(Self.chargeItem)
        for item in items {
            #expect(try DynamoDBJSON.decodeItem(from: DynamoDBJSON.encode(item)) == item)
        }
    }
}
