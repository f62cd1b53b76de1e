import BillingModel
import NIOCore
import Testing

@testable import DMSStaging

/// Parses `input` fed in the given chunks.
func parseCSV(_ chunks: [[UInt8]], options: CSVParser.Options = CSVParser.Options()) -> [CSVRecord] {
    var parser = CSVParser(options: options)
    var records: [CSVRecord] = []
    for chunk in chunks {
        parser.consume(chunk) { records.append($0) }
    }
    parser.finish { records.append($0) }
    return records
}

func parseCSV(_ text: String, options: CSVParser.Options = CSVParser.Options()) -> [CSVRecord] {
    parseCSV([Array(text.utf8)], options: options)
}

func fields(_ record: CSVRecord) -> [SourceValue]? {
    if case .fields(let values, _) = record { return values }
    return nil
}

func line(_ record: CSVRecord) -> Int {
    switch record {
    case .fields(_, let line): return line
    case .malformed(let malformed): return malformed.line
    }
}

func malformed(_ record: CSVRecord) -> CSVMalformedRecord? {
    if case .malformed(let value) = record { return value }
    return nil
}

func t(_ text: String) -> SourceValue { .text(text) }
let null = SourceValue.null

@Suite("RFC 4180 CSV parser")
struct CSVParserTests {
    @Test("plain records with LF and CRLF endings, with and without a final line break")
    func plainRecords() {
        for text in ["a,b,c\n1,2,3\n", "a,b,c\r\n1,2,3\r\n", "a,b,c\n1,2,3", "a,b,c\r\n1,2,3"] {
            let records = parseCSV(text)
            #expect(records.compactMap(fields) == [[t("a"), t("b"), t("c")], [t("1"), t("2"), t("3")]], "\(text.debugDescription)")
            #expect(records.map(line) == [1, 2])
        }
    }

