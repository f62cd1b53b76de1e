import BillingModel
import NIOCore
import SampleData
import Testing

@testable import DMSStaging

@Suite("Reader throughput")
struct ThroughputTests {
    /// Parse + interpret speed on generated CHARGE rows (12 columns, realistic text).
    /// The 300,000 rows/s target applies to release builds (`swift test -c release`);
    /// debug builds only check the count.
    @Test("CHARGE rows: parse and interpret at >= 300,000 rows/s in release")
    func chargeRows() async throws {
        #if DEBUG
        let accounts = 40
        #else
        let accounts = 800
        #endif
        let dataSet = SampleDataSet(SampleDataConfiguration(seed: 1, accounts: accounts))
        var body = ByteBuffer()
        var expected = 0
        for row in dataSet.rows(of: .charge) {
            DMSCSVEncoder.appendRecord(row, to: &body)
            expected += 1
        }
        let layout = DMSTableLayout(table: "CHARGE", columns: SampleTable.charge.columns)
        let file = DMSFile.classify(key: "billing/CHARGE/LOAD00000001.csv", under: "billing/CHARGE/")!
        let chunks: [ByteBuffer] = stride(from: 0, to: body.readableBytes, by: 256 * 1024).map {
            body.getSlice(at: $0, length: min(256 * 1024, body.readableBytes - $0))!
        }

        var best = Duration.seconds(1000)
        var count = 0
        for _ in 0..<3 {
            let start = ContinuousClock.now
            var decoder = try DMSFileDecoder(
                interpreter: DMSRecordInterpreter(file: file, layout: layout, options: DMSReadOptions()),
                compression: .none,
                options: DMSReadOptions()
            )
            count = 0
            var sink: [DMSRecord] = []
            sink.reserveCapacity(1000)
            let emit: (DMSRecord) -> Void = { record in
                sink.append(record)
                if sink.count == 1000 {
                    count += sink.count
                    sink.removeAll(keepingCapacity: true)
                }
            }
            for chunk in chunks {
                try decoder.consume(chunk, emit)
            }
            try decoder.finish(emit)
            count += sink.count
            best = min(best, ContinuousClock.now - start)
        }
        #expect(count == expected)
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
        let rate = Double(expected) / seconds
        print("DMS reader: \(expected) CHARGE rows (\(body.readableBytes) bytes) in \(seconds) s = \(Int(rate)) rows/s")
        #if !DEBUG
        #expect(rate >= 300_000, "\(Int(rate)) rows/s")
        #endif
    }
}
