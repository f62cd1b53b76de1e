import AWSCore
import Testing
import AWSTestSupport

@Suite("Retry policy (standard mode)")
struct RetryPolicyTests {
    static func error(_ code: String, status: Int? = 400, timeout: Bool = false) -> AWSError {
        AWSError(service: "DynamoDB", operation: "PutItem", status: status, code: code, message: "", isTimeout: timeout)
    }

    @Test func backoffIsFullJitterOfAnExponentialCeiling() {
        let policy = RetryPolicy(baseDelay: .milliseconds(100), throttlingBaseDelay: .milliseconds(500), maxBackoff: .seconds(20))
        #expect(policy.backoff(afterAttempt: 1, kind: .transient, random: 0.5) == .milliseconds(50))
        #expect(policy.backoff(afterAttempt: 3, kind: .transient, random: 1) == .milliseconds(400))
        #expect(policy.backoff(afterAttempt: 2, kind: .throttling, random: 0.25) == .milliseconds(250))
        #expect(policy.backoff(afterAttempt: 4, kind: .transient, random: 0) == .zero)
        // Capped at 20 s however many attempts.
        #expect(policy.backoff(afterAttempt: 30, kind: .throttling, random: 1) == .seconds(20))
        #expect(policy.backoff(afterAttempt: 200, kind: .transient, random: 0.5) == .seconds(10))
    }

    @Test func retriesOnlyThrottlingAndTransientErrors() {
        let policy = RetryPolicy.standard
        var quota = RetryQuota()
        for code in ["ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
                     "TooManyRequestsException", "SlowDown", "Throttling", "RequestTimeout"] {
            guard case .retry = policy.decide(error: Self.error(code), attempt: 1, quota: &quota, random: 0.5) else {
                Issue.record("\(code) was not retried")
                continue
            }
        }
        for status in [500, 502, 503, 504] {
            guard case .retry = policy.decide(error: Self.error("Whatever", status: status), attempt: 1, quota: &quota, random: 0.5) else {
                Issue.record("HTTP \(status) was not retried")
                continue
            }
        }
        #expect(policy.decide(error: Self.error("ConditionalCheckFailedException"), attempt: 1, quota: &quota, random: 0.5) == .giveUp(.notRetryable))
        #expect(policy.decide(error: Self.error("ValidationException"), attempt: 1, quota: &quota, random: 0.5) == .giveUp(.notRetryable))
        #expect(policy.decide(error: Self.error("SignatureDoesNotMatch", status: 403), attempt: 1, quota: &quota, random: 0.5) == .giveUp(.notRetryable))
        #expect(policy.decide(error: Self.error("NotImplemented", status: 501), attempt: 1, quota: &quota, random: 0.5) == .giveUp(.notRetryable))
    }

    @Test func stopsAfterMaxAttempts() {
        let policy = RetryPolicy(maxAttempts: 3)
        var quota = RetryQuota()
        let throttled = Self.error("ThrottlingException")
        #expect(policy.decide(error: throttled, attempt: 2, quota: &quota, random: 1) == .retry(after: .seconds(1), quotaCost: 5))
        #expect(policy.decide(error: throttled, attempt: 3, quota: &quota, random: 1) == .giveUp(.attemptsExhausted))
        #expect(RetryPolicy.none.decide(error: throttled, attempt: 1, quota: &quota, random: 1) == .giveUp(.attemptsExhausted))
    }

    @Test func quotaChargesRetriesAndTimeoutsMoreAndRefundsOnSuccess() {
        let settings = RetryQuota.Settings(capacity: 20, retryCost: 5, timeoutRetryCost: 10, successReward: 1)
        let policy = RetryPolicy(maxAttempts: 10, quota: settings)
        var quota = RetryQuota(settings: settings)
        let transient = Self.error("InternalError", status: 500)
        let timeout = AWSError.transport(ScriptedTransport.ScriptError.connectionReset, service: "S3", operation: "GetObject")
        #expect(timeout.kind == .transient)
        #expect(policy.decide(error: transient, attempt: 1, quota: &quota, random: 0) == .retry(after: .zero, quotaCost: 5))
        #expect(quota.available == 15)
        let timedOut = Self.error("RequestTimeout", status: nil, timeout: true)
        #expect(policy.decide(error: timedOut, attempt: 1, quota: &quota, random: 0) == .retry(after: .zero, quotaCost: 10))
        #expect(quota.available == 5)
        #expect(policy.decide(error: timedOut, attempt: 1, quota: &quota, random: 0) == .giveUp(.quotaExhausted))
        #expect(quota.available == 5)
        policy.recordSuccess(quota: &quota, lastRetryCost: 10)
        #expect(quota.available == 15)
        policy.recordSuccess(quota: &quota, lastRetryCost: nil)
        #expect(quota.available == 16)
        for _ in 0..<10 { policy.recordSuccess(quota: &quota, lastRetryCost: 5) }
        #expect(quota.available == 20) // never above capacity
    }

    @Test func noQuotaMeansOnlyAttemptsLimitRetries() {
        let policy = RetryPolicy(maxAttempts: 1000, quota: nil)
        var quota = RetryQuota(available: 0)
        #expect(policy.decide(error: Self.error("SlowDown", status: 503), attempt: 999, quota: &quota, random: 0) == .retry(after: .zero, quotaCost: 0))
    }
}
