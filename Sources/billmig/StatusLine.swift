import Foundation
import Synchronization

/// Progress of a long command on standard error: one line redrawn in place on a
/// terminal, a plain line now and then (`every`) when standard error is a file or pipe.
final class StatusLine: Sendable {
    private let terminal: Bool
    private let quiet: Bool
    private let every: Duration
    private let lastLine = Mutex<ContinuousClock.Instant?>(nil)

    init(quiet: Bool, every: Duration = .seconds(10)) {
        self.quiet = quiet
        self.terminal = isatty(STDERR_FILENO) == 1
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
        if due { FileHandle.standardError.write(Data((text + "\n").utf8)) }
    }

    /// Clears the redrawn line before the summary.
    func finish() {
        if terminal && !quiet { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }
}