    @Test("NULL is an empty unquoted field; \"\" is the empty string")
    func nullVersusEmpty() {
        let records = parseCSV("1,,\"\",x\n,\n\"\"\n,,\n")
        #expect(
            records.compactMap(fields) == [
                [t("1"), null, t(""), t("x")],
                [null, null],
                [t("")],
                [null, null, null],
            ]
        )
    }

    @Test("quoted fields hold commas, doubled quotes, LF and CRLF; line numbers count physical lines")
    func quotedFields() {
        let text = "1,\"54, rue Royale\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",\"\"\"\"\n3,\"crlf\r\ninside\",end\r\n4,x,y\n"
        let records = parseCSV(text)
        #expect(
            records.compactMap(fields) == [
                [t("1"), t("54, rue Royale"), t("say \"hi\"")],
                [t("2"), t("two\nlines"), t("\"")],
                [t("3"), t("crlf\r\ninside"), t("end")],
                [t("4"), t("x"), t("y")],
            ]
        )
        #expect(records.map(line) == [1, 2, 4, 6])
    }

    @Test("spaces are data; a bare CR inside an unquoted field is data")
    func spacesAndBareCR() {
        let records = parseCSV("Carine ,  Norway  , x\ra\n")
        #expect(records.compactMap(fields) == [[t("Carine "), t("  Norway  "), t(" x\ra")]])
    }

    @Test("empty lines are skipped, a trailing comma gives a trailing NULL")
    func emptyLinesAndTrailingComma() {
        let records = parseCSV("\n\na,b,\n\r\n\nc,d,e\n\n")
        #expect(records.compactMap(fields) == [[t("a"), t("b"), null], [t("c"), t("d"), t("e")]])
        #expect(records.map(line) == [3, 6])
    }

    @Test("non-ASCII text is kept exactly")
    func unicode() {
        let records = parseCSV("Luleå,Kobenhavn,東京,\"🎉, party\",Zoë\n")
        #expect(records.compactMap(fields) == [[t("Luleå"), t("Kobenhavn"), t("東京"), t("🎉, party"), t("Zoë")]])
    }

    @Test("a quote inside an unquoted field is an error for that line only")
    func quoteInUnquotedField() {
        let records = parseCSV("1,ok\n2,ab\"c,d\n3,fine\n")
        #expect(records.count == 3)
        #expect(fields(records[0]) == [t("1"), t("ok")])
        let bad = malformed(records[1])
        #expect(bad?.line == 2)
        #expect(bad?.raw == "2,ab\"c,d")
        #expect(bad?.reason.contains("quote") == true)
        #expect(fields(records[2]) == [t("3"), t("fine")])
    }

    @Test("text after a closing quote is an error; parsing goes on at the next line")
    func textAfterClosingQuote() {
        let records = parseCSV("\"a\"b,c\n\"x\"\rz\nnext,row\n")
        #expect(records.count == 3)
        #expect(malformed(records[0])?.raw == "\"a\"b,c")
        #expect(malformed(records[1])?.line == 2)
        #expect(fields(records[2]) == [t("next"), t("row")])
        #expect(line(records[2]) == 3)
    }

    @Test("an unterminated quote at the end reports its first line and reads the lines after it")
    func unterminatedQuote() {
        let records = parseCSV("1,a\n2,\"open,b\n3,c\n4,d\n")
        #expect(records.count == 4)
        #expect(fields(records[0]) == [t("1"), t("a")])
        let bad = malformed(records[1])
        #expect(bad?.line == 2)
        #expect(bad?.raw == "2,\"open,b")
        #expect(bad?.reason.contains("unterminated") == true)
        #expect(fields(records[2]) == [t("3"), t("c")])
        #expect(line(records[2]) == 3)
        #expect(fields(records[3]) == [t("4"), t("d")])
        #expect(line(records[3]) == 4)
    }

    @Test("a quote closed early, then an unterminated one: both reported, the rest read")
    func quoteErrorThenUnterminated() {
        let records = parseCSV("\"a\n\"b\n\"c\nd\n")
        let errors = records.compactMap(malformed)
        #expect(errors.map(\.line) == [1, 3])
        #expect(errors.map(\.raw) == ["\"a\n\"b", "\"c"])
        #expect(records.compactMap(fields) == [[t("d")]])
        #expect(records.map(line) == [1, 3, 4])
    }

    @Test("invalid UTF-8 makes that record an error and the next one is read")
    func invalidUTF8() {
        var bytes = Array("1,ok\n2,".utf8)
        bytes += [0xC3, 0x28]  // an invalid 2-byte sequence
        bytes += Array(",x\n3,\"".utf8) + [0xED, 0xA0, 0x80] + Array("\"\n4,done\n".utf8)  // a surrogate
        let records = parseCSV([bytes])
        #expect(records.count == 4)
        #expect(malformed(records[1])?.reason == "invalid UTF-8 in field 2")
        #expect(malformed(records[1])?.line == 2)
        #expect(malformed(records[2])?.line == 3)
        #expect(fields(records[3]) == [t("4"), t("done")])
    }

    /// ASCII before the sequence of every length around the eight bytes checked at once.
    @Test("overlong forms, values above U+10FFFF and cut sequences are invalid; four-byte characters are read",
          arguments: [0, 1, 7, 8, 9, 16, 23])
    func utf8EdgeCases(asciiBefore: Int) {
        let invalid: [[UInt8]] = [[0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80]]
        let ascii = String(repeating: "a", count: asciiBefore)
        var bytes: [UInt8] = []
        for (index, sequence) in invalid.enumerated() {
            bytes += Array("\(index),\(ascii)".utf8) + sequence + Array("b\n".utf8)
        }
        bytes += Array("9,\"\(ascii)€ 😀\"\n".utf8)
        let records = parseCSV([bytes])
        #expect(records.count == invalid.count + 1)
        for index in invalid.indices {
            #expect(malformed(records[index])?.reason == "invalid UTF-8 in field 2")
        }
        #expect(fields(records[invalid.count]) == [t("9"), t("\(ascii)€ 😀")])
    }

    @Test("a record past maxRecordBytes is an error; the lines after the open quote are read again")
    func overlongRecord() {
        let options = CSVParser.Options(maxRecordBytes: 32)
        let text = "1,\"never closed\n2,b\n3,c\n4,d\n5,e\n6,f\n7,g\n8,h\n"
        let records = parseCSV(text, options: options)
        #expect(malformed(records[0])?.line == 1)
        #expect(records.compactMap(fields) == (2...8).map { [t(String($0)), t(String(UnicodeScalar(UInt8(96 + $0))))] })

        let longLine = String(repeating: "x", count: 100) + "\nok,1\n"
        let longRecords = parseCSV(longLine, options: options)
        #expect(longRecords.count == 2)
        #expect(malformed(longRecords[0]) != nil)
        #expect(fields(longRecords[1]) == [t("ok"), t("1")])
        #expect(line(longRecords[1]) == 2)
    }

    @Test("custom NULL text (CsvNullValue): it means NULL, an empty field means empty string")
    func customNullValue() {
        let records = parseCSV("NULL,,\"NULL\",x\n", options: CSVParser.Options(nullValue: "NULL"))
        #expect(records.compactMap(fields) == [[null, t(""), t("NULL"), t("x")]])
    }

    static let tricky = Array(
        ("1,\"54, rue Royale\",,\"\",Carine ,\"a \"\"quoted\"\" word\"\r\n"
            + "2,\"multi\nline\r\nvalue\",東京,🎉,\"\"\"\",x\n"
            + "\n"
            + "3,bad\"quote,z\n"
            + "4,\"\",\"\",,,\r\n"
            + "5,last,\"no newline at end\"").utf8
    )

    @Test("every split of a tricky sample into two chunks gives the same records")
    func everySplitPoint() {
        let whole = parseCSV([Self.tricky])
        #expect(whole.count == 5)
        #expect(whole.compactMap(malformed).map(\.line) == [6])
        #expect(whole.map(line) == [1, 2, 6, 7, 8])
        #expect(fields(whole[0]) == [t("1"), t("54, rue Royale"), null, t(""), t("Carine "), t("a \"quoted\" word")])
        #expect(fields(whole[1]) == [t("2"), t("multi\nline\r\nvalue"), t("東京"), t("🎉"), t("\""), t("x")])
        #expect(fields(whole[3]) == [t("4"), t(""), t(""), null, null, null])
        for offset in 0...Self.tricky.count {
            let split = parseCSV([Array(Self.tricky[..<offset]), Array(Self.tricky[offset...])])
            #expect(split == whole, "split at byte \(offset)")
        }
    }

    @Test("every pair of split points (three chunks), and one byte at a time, give the same records")
    func everyPairOfSplitPoints() {
        let sample = Array(Self.tricky.prefix(70))
        let whole = parseCSV([sample])
        for first in 0...sample.count {
            for second in first...sample.count {
                let parts = [Array(sample[..<first]), Array(sample[first..<second]), Array(sample[second...])]
                let records = parseCSV(parts)
                if records != whole {
                    Issue.record("splits at \(first) and \(second) differ")
                    return
                }
            }
        }
        #expect(parseCSV(Self.tricky.map { [$0] }) == parseCSV([Self.tricky]))
    }
}
