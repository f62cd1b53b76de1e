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
        var files: [SpillFile] = []
        for index in 0..<count {
            files.append(try SpillFile(url: directory.appendingPathComponent("range-\(index).jsonl")))
        }
        self.files = files
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

/// One spill file: a buffer and a handle under one lock.
private final class SpillFile: Sendable {
    let url: URL
    private struct State: ~Copyable {
        var buffer: [UInt8] = []
        var handle: FileHandle?
    }
    private let state: Mutex<State>
    static let bufferLimit = 256 * 1024

    init(url: URL) throws {
        self.url = url
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        let handle = try FileHandle(forWritingTo: url)
        state = Mutex(State(handle: handle))
    }

    func append(_ line: [UInt8]) throws {
        try state.withLock { state in
            state.buffer += line
            if state.buffer.count >= Self.bufferLimit { try Self.write(&state) }
        }
    }

    func flush() throws {
        try state.withLock { state in try Self.write(&state) }
    }

    func close() {
        state.withLock { state in
            try? state.handle?.close()
            state.handle = nil
        }
    }

    private static func write(_ state: inout State) throws {
        guard !state.buffer.isEmpty, let handle = state.handle else { return }
        try handle.write(contentsOf: state.buffer)
        state.buffer.removeAll(keepingCapacity: true)
    }
}
