import BillingModel
import DMSStaging
import NIOCore
import SampleData
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CPU time of the calling thread, so that other processes on a busy machine do not
/// count against the reader.
private func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

@Suite("Reader throughput")
struct ThroughputTests {
    /// Parse + interpret speed on generated CHARGE rows (12 columns, realistic text),
    /// in CPU time of one thread. The 300,000 rows/s target applies to release builds
    /// (`swift test -c release`); debug builds only check the count.
    @Test("CHARGE rows: parse and interpret at >= 300,000 rows/s of CPU in release")
    func chargeRows() throws {
        #if DEBUG
        let accounts = 40
        #else
        let accounts = 600
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
        let reader = DMSFileReader()

        var best = Double.infinity
        for _ in 0..<3 {
            let start = threadCPUSeconds()
            let (records, summary) = try reader.records(in: body, file: file, table: layout)
            best = min(best, threadCPUSeconds() - start)
            #expect(records.count == expected && summary.changes == expected)
        }
        let rate = Double(expected) / best
        print("DMS reader: \(expected) CHARGE rows (\(body.readableBytes) bytes) in \(best) s CPU = \(Int(rate)) rows/s")
        #if !DEBUG
        #expect(rate >= 300_000, "\(Int(rate)) rows/s")
        #endif
    }
}
