/// Tracks batches that finish out of order and yields the low-watermark: the
/// highest point such that it and everything before it is done.
///
/// A checkpoint may record only the watermark, so that a run killed at any moment
/// and restarted resumes without skipping a row.
public struct BatchWatermark<Mark: Sendable>: Sendable {
    private var nextSequence: Int = 0
    private var firstPending: Int = 0
    /// Marks of issued batches, by sequence, and whether each has finished.
    private var pending: [Int: (mark: Mark, done: Bool)] = [:]
    public private(set) var watermark: Mark

    public init(start: Mark) {
        self.watermark = start
    }

    /// Registers a batch that covers the source up to `mark`; returns its sequence number.
    public mutating func issue(upTo mark: Mark) -> Int {
        defer { nextSequence += 1 }
        pending[nextSequence] = (mark, false)
        return nextSequence
    }

    /// Marks a batch done; returns the sequence numbers that this completion moved
    /// under the watermark, in order (empty when it did not move).
    @discardableResult
    public mutating func complete(_ sequence: Int) -> Range<Int> {
        guard pending[sequence]?.done == false else { return firstPending..<firstPending }
        pending[sequence]!.done = true
        let from = firstPending
        while let entry = pending[firstPending], entry.done {
            watermark = entry.mark
            pending[firstPending] = nil
            firstPending += 1
        }
        return from..<firstPending
    }

    /// True when every issued batch has completed.
    public var isSettled: Bool { pending.isEmpty }
}
