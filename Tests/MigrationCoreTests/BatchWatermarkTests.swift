import MigrationCore
import Testing

@Suite struct BatchWatermarkTests {
    @Test func advancesOnlyOverContiguousCompletions() {
        var marks = BatchWatermark(start: 0)
        let a = marks.issue(upTo: 25)
        let b = marks.issue(upTo: 50)
        let c = marks.issue(upTo: 75)
        #expect(marks.complete(c).isEmpty)
        #expect(marks.watermark == 0)
        #expect(marks.complete(a) == a..<(a + 1))
        #expect(marks.watermark == 25)
        #expect(marks.complete(b) == b..<(c + 1))
        #expect(marks.watermark == 75)
        #expect(marks.isSettled)
    }

    @Test func ignoresUnknownAndRepeatedCompletions() {
        var marks = BatchWatermark(start: 10)
        let a = marks.issue(upTo: 20)
        #expect(marks.complete(a + 7).isEmpty)
        #expect(marks.complete(a) == a..<(a + 1))
        #expect(marks.complete(a).isEmpty)
        #expect(marks.watermark == 20)
    }
}
