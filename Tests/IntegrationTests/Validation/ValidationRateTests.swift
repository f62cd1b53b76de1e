import DynamoDB
import Foundation
import SampleData
import Testing
import Validation
import ValidationCore

/// The validation rate beside a bare parallel Scan of the same table on the same
/// endpoint (opt-in: BILLMIG_VALIDATION_RATE_ACCOUNTS=N, about 330 rows an account).
@Suite("validation rate")
struct ValidationRateTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BILLMIG_VALIDATION_RATE_ACCOUNTS"] != nil))
    func validationKeepsUpWithABareScan() async throws {
        let accounts = Int(ProcessInfo.processInfo.environment["BILLMIG_VALIDATION_RATE_ACCOUNTS"] ?? "") ?? 30
        try await MigratedFixture.with(data: SampleDataConfiguration(seed: 9, accounts: accounts)) { fixture in
            let clock = ContinuousClock()
            var scanned = 0
            let scanTime = try await clock.measure {
                scanned = try await fixture.dynamoDB.parallelScanAll(ScanInput(tableName: fixture.table), totalSegments: 2).count
            }
            let configuration = ValidationConfiguration(
                table: fixture.table, concurrency: 4, scanSegments: 2, sourceDescription: fixture.source.description)
            let validator = try Validator(configuration: configuration, source: fixture.source, dynamoDB: fixture.dynamoDB)
            var report: ValidationReport?
            let validateTime = try await clock.measure { report = try await validator.run() }
            let rows = report?.totals.rows ?? 0
            let scanRate = Double(scanned) / scanTime.seconds
            let validateRate = Double(rows) / validateTime.seconds
            print("validation rate: \(rows) rows in \(validateTime) = \(Int(validateRate)) rows/s; "
                + "bare parallel Scan: \(scanned) items in \(scanTime) = \(Int(scanRate)) items/s; "
                + "ratio \(String(format: "%.2f", validateRate / scanRate))")
            #expect(report?.isClean == true)
            #expect(rows == scanned)
        }
    }
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
