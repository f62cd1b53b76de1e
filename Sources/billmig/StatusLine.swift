import Foundation
import Logging
import Synchronization

/// Progress of a long command on standard error: one line redrawn in place on a
/// terminal, a plain line now and then (`every`) when standard error is a file or pipe,
/// a `progress` log event as often with --log-format json.
final class StatusLine: Sendable {
    private let terminal: Bool
    private let events: Bool
    private let quiet: Bool
    private let every: Duration
    private let lastLine = Mutex<ContinuousClock.Instant?>(nil)

    init(quiet: Bool, every: Duration = .seconds(10)) {
        self.quiet = quiet
        self.events = LogSettings.current.withLock { $0.format } == .json
        self.terminal = !events && isatty(STDERR_FILENO) == 1
        self.every = every
    }

    func show(_ text: String) {
        guard !quiet else { return }
        if terminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text).utf8))
            return
        }
        let now = ContinuousClock.now
        let due = lastLine.withLock { last in
            guard last.map({ now - $0 >= every }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        if events {
            commandLogger.info("progress", metadata: ["status": .string(text)])
        } else {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    /// Clears the redrawn line before the summary.
    func finish() {
        if terminal && !quiet { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }
}
