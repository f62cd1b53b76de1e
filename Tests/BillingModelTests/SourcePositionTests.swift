import BillingModel
import Testing

/// Pins `SourcePosition.orderingKey` (the mapper's `SourceVersion`), which the mapper's
/// speed work rewrote without changing its output.
@Suite struct SourcePositionTests {
    @Test func orderingKeysHaveFixedWidthsAndOrder() {
        #expect(SourcePosition.fullLoad(file: "LOAD00000001.csv", line: 9).orderingKey == "0")
        #expect(
            SourcePosition.changeSequence("20240115102231120000000000000000042").orderingKey
                == "S0000020240115102231120000000000000000042")
        #expect(SourcePosition.changeSequence("7").orderingKey == "S" + String(repeating: "0", count: 39) + "7")
        let long = String(repeating: "9", count: 45)
        #expect(SourcePosition.changeSequence(long).orderingKey == "S" + long)
        #expect(
            SourcePosition.changeFile(name: "20240809-192717787.csv", line: 12).orderingKey
                == "F20240809-192717787.csv#0000000012")
        #expect(
            SourcePosition.binlog(fileSequence: 3, position: 4567, rowIndex: 2).orderingKey
                == "B000000000300000000000000004567000002")
        #expect(
            SourcePosition.binlog(fileSequence: .max, position: .max, rowIndex: 999_999).orderingKey
                == "B429496729518446744073709551615999999")
        #expect(
            SourcePosition.changeSequence("100").orderingKey > SourcePosition.changeSequence("99").orderingKey)
    }
}
