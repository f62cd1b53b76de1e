import Foundation
import MigrationCore

/// Renders a running load on a terminal: rows/s, per-entity counts, ETA.
/// Off a terminal it prints a plain line now and then, so logs show liveness.
public struct ProgressReporter: Sendable {
    public enum Mode: Sendable {
        /// Redraw one status line in place (stderr is a terminal).
        case terminal
        /// A full line every `interval` (stderr is a file or pipe).
        case lines(interval: Duration)
        case silent
    }

    let mode: Mode
    let progress: LoadProgress
    let rate: @Sendable () -> Double?

    public init(mode: Mode, progress: LoadProgress, rate: @escaping @Sendable () -> Double? = { nil }) {
        self.mode = mode
        self.progress = progress
        self.rate = rate
    }

    /// The mode that fits standard error.
    public static var automaticMode: Mode {
        isatty(STDERR_FILENO) == 1 ? .terminal : .lines(interval: .seconds(10))
    }

    /// Reports until cancelled, then clears the status line.
    public func run() async {
        let interval: Duration
        switch mode {
        case .silent: return
        case .terminal: interval = .milliseconds(500)
        case .lines(let every): interval = every
        }
        let clock = ContinuousClock()
        let start = clock.now
        var previous = (at: start, rows: 0)
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { break }
            let now = clock.now
            let snapshot = progress.snapshot(writeRate: rate())
            let rows = snapshot.perEntity.values.reduce(0) { $0 + $1.rowsRead }
            let instantRate = Double(rows - previous.rows) / max((now - previous.at).seconds, 0.001)
            previous = (now, rows)
            let line = Self.render(snapshot, rowsPerSecond: instantRate, elapsed: now - start)
            mode.show(line)
        }
        mode.clear()
    }

    /// One status line. Pure, so its format is tested.
    public static func render(_ snapshot: LoadProgress.Snapshot, rowsPerSecond: Double, elapsed: Duration) -> String {
        let total = snapshot.perEntity.values.reduce(EntityCounts(), +)
        var parts = [
            "\(total.rowsRead) rows",
            "\(Int(rowsPerSecond.rounded())) rows/s",
            "files \(snapshot.filesDone)/\(snapshot.filesTotal)",
        ]
        if total.deadLettered > 0 { parts.append("\(total.deadLettered) dead-lettered") }
        if let rate = snapshot.writeRate { parts.append("throttled to \(Int(rate)) WCU/s") }
        if snapshot.bytesTotal > 0, snapshot.bytesDone > 0 {
            let done = Double(snapshot.bytesDone) / Double(snapshot.bytesTotal)
            parts.append(String(format: "%.0f%%", min(done, 1) * 100))
            if done < 1 {
                let remaining = elapsed.seconds / done * (1 - done)
                parts.append("ETA \(formatSeconds(remaining))")
            }
        }
        let entities = snapshot.perEntity.keys.sorted().map { name in
            "\(name) \(snapshot.perEntity[name]!.rowsRead)"
        }
        return parts.joined(separator: " | ") + (entities.isEmpty ? "" : " | " + entities.joined(separator: " "))
    }

    static func formatSeconds(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%dh%02dm", total / 3600, total % 3600 / 60)
            : String(format: "%dm%02ds", total / 60, total % 60)
    }
}

/// Something that shows a run's progress until its task is cancelled.
public protocol ProgressDisplay: Sendable {
    func run() async
}

extension ProgressReporter: ProgressDisplay {}

extension ProgressDisplay {
    /// Runs `body` while this display shows the progress; the display ends with it.
    public func showing<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
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

extension ProgressReporter.Mode {
    /// Shows a status line: redrawn in place on a terminal, appended otherwise.
    func show(_ line: String) {
        switch self {
        case .terminal: FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
        case .lines: FileHandle.standardError.write(Data((line + "\n").utf8))
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
