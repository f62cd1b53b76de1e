import DynamoDBModel
import Foundation
import Synchronization

/// The target's items, sorted by account range into one file per range while
/// a parallel Scan runs, so that each range can later be compared with its
/// source rows holding only that range in memory (a partitioned hash join:
/// memory is bounded by the largest range, not by the table).
///
/// Items are DynamoDB JSON, one per line. Many scan segments append at once;
/// each file has its own lock and buffer, written out when the buffer fills.
public final class ItemSpill: Sendable {
    public let directory: URL
    public let count: Int
    private let files: [SpillFile]

    /// Creates `count` empty files in a new folder under `parent`.
    public init(parent: URL, count: Int) throws {
        directory = parent.appendingPathComponent("billmig-validate-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.count = count
        let bufferLimit = Self.bufferLimit(files: count)
        var files: [SpillFile] = []
        for index in 0..<count {
            files.append(try SpillFile(url: directory.appendingPathComponent("range-\(index).jsonl"), bufferLimit: bufferLimit))
        }
        self.files = files
    }

    /// Every file buffers at once (a Scan's items fall in every range), so the
    /// buffers share one budget: 16 MB, at least 8 KB and at most 256 KB a file.
    static func bufferLimit(files: Int) -> Int {
        min(256 * 1024, max(8 * 1024, 16 * 1024 * 1024 / max(1, files)))
    }

    public func append(_ item: Item, to index: Int) throws {
        var line = DynamoDBJSON.encode(item)
        line.append(UInt8(ascii: "\n"))
        try files[index].append(line)
    }

    /// Writes out what is buffered; call once every append is done.
    public func flush() throws {
        for file in files { try file.flush() }
    }

    /// The items of one file (after `flush`).
    public func items(of index: Int) throws -> [Item] {
        let data = try Data(contentsOf: files[index].url)
        var items: [Item] = []
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            let bytes = buffer.bindMemory(to: UInt8.self)
            var start = 0
            for index in 0..<bytes.count where bytes[index] == UInt8(ascii: "\n") {
                if index > start { items.append(try DynamoDBJSON.decodeItem(from: Array(bytes[start..<index]))) }
                start = index + 1
            }
        }
        return items
    }

    /// Removes one file once its range is compared.
    public func remove(_ index: Int) {
        try? FileManager.default.removeItem(at: files[index].url)
    }

    /// Removes the folder and everything in it.
    public func removeAll() {
        for file in files { file.close() }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// One spill file: a buffer under a lock. The file is opened only to write a
/// full buffer: a large table has hundreds of ranges, more than a process may
/// hold open (1,024 descriptors by default).
private final class SpillFile: Sendable {
    let url: URL
    let bufferLimit: Int
    private struct State: ~Copyable {
        var buffer: [UInt8] = []
        var closed = false
    }
    private let state: Mutex<State>

    init(url: URL, bufferLimit: Int) throws {
        self.url = url
        self.bufferLimit = bufferLimit
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        state = Mutex(State())
    }

    func append(_ line: [UInt8]) throws {
        try state.withLock { state in
            state.buffer += line
            if state.buffer.count >= bufferLimit { try write(&state) }
        }
    }

    func flush() throws {
        try state.withLock { state in try write(&state) }
    }

    func close() {
        state.withLock { state in
            state.closed = true
            state.buffer = []
        }
    }

    private func write(_ state: inout State) throws {
        guard !state.buffer.isEmpty, !state.closed else { return }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: state.buffer)
        state.buffer.removeAll(keepingCapacity: true)
    }
}
