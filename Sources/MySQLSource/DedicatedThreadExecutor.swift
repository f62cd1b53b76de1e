import Foundation

/// A serial executor that runs its jobs on one OS thread of its own.
///
/// libmariadb's calls block the calling thread until the server answers (a
/// query, a row fetch, a binlog read that waits for the next event). Run on
/// Swift's cooperative pool, which has one thread per core, a few such calls
/// would stall every other task of the process. An actor whose executor is
/// this thread keeps the blocking inside the actor: callers `await` and their
/// threads stay free. It also serialises every use of one `MYSQL*`, which
/// libmariadb requires.
final class DedicatedThreadExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked Sendable: `jobs` and `isShuttingDown` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var isShuttingDown = false

    init(name: String) {
        let thread = Thread { [self] in runLoop() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Lets the thread end once the queued jobs have run.
    func shutdown() {
        condition.lock()
        isShuttingDown = true
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !isShuttingDown {
                condition.wait()
            }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch {
                job.runSynchronously(on: asUnownedSerialExecutor())
            }
        }
    }
}
