@testable import AWSCore
import AWSTestSupport
import Foundation

enum TestConfig {
    static let credentials = AWSCredentials(accessKeyID: "AKIAMOCK", secretAccessKey: "mock-secret")
    static let endpoint = AWSEndpoint(url: "http://127.0.0.1:1")!

    static func configuration(maxAttempts: Int = 3, quota: RetryQuota.Settings? = .init()) -> AWSConfiguration {
        AWSConfiguration(
            region: "us-east-1", credentials: credentials, endpoint: endpoint,
            retryPolicy: RetryPolicy(maxAttempts: maxAttempts, quota: quota))
    }

    /// A clock that never sleeps but records the delays asked for.
    static func clock(sleeps: Locked<[Duration]>, random: Double = 0.5) -> AWSClient.Clock {
        AWSClient.Clock(
            now: { Date(timeIntervalSince1970: 1_700_000_000) },
            random: { random },
            sleep: { delay in sleeps.withLock { $0.append(delay) } })
    }
}
