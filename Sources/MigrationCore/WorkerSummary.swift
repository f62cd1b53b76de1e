/// What a `worker` did until it stopped, printed for people and, with `--json`, for machines.
public struct WorkerSummary: Sendable, Codable, Equatable {
    public struct Messages: Sendable, Codable, Equatable {
        /// Messages received from the queue (a redelivered one counts each time).
        public var received = 0
        /// Deleted: every object in them loaded, applied, or not for workers.
        public var deleted = 0
        /// Change files sent back with a delay while their table's full load runs.
        public var waitingForFullLoad = 0
        /// Released for the queue's dead-letter queue: objects no worker can process.
        public var leftForDeadLetterQueue = 0
        /// Not deleted after a failure: the queue delivers them again after their visibility timeout.
        public var failed = 0
        /// Released unfinished on a stop request.
        public var released = 0

        public init() {}
    }

    public struct Files: Sendable, Codable, Equatable {
        public var fullLoadLoaded = 0
        /// Full-load files a previous run or another worker had completed.
        public var fullLoadAlreadyDone = 0
        /// Read up to their damage, the rest dead-lettered as a file.
        public var fullLoadDamaged: [String] = []
        public var changeFilesApplied = 0
        public var changeFilesAlreadyDone = 0

        public init() {}
    }

    /// One message left for the dead-letter queue or failed, and why.
    public struct Problem: Sendable, Codable, Equatable {
        public var messageID: String
        /// The object's key, when the message named one.
        public var key: String?
        public var reason: String

        public init(messageID: String, key: String?, reason: String) {
            self.messageID = messageID
            self.key = key
            self.reason = reason
        }
    }

    public var queue: String
    public var table: String
    public var elapsedSeconds: Double
    /// Stopped on request (SIGTERM, SIGINT): the messages in hand were finished or released.
    public var stopped: Bool
    public var messages: Messages
    public var files: Files
    /// Rows of full-load files, over the files handled (a resumed file's earlier part included).
    public var rows: EntityCounts
    /// Changes of change files handled.
    public var changes: ChangeCounts
    /// The first problems (at most `maxProblems`), for the operator.
    public var problems: [Problem]
    /// What stopped the worker when it failed.
    public var error: String?

    public static let maxProblems = 50

    public init(
        queue: String, table: String, elapsedSeconds: Double = 0, stopped: Bool = false, messages: Messages = Messages(),
        files: Files = Files(), rows: EntityCounts = EntityCounts(), changes: ChangeCounts = ChangeCounts(),
        problems: [Problem] = [], error: String? = nil
    ) {
        self.queue = queue
        self.table = table
        self.elapsedSeconds = elapsedSeconds
        self.stopped = stopped
        self.messages = messages
        self.files = files
        self.rows = rows
        self.changes = changes
        self.problems = problems
        self.error = error
    }

    /// Failed when an error stopped it; a stop request is a clean end (exit 0).
    public var exitStatus: ExitStatus { error == nil ? .success : .failure }

    public mutating func note(_ problem: Problem) {
        if problems.count < Self.maxProblems { problems.append(problem) }
    }
}
