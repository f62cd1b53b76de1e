import BillingModel
import MySQLWorkload
import Testing

struct MySQLLiteralTests {
    @Test func escapesWhatMySQLWouldMisread() {
        let literal = MySQLLiteral()
        #expect(literal.quote("it's") == #"'it\'s'"#)
        #expect(literal.quote("a\\b") == #"'a\\b'"#)
        #expect(literal.quote("line\nnext\r\n") == #"'line\nnext\r\n'"#)
        #expect(literal.quote("say \"hi\"") == #"'say \"hi\"'"#)
        #expect(literal.quote("nul\u{0}ctrl-z\u{1A}") == #"'nul\0ctrl-z\Z'"#)
        #expect(literal.quote("東京 🎉, ok") == "'東京 🎉, ok'")
    }

    @Test func doublesQuotesOnlyWithNoBackslashEscapes() {
        let literal = MySQLLiteral(sqlMode: "STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES")
        #expect(literal.noBackslashEscapes)
        #expect(literal.quote("it's a\\b\n") == "'it''s a\\b\n'")
        #expect(!MySQLLiteral(sqlMode: "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION").noBackslashEscapes)
    }

    @Test func rendersSourceValues() {
        let literal = MySQLLiteral()
        #expect(literal.literal(.null) == "NULL")
        #expect(literal.literal(.text("-12.3400")) == "'-12.3400'")
        #expect(literal.literal(.bytes([0x00, 0xAB, 0x7F])) == "X'00AB7F'")
        #expect(MySQLLiteral.identifier("we`ird") == "`we``ird`")
    }
}
