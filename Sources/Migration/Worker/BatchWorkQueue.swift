import Synchronization

/// The messages of one Lambda invocation as a `WorkQueue`: received one by one
/// until none is left; a message the worker deletes is done, any other is
/// reported failed (Lambda leaves it on the SQS queue, which delivers it again
/// after its visibility timeout). A change file that waits for its table's full
/// load is sent back to the queue (`resend`, when the function knows its URL)
/// and counts as done; without one it is reported failed, and waits out the
/// visibility timeout instead.
public final class BatchWorkQueue: WorkQueue {
    private struct State {
        var pending: [QueuedMessage]
        var done: Set<String> = []
    }

    private let state: Mutex<State>
    private let ids: [String]
    let resend: (any WorkQueue)?

    public init(_ messages: [QueuedMessage], resend: (any WorkQueue)? = nil) {
        state = Mutex(State(pending: messages))
        ids = messages.map(\.id)
        self.resend = resend
    }

    public func receive(wait: Duration, visibility: Duration) async throws -> QueuedMessage? {
        state.withLock { $0.pending.isEmpty ? nil : $0.pending.removeFirst() }
    }

    public func delete(_ message: QueuedMessage) async throws {
        _ = state.withLock { $0.done.insert(message.id) }
    }

    /// Lambda's own visibility for the batch lasts the invocation: nothing to extend or release.
    public func setVisibility(_ message: QueuedMessage, _ duration: Duration) async throws {}

    public func sendAgain(_ message: QueuedMessage, after delay: Duration) async throws {
        guard let resend else {
            throw LambdaEventError("no queue URL to send the waiting message back to (BILLMIG_QUEUE_URL): it is reported failed")
        }
        try await resend.sendAgain(message, after: delay)
    }

    /// The messages not done, to report as failures.
    public var failed: Set<String> {
        let done = state.withLock { $0.done }
        return Set(ids.filter { !done.contains($0) })
    }
}
