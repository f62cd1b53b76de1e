import DynamoDBModel
import MigrationCore
import Testing

@Suite struct ChangeCheckpointTests {
    static func position(_ order: String) -> ChangeCheckpoint.FilePosition {
        .init(order: order, key: "dms/billing/BILL/\(order).csv")
    }

    static func mark(_ order: String, _ record: Int, end: Bool = false, stream: String = "BILL") -> ChangeMark {
        ChangeMark(stream: stream, file: position(order).key, fileOrder: order, record: record, endOfFile: end)
    }

    @Test func startRecordSkipsAppliedFilesAndResumesTheOneInProgress() {
        let checkpoint = ChangeCheckpoint(
            stream: "BILL", lastFile: Self.position("20240101-000000002"),
            inProgress: .init(file: Self.position("20240101-000000005"), recordsDone: 40))
        #expect(checkpoint.startRecord(for: Self.position("20240101-000000001")) == nil)
        #expect(checkpoint.startRecord(for: Self.position("20240101-000000002")) == nil)
        #expect(checkpoint.startRecord(for: Self.position("20240101-000000003")) == 0)
        #expect(checkpoint.startRecord(for: Self.position("20240101-000000005")) == 40)
        #expect(ChangeCheckpoint(stream: "BILL").startRecord(for: Self.position("20240101-000000001")) == 0)
    }

    @Test func fileOrderComparesTheOrderFirstThenTheKey() {
        let a = ChangeCheckpoint.FilePosition(order: "20240101-000000001", key: "z/20240101-000000001.csv")
        let b = ChangeCheckpoint.FilePosition(order: "20240101-000000002", key: "a/20240101-000000002.csv")
        let c = ChangeCheckpoint.FilePosition(order: "20240101-000000002", key: "b/20240101-000000002.csv")
        #expect(a < b)
        #expect(b < c)
        #expect(!(c < b))
    }

    @Test func bookMovesThroughFilesAndCountsPerEntity() {
        var book = ChangeCheckpointBook()
        book.settle(Self.mark("20240101-000000001", 1), entity: "BILL", outcome: .applied)
        book.settle(Self.mark("20240101-000000001", 2), entity: "BILL", outcome: .skippedStale)
        var checkpoint = book.checkpoint(stream: "BILL")
        #expect(checkpoint.inProgress == .init(file: Self.position("20240101-000000001"), recordsDone: 2))
        #expect(checkpoint.lastFile == nil)

        book.settle(Self.mark("20240101-000000001", 2, end: true), entity: nil, outcome: nil)
        book.settle(Self.mark("20240101-000000002", 1), entity: "BILL", outcome: .deadLettered(reason: "x"))
        checkpoint = book.checkpoint(stream: "BILL")
        #expect(checkpoint.lastFile == Self.position("20240101-000000001"))
        #expect(checkpoint.inProgress == .init(file: Self.position("20240101-000000002"), recordsDone: 1))
        #expect(checkpoint.counts["BILL"] == ChangeCounts(changesRead: 3, applied: 1, skippedStale: 1, deadLettered: 1))

        book.settle(Self.mark("20240101-000000002", 1, end: true), entity: nil, outcome: nil)
        checkpoint = book.checkpoint(stream: "BILL")
        #expect(checkpoint.lastFile == Self.position("20240101-000000002"))
        #expect(checkpoint.inProgress == nil)
    }

    @Test func deadLetterIntervalsStartAtTheLastSavedWatermarkOfTheirFile() {
        let resumed = ChangeCheckpoint(
            stream: "BILL", inProgress: .init(file: Self.position("20240101-000000001"), recordsDone: 10))
        var book = ChangeCheckpointBook(checkpoints: [resumed])
        let file1 = Self.position("20240101-000000001").key
        let file2 = Self.position("20240101-000000002").key
        #expect(book.intervalStart(stream: "BILL", file: file1) == 10)
        #expect(book.intervalStart(stream: "BILL", file: file2) == 0)

        book.settle(Self.mark("20240101-000000001", 15), entity: "BILL", outcome: .applied)
        // Not saved yet: the interval still starts where the saved checkpoint is.
        #expect(book.intervalStart(stream: "BILL", file: file1) == 10)
        let saved = book.takeChanged(updatedAt: "t1")
        #expect(saved.map(\.stream) == ["BILL"])
        #expect(saved.first?.updatedAt == "t1")
        #expect(book.intervalStart(stream: "BILL", file: file1) == 15)
        #expect(book.takeChanged(updatedAt: "t2").isEmpty)
    }

    @Test func streamsAreIndependent() {
        var book = ChangeCheckpointBook()
        book.settle(Self.mark("20240101-000000001", 3, stream: "BILL"), entity: "BILL", outcome: .applied)
        book.settle(Self.mark("20240101-000000009", 1, end: true, stream: "CHARGE"), entity: nil, outcome: nil)
        let saved = book.takeChanged(updatedAt: "t")
        #expect(saved.map(\.stream) == ["BILL", "CHARGE"])
        #expect(saved[0].inProgress?.recordsDone == 3)
        #expect(saved[1].lastFile?.order == "20240101-000000009")
        #expect(saved[1].counts.isEmpty)
    }

    @Test func laneOfAKeyIsStableAndKeysSpreadOverLanes() {
        let lanes = KeyLanes(count: 8)
        let key = ItemKey(pk: "BAN#1001", sk: "SUB#5550001")
        #expect(lanes.lane(for: key) == lanes.lane(for: ItemKey(pk: "BAN#1001", sk: "SUB#5550001")))
        var used = Set<Int>()
        var perLane = [Int](repeating: 0, count: 8)
        for index in 0..<800 {
            let lane = lanes.lane(for: ItemKey(pk: "BAN#\(index)", sk: "ACCOUNT"))
            #expect((0..<8).contains(lane))
            used.insert(lane)
            perLane[lane] += 1
        }
        #expect(used.count == 8)
        #expect(perLane.allSatisfy { $0 > 50 })
        // The separator keeps a split key from hashing like its neighbour.
        #expect(
            KeyLanes(count: 1_000_003).lane(for: ItemKey(pk: "ab", sk: "c"))
                != KeyLanes(count: 1_000_003).lane(for: ItemKey(pk: "a", sk: "bc")))
    }
}
