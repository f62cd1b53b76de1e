import BillingModel
import Foundation
import Logging
import MigrationCore
import Synchronization

/// Paces reading from the source to its `TransferLimit`: a reader reports the
/// bytes it has just read and waits as long as the limit asks. A reader that
/// waits stops taking data off its connection, so TCP's window closes and the
/// link carries no more than the limit over time. Inside a window that allows
/// nothing, the reader waits for the window's end (checked every second).
/// It counts every byte reported, limited or not: the throughput the link
/// carries for the command (`SourceLinkMeter`).
public final class SourceTransferLimiter: Sendable {
    public let limit: TransferLimit
    let calendar: Calendar
    private let counted = Atomic<Int>(0)
    private let bucket = Mutex<TokenBucket?>(nil)
    /// The window that holds reading now, so that its start and end are logged once.
    private let pausedBy = Mutex<TransferLimit.Window?>(nil)
    private static let logger = Logger(label: "billmig.transfer")

    public init(limit: TransferLimit, calendar: Calendar = .current) {
        self.limit = limit
        self.calendar = calendar
    }

    /// Every byte reported so far.
    public var bytesRead: Int { counted.load(ordering: .relaxed) }

    /// A limiter for `limit`, or nil when it limits nothing (and nothing needs its count).
    public static func pacing(_ limit: TransferLimit) -> SourceTransferLimiter? {
        limit.isUnlimited ? nil : SourceTransferLimiter(limit: limit)
    }

    /// Waits until `bytes` just read may have been read: at once under the
    /// limit, later above it, after the window when one allows nothing. Returns
    /// early when `stop` is requested or the task is cancelled.
    public func admit(bytes: Int, stop: StopSignal? = nil) async {
        counted.add(bytes, ordering: .relaxed)
        guard !limit.isUnlimited else { return }
        while !Task.isCancelled, !(stop?.isStopped ?? false) {
            let window = limit.window(at: Date(), calendar: calendar)
            guard let rate = window?.bytesPerSecond ?? limit.maxBytesPerSecond else { return }
            if rate <= 0 {
                let began = pausedBy.withLock { paused in
                    defer { paused = window }
                    return paused == nil
                }
                if began { Self.logger.notice("reading the source held by a transfer window", metadata: ["window": .string(window?.description ?? "")]) }
                await Self.sleep(for: .seconds(1), stop: stop)
                continue
            }
            if let ended = pausedBy.withLock({ paused in defer { paused = nil }; return paused }) {
                Self.logger.notice("reading the source again: the transfer window ended", metadata: ["window": .string(ended.description)])
            }
            let wait = bucket.withLock { bucket -> Duration in
                let clock = ContinuousClock.now
                if bucket == nil { bucket = TokenBucket(ratePerSecond: rate, burstSeconds: 1, now: clock) }
                if bucket!.ratePerSecond != rate { bucket!.setRate(rate, now: clock) }
                return bucket!.reserve(Double(bytes), now: clock)
            }
            if wait > .zero { await Self.sleep(for: wait, stop: stop) }
            return
        }
    }

    private static func sleep(for duration: Duration, stop: StopSignal?) async {
        if let stop { await stop.sleep(for: duration) } else { try? await Task.sleep(for: duration) }
    }
}

extension SourceRow {
    /// About the bytes the row took on the wire (its values' lengths), for pacing.
    var transferBytes: Int {
        reduce(0) { total, value in
            switch value {
            case .null: total + 1
            case .text(let text): total + text.utf8.count + 1
            case .bytes(let bytes): total + bytes.count + 1
            }
        }
    }
}
