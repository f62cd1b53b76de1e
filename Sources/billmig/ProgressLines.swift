import Foundation
import Synchronization

/// Progress as plain lines on standard error, at most one every 2 s on a terminal
/// (10 s otherwise), for commands whose progress is a sentence, not a bar.
final class ProgressLines: Sendable {
    private let last = Mutex<ContinuousClock.Instant?>(nil)
    private let interval: Duration = isatty(2) != 0 ? .seconds(2) : .seconds(10)

    func print(_ line: @autoclosure () -> String) {
        let now = ContinuousClock.now
        let due = last.withLock { last in
            if let previous = last, now - previous < interval { return false }
            last = now
            return true
        }
        guard due else { return }
        note(line())
    }
}
