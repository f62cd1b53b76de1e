import NIOCore
import Testing

@testable import DMSStaging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh temporary folder, removed after `body`.
func withTemporaryFolder<T>(_ body: (String) async throws -> T) async throws -> T {
    var template = Array("/tmp/billmig-staging-test-XXXXXX".utf8CString)
    let path = template.withUnsafeMutableBufferPointer { buffer -> String in
        guard let result = mkdtemp(buffer.baseAddress!) else { fatalError("mkdtemp failed") }
        return String(cString: result)
    }
    defer { removeTree(path) }
    return try await body(path)
}

func removeTree(_ path: String) {
    guard let dir = opendir(path) else {
        unlink(path)
        return
    }
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name == "." || name == ".." { continue }
        let child = path + "/" + name
        var info = stat()
        if lstat(child, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR {
            removeTree(child)
        } else {
            unlink(child)
        }
    }
    closedir(dir)
    rmdir(path)
}

/// The same behaviour from every store.
func exerciseStore(_ store: some ObjectStore, chunkSize: Int) async throws {
    let payload = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    try await store.put(key: "billing/CHARGE/LOAD00000001.csv", bytes: payload)
    try await store.put(key: "billing/CHARGE/LOAD00000002.csv", bytes: Array("x".utf8))
    try await store.put(key: "billing/CHARGES/LOAD00000001.csv", bytes: Array("y".utf8))
    try await store.put(key: "billing/BILL/sub/deeper/file.csv", bytes: [UInt8]())
    try await store.put(key: "other.txt", bytes: Array("z".utf8))

    // Listing is by string prefix, sorted.
    #expect(
        try await store.list(prefix: "billing/CHARGE").map(\.key) == [
            "billing/CHARGE/LOAD00000001.csv", "billing/CHARGE/LOAD00000002.csv", "billing/CHARGES/LOAD00000001.csv",
        ]
    )
    #expect(try await store.list(prefix: "billing/CHARGE/").map(\.size) == [1000, 1])
    #expect(try await store.list(prefix: "billing/BILL/").map(\.key) == ["billing/BILL/sub/deeper/file.csv"])
    #expect(try await store.list(prefix: "").count == 5)
    #expect(try await store.list(prefix: "nothing/here/").isEmpty)

    // Streaming reads come in chunks of the store's size and add up to the object.
    let chunks = try await store.withObject(key: "billing/CHARGE/LOAD00000001.csv") { stream in
        var sizes: [Int] = []
        var bytes: [UInt8] = []
        for try await chunk in stream {
            sizes.append(chunk.readableBytes)
            bytes += chunk.readableBytesView
        }
        return (sizes, bytes)
    }
    #expect(chunks.1 == payload)
    #expect(chunks.0.dropLast().allSatisfy { $0 == chunkSize })
    #expect(chunks.0.count == (1000 + chunkSize - 1) / chunkSize)

    // Empty objects give no chunks.
    let emptyChunks = try await store.withObject(key: "billing/BILL/sub/deeper/file.csv") { stream in
        var count = 0
        for try await _ in stream { count += 1 }
        return count
    }
    #expect(emptyChunks == 0)

    // Overwrite, head, exists, delete.
    try await store.put(key: "billing/CHARGE/LOAD00000002.csv", bytes: Array("replaced".utf8))
    #expect(String(buffer: try await store.get(key: "billing/CHARGE/LOAD00000002.csv")) == "replaced")
    #expect(try await store.head(key: "billing/CHARGE/LOAD00000002.csv") == ObjectInfo(key: "billing/CHARGE/LOAD00000002.csv", size: 8))
    #expect(try await store.exists(key: "other.txt"))
    try await store.delete(key: "other.txt")
    #expect(try await !store.exists(key: "other.txt"))
    #expect(try await store.head(key: "other.txt") == nil)
    try await store.delete(key: "other.txt")  // deleting a missing object is fine

    await #expect(throws: ObjectStoreError.notFound("missing.csv")) {
        try await store.withObject(key: "missing.csv") { _ in 0 }
    }
}

@Suite("Object stores")
struct ObjectStoreTests {
    @Test("in-memory store")
    func inMemory() async throws {
        try await exerciseStore(InMemoryObjectStore(chunkSize: 64), chunkSize: 64)
    }

    @Test("local folder store")
    func localFolder() async throws {
        try await withTemporaryFolder { root in
            let store = LocalDirectoryStore(root: root + "/", chunkSize: 64)
            try await exerciseStore(store, chunkSize: 64)
            // Objects are plain files under the root.
            var info = stat()
            #expect(stat(root + "/billing/CHARGE/LOAD00000001.csv", &info) == 0)
            #expect(info.st_size == 1000)
        }
    }

    @Test("local folder store: no temporary files stay or are listed; keys cannot escape the root")
    func localFolderSafety() async throws {
        try await withTemporaryFolder { root in
            let store = LocalDirectoryStore(root: root)
            try await store.put(key: "a/b.csv", bytes: Array("data".utf8))
            // A temporary file left by a crashed writer is not an object.
            let stray = root + "/a/.b.csv" + LocalDirectoryStore.temporaryMarker + "1-1"
            let fd = open(stray, O_WRONLY | O_CREAT, 0o644)
            close(fd)
            #expect(try await store.list(prefix: "").map(\.key) == ["a/b.csv"])
            for bad in ["", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a/"] {
                await #expect(throws: ObjectStoreError.self, "\(bad)") {
                    try await store.put(key: bad, bytes: [UInt8]())
                }
            }
            await #expect(throws: ObjectStoreError.notFound("a")) {
                try await store.withObject(key: "a") { _ in 0 }  // a folder is not an object
            }
        }
    }

    @Test("local folder store: a big file streams in chunks of the configured size")
    func localBigFile() async throws {
        try await withTemporaryFolder { root in
            let store = LocalDirectoryStore(root: root)
            var big = ByteBuffer()
            for index in 0..<(600 * 1024 / 8) { big.writeInteger(UInt64(index)) }
            try await store.put(key: "big.bin", bytes: big)
            let sizes = try await store.withObject(key: "big.bin") { stream in
                var sizes: [Int] = []
                var total = ByteBuffer()
                for try await var chunk in stream {
                    sizes.append(chunk.readableBytes)
                    total.writeBuffer(&chunk)
                }
                #expect(total == big)
                return sizes
            }
            #expect(sizes == [256 * 1024, 256 * 1024, 88 * 1024])
        }
    }
}
