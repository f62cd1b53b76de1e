import BillingModel
import MigrationCore
import SampleData
import Testing

@Suite struct BinlogChangeSequenceTests {
    @Test func isFixedWidthDigits() throws {
        let sequence = try #require(BinlogChangeSequence.sequence(of: .binlog(fileSequence: 7, position: 4_567, rowIndex: 3)))
        #expect(sequence.count == BinlogChangeSequence.digits)
        #expect(sequence == "0000000007" + "00000000000000004567" + "000003" + "1")
        let before = try #require(BinlogChangeSequence.sequence(of: .binlog(fileSequence: 7, position: 4_567, rowIndex: 3), step: .before))
        #expect(before < sequence, "the delete half of a key change sorts before its insert")
        let previousRow = try #require(BinlogChangeSequence.sequence(of: .binlog(fileSequence: 7, position: 4_567, rowIndex: 2)))
        #expect(previousRow < before)
        #expect(BinlogChangeSequence.sequence(of: .changeSequence("123")) == nil)
    }

    /// The sequence sorts exactly as the binlog position it came from, as
    /// strings and once read back as a DMS change sequence.
    @Test(arguments: [UInt64(1), 2, 3])
    func ordersAsTheBinlog(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let positions = (0..<400).map { _ in
            SourcePosition.binlog(
                fileSequence: UInt32.random(in: 1...3, using: &random), position: UInt64.random(in: 4...2_000_000, using: &random),
                rowIndex: UInt32.random(in: 0...40, using: &random))
        }
        for (a, b) in zip(positions, positions.shuffled(using: &random)) {
            let sequenceA = try #require(BinlogChangeSequence.sequence(of: a))
            let sequenceB = try #require(BinlogChangeSequence.sequence(of: b))
            let binlogOrder = a.orderingKey < b.orderingKey
            #expect((sequenceA < sequenceB) == binlogOrder)
            #expect((SourcePosition.changeSequence(sequenceA).orderingKey < SourcePosition.changeSequence(sequenceB).orderingKey) == binlogOrder)
        }
    }
}

