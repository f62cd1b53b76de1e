import DynamoDBModel
import NIOCore
import Testing

@testable import FaultProxy

@Suite("Request scanning")
struct ScannerTests {
    private func withCursor<T>(_ json: String, _ body: (inout JSONCursor) throws -> T) rethrows -> T {
        let bytes = Array(json.utf8)
        return try bytes.withUnsafeBytes { raw in
            var cursor = JSONCursor(raw)
            return try body(&cursor)
        }
    }

    @Test("strings with escapes decode, and their UTF-8 length is the decoded one")
    func escapes() throws {
        try withCursor(#""a\"b\\c\/\n\u00e9\ud83d\ude00x""#) { cursor in
            let token = try cursor.readString()
            #expect(token.hasEscapes)
            let text = try cursor.string(token)
            #expect(text == "a\"b\\c/\né😀x")
            #expect(try cursor.decodedUTF8Count(token) == text.utf8.count)
        }
    }

    @Test("malformed documents are refused", arguments: [
        #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":1"#, #"["a" "b"]"#, #"{"a":tru}"#, "{\"a\":\"x\ny\"}", #"{"a":1} x"#,
    ])
    func malformed(_ json: String) {
        #expect(throws: JSONSyntaxError.self) {
            try withCursor(json) { cursor in
                try walk(&cursor)
                try cursor.expectEnd()
            }
        }
    }

    /// Reads a whole document with the container API, as the proxy reads the parts it uses.
    private func walk(_ cursor: inout JSONCursor) throws {
        switch cursor.peek() {
        case UInt8(ascii: "{"):
            var members = try cursor.beginObject()
            while try cursor.nextKey(&members) != nil { try walk(&cursor) }
        case UInt8(ascii: "["):
            var elements = try cursor.beginArray()
            while try cursor.nextElement(&elements) { try walk(&cursor) }
        default:
            try cursor.skipValue()
        }
    }

    @Test("well-formed documents are accepted by the same walk")
    func wellFormed() throws {
        try withCursor(#" {"a":[1,-2.5e3,true,false,null,"s",{"b":{}}],"c":[]} "#) { cursor in
            try walk(&cursor)
            try cursor.expectEnd()
        }
    }

    @Test("item sizes follow DynamoDB's rules", arguments: [
        (#"{"PK":{"S":"ab"},"SK":{"S":"c"}}"#, 2 + 2 + 2 + 1),
        (#"{"PK":{"S":"a"},"SK":{"S":"b"},"n":{"N":"12345"}}"#, 6 + 1 + 4),  // 5 digits: 3 bytes + 1
        (#"{"PK":{"S":"a"},"SK":{"S":"b"},"n":{"N":"-0012.3400"}}"#, 6 + 1 + 3),  // 1234: 2 + 1
        (#"{"PK":{"S":"a"},"SK":{"S":"b"},"é":{"S":"ü"}}"#, 6 + 2 + 2),
        (#"{"PK":{"S":"a"},"SK":{"S":"b"},"bin":{"B":"AAECAw=="}}"#, 6 + 3 + 4),
        (#"{"PK":{"S":"a"},"SK":{"S":"b"},"f":{"BOOL":false},"z":{"NULL":true}}"#, 6 + 2 + 2),
        (#"{"PK":{"S":"a"},"SK":{"S":"b"},"l":{"L":[{"S":"xy"},{"N":"1"}]}}"#, 6 + 1 + 3 + (1 + 2) + (1 + 2)),
        (#"{"PK":{"S":"a"},"SK":{"S":"b"},"m":{"M":{"k":{"S":"v"}}}}"#, 6 + 1 + 3 + (1 + 1 + 1)),
        (#"{"PK":{"S":"a"},"SK":{"S":"b"},"ss":{"SS":["x","yz"]}}"#, 6 + 2 + 3),
    ])
    func itemSize(_ json: String, _ expected: Int) throws {
        let item = try withCursor(json) { try $0.scanItem() }
        #expect(item.size == expected)
        #expect(item.key != nil)
    }

    @Test("write units: one per started KB, at least one")
    func writeUnits() {
        #expect(DynamoDBSizing.writeUnits(forItemSize: 0) == 1)
        #expect(DynamoDBSizing.writeUnits(forItemSize: 1024) == 1)
        #expect(DynamoDBSizing.writeUnits(forItemSize: 1025) == 2)
        #expect(DynamoDBSizing.writeUnits(forItemSize: 400 * 1024) == 400)
    }

    @Test("a batch is read with keys, kinds and exact element ranges, and re-rendered in part")
    func batchScanAndRender() throws {
        let json = #"{ "RequestItems" : { "A" : [ {"PutRequest":{"Item":{"PK":{"S":"1"},"SK":{"S":"x"}}}} , {"DeleteRequest":{"Key":{"SK":{"S":"y"},"PK":{"S":"2"}}}} ], "B\u0020":[{"PutRequest":{"Item":{"PK":{"S":"3"},"SK":{"S":"z"}}}}] }, "ReturnItemCollectionMetrics":"SIZE" }"#
        let bytes = Array(json.utf8)
        try bytes.withUnsafeBytes { raw in
            let scan = try BatchWriteScan(raw)
            #expect(scan.tables.map(\.name) == ["A", "B "])
            #expect(scan.requestCount == 3)
            #expect(scan.tables[0].requests.map(\.isPut) == [true, false])
            #expect(scan.tables[0].requests[1].item.key == ItemKey(pk: "2", sk: "y"))
            #expect(scan.shapeViolation() == nil)

            var kept = ByteBuffer()
            scan.renderRequest(from: raw, keeping: [false, true, true], into: &kept)
            #expect(String(buffer: kept) == #"{"RequestItems":{"A":[{"DeleteRequest":{"Key":{"SK":{"S":"y"},"PK":{"S":"2"}}}}],"B\u0020":[{"PutRequest":{"Item":{"PK":{"S":"3"},"SK":{"S":"z"}}}}]},"ReturnItemCollectionMetrics":"SIZE"}"#)

            var withheld = ByteBuffer()
            scan.renderRequestItems(from: raw, selecting: [true, false, false], into: &withheld)
            #expect(String(buffer: withheld) == #"{"A":[{"PutRequest":{"Item":{"PK":{"S":"1"},"SK":{"S":"x"}}}}]}"#)

            var none = ByteBuffer()
            scan.renderRequestItems(from: raw, selecting: [false, false, false], into: &none)
            #expect(String(buffer: none) == "{}")
        }
    }

    @Test("fault scopes pick the right requests")
    func scopes() {
        let put = ServiceRequest.dynamoDB(.putItem)
        let batch = ServiceRequest.dynamoDB(.batchWriteItem)
        #expect(FaultConfiguration(scope: .all).applies(to: .s3))
        #expect(FaultConfiguration(scope: .s3).applies(to: .s3))
        #expect(!FaultConfiguration(scope: .s3).applies(to: put))
        #expect(FaultConfiguration(scope: .dynamoDB()).applies(to: put))
        #expect(!FaultConfiguration(scope: .dynamoDB()).applies(to: .s3))
        #expect(FaultConfiguration(scope: .dynamoDB(operations: ["PutItem"])).applies(to: put))
        #expect(!FaultConfiguration(scope: .dynamoDB(operations: ["PutItem"])).applies(to: batch))
    }

    @Test("upstream URLs are read into host, port and path prefix")
    func upstreamURL() {
        #expect(UpstreamURL("http://127.0.0.1:5000") == UpstreamURL(host: "127.0.0.1", port: 5000, pathPrefix: ""))
        #expect(UpstreamURL("http://localhost/prefix/") == UpstreamURL(host: "localhost", port: 80, pathPrefix: "/prefix"))
        #expect(UpstreamURL("http://[::1]:8000")?.host == "[::1]")
        #expect(UpstreamURL("ftp://127.0.0.1") == nil)
        #expect(UpstreamURL("http://127.0.0.1:99999") == nil)
    }

    @Test("CRC-32 matches the standard check value")
    func crc() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
