import Foundation
import Logging
import Migration
import MigrationCore
import Synchronization

/// Shows a running command's status line on standard error: redrawn in place on
/// a terminal; off a terminal a plain line now and then, so logs show liveness;
/// with --log-format json never in place, but as a `progress` log event now and
/// then, so standard error stays JSON lines.
/// The pipeline formats the line (`statusLine`); showing it is the executable's.
struct ProgressReporter: Sendable {
    enum Mode: Sendable {
        /// Redraw one status line in place (stderr is a terminal).
        case terminal
        /// A full line every `interval` (stderr is a file or pipe).
        case lines(interval: Duration)
        /// A `progress` log event (info) every `interval` (--log-format json).
        case events(interval: Duration)
        case silent
    }

    let mode: Mode
    /// The line to show now.
    let line: @Sendable () -> String
    /// Whether something is wrong now (an outage): a change of it is shown at
    /// once, off a terminal too, not at the next line.
    let alerting: @Sendable () -> Bool

    init(mode: Mode, alerting: @escaping @Sendable () -> Bool = { false }, line: @escaping @Sendable () -> String) {
        self.mode = mode
        self.alerting = alerting
        self.line = line
    }

    /// The mode that fits standard error.
    static var automaticMode: Mode {
        if LogSettings.current.withLock({ $0.format }) == .json { return .events(interval: .seconds(5)) }
        return isatty(STDERR_FILENO) == 1 ? .terminal : .lines(interval: .seconds(5))
    }

    /// Reports until cancelled, then clears the status line.
    func run() async {
        let interval: Duration
        switch mode {
        case .silent: return
        case .terminal: interval = .milliseconds(500)
        case .lines(let every), .events(let every): interval = every
        }
        let clock = ContinuousClock()
        var shown = clock.now
        var alerted = false
        while !Task.isCancelled {
            do { try await Task.sleep(for: min(interval, .milliseconds(500))) } catch { break }
            let alert = alerting()
            guard clock.now - shown >= interval || alert != alerted else { continue }
            mode.show(line())
            shown = clock.now
            alerted = alert
        }
        mode.clear()
    }

    /// Runs `body` while the line is shown; the display ends with it.
    func showing<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                await self.run()
                return nil
            }
            let result = try await body()
            group.cancelAll()
            return result
        }
    }
}

extension ProgressReporter {
    /// A load: rows, rows/s since the last line, files, per-entity counts, ETA;
    /// and the source's (a snapshot's) or the table's outage while it lasts.
    init(
        mode: Mode, progress: LoadProgress, rate: @escaping @Sendable () -> Double? = { nil }, outage: TargetOutage? = nil,
        source: SourceReachability? = nil
    ) {
        let window = RowRateWindow()
        self.init(mode: mode, alerting: { outage?.current != nil || source?.outage != nil }) {
            let snapshot = progress.snapshot(writeRate: rate())
            let (rowsPerSecond, elapsed) = window.advance(rows: snapshot.perEntity.values.reduce(0) { $0 + $1.rowsRead })
            return snapshot.statusLine(rowsPerSecond: rowsPerSecond, elapsed: elapsed) + (source?.outage.map { " | \($0)" } ?? "")
                + Self.outageNote(outage)
        }
    }

    /// A change stream: changes, lag, position; the source's or the table's outage while it lasts, and the backup route while it is used.
    init(mode: Mode, progress: StreamProgress, outage: TargetOutage? = nil) {
        self.init(mode: mode, alerting: { outage?.current != nil || progress.snapshot().sourceOutage != nil || progress.snapshot().backupRoute != nil }) {
            progress.snapshot().statusLine + Self.outageNote(outage)
        }
    }

    private static func outageNote(_ outage: TargetOutage?) -> String {
        outage?.current.map { " | \($0)" } ?? ""
    }
}

/// Rows per second between two lines, and the time since the first.
private final class RowRateWindow: Sendable {
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private let previous: Mutex<(at: ContinuousClock.Instant, rows: Int)>

    init() {
        start = clock.now
        previous = Mutex((start, 0))
    }

    func advance(rows: Int) -> (rowsPerSecond: Double, elapsed: Duration) {
        let now = clock.now
        let rate = previous.withLock { previous in
            let rate = Double(rows - previous.rows) / max((now - previous.at).seconds, 0.001)
            previous = (now, rows)
            return rate
        }
        return (rate, now - start)
    }
}

extension ProgressReporter.Mode {
    /// Shows a status line: redrawn in place on a terminal, appended otherwise.
    func show(_ line: String) {
        switch self {
        case .terminal: FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
        case .lines: FileHandle.standardError.write(Data((line + "\n").utf8))
        case .events: commandLogger.info("progress", metadata: ["status": .string(line)])
        case .silent: break
        }
    }

    /// Clears the terminal's status line when the display ends.
    func clear() {
        if case .terminal = self {
            FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
        }
    }
}
