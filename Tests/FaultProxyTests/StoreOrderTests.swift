import Testing

@testable import FaultProxy

@Suite("FaultProxy store: key order and expressions")
struct StoreOrderTests {
    @Test("numbers encode to bytes in numeric order, equal numbers alike")
    func numbersSortNumerically() throws {
        let ascending = ["-1e3", "-100", "-10", "-2.5", "-0.5", "-0.05", "0", "0.0001", "0.25", "1", "1.5", "2", "10", "99.99", "100", "1e3", "12345678901234567890"]
        let encoded = try ascending.map { try #require(OrderedNumber.encode(Array($0.utf8)), "\($0)") }
        for (lower, higher) in zip(encoded, encoded.dropFirst()) {
            #expect(compareBytes(lower, higher) < 0)
        }
        #expect(OrderedNumber.encode(Array("1.50".utf8)) == OrderedNumber.encode(Array("15e-1".utf8)))
        #expect(OrderedNumber.encode(Array("-0".utf8)) == OrderedNumber.encode(Array("0.000".utf8)))
        #expect(OrderedNumber.encode(Array("1x".utf8)) == nil)
    }

    @Test("billmig's conditions evaluate as DynamoDB's: absent attributes, version comparisons")
    func versionConditions() throws {
        let condition = try StoreExpressionParser.parse(
            "attribute_not_exists(#pk) OR #version < :version",
            names: ["#pk": "PK", "#version": "_v"], values: [":version": .s(Array("0002".utf8))])
        #expect(condition.isMet { _ in nil })
        #expect(condition.isMet { $0 == "PK" ? .s([1]) : $0 == "_v" ? .s(Array("0001".utf8)) : nil })
        #expect(!condition.isMet { $0 == "PK" ? .s([1]) : $0 == "_v" ? .s(Array("0002".utf8)) : nil })
        let grouped = try StoreExpressionParser.parse(
            "NOT (a BETWEEN :low AND :high) and begins_with(b, :p)",
            names: [:], values: [":low": .s([2]), ":high": .s([4]), ":p": .s([9])])
        #expect(grouped.isMet { $0 == "a" ? .s([5]) : .s([9, 1]) })
        #expect(!grouped.isMet { $0 == "a" ? .s([3]) : .s([9, 1]) })
        #expect(throws: StoreExpressionParser.Failure.self) { try StoreExpressionParser.parse("a.b = :v", names: [:], values: [":v": .s([1])]) }
    }
}
