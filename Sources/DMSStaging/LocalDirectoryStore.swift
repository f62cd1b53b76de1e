#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOConcurrencyHelpers
import NIOCore

/// An object store on a local folder: key `a/b/c.csv` is the file `{root}/a/b/c.csv`.
///
/// Reads stream the file in `chunkSize` pieces with plain POSIX `read`; each call
/// blocks its thread only for one chunk from the page cache or disk. Writes go to a
/// temporary file in the target folder and are renamed into place, so a reader never
/// sees half a file. Temporary files are never listed.
public struct LocalDirectoryStore: ObjectStore {
    /// The folder that holds the objects.
    public let root: String
    /// Bytes per chunk handed to `withObject` bodies.
    public let chunkSize: Int

    static let temporaryMarker = ".billmig-tmp-"
    private static let temporaryCounter = NIOLockedValueBox<UInt64>(0)

    public init(root: String, chunkSize: Int = 256 * 1024) {
        precondition(chunkSize > 0, "chunkSize must be positive")
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root.isEmpty ? "." : root
        self.chunkSize = chunkSize
    }

    // MARK: Listing

    public func list(prefix: String) async throws -> [ObjectInfo] {
        // Walk only the deepest folder the prefix names, then filter by string prefix.
        let folderPart: Substring
        if let slash = prefix.lastIndex(of: "/") {
            folderPart = prefix[..<slash]
        } else {
            folderPart = ""
        }
        var found: [ObjectInfo] = []
        let start = folderPart.isEmpty ? root : root + "/" + folderPart
        try walk(directory: start, keyPrefix: folderPart.isEmpty ? "" : folderPart + "/", into: &found)
        return found.filter { $0.key.hasPrefix(prefix) }
            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    private func walk(directory: String, keyPrefix: String, into found: inout [ObjectInfo]) throws {
        guard let dir = opendir(directory) else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return }
            throw ObjectStoreError.io(directory, errno: code, "cannot open folder")
        }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." || name.contains(Self.temporaryMarker) { continue }
            let path = directory + "/" + name
            var info = stat()
            guard stat(path, &info) == 0 else { continue }  // vanished or dangling link
            let kind = info.st_mode & S_IFMT
            if kind == S_IFDIR {
                try walk(directory: path, keyPrefix: keyPrefix + name + "/", into: &found)
            } else if kind == S_IFREG {
                found.append(ObjectInfo(key: keyPrefix + name, size: Int64(info.st_size)))
            }
        }
    }

    // MARK: Reading

    public func withObject<Result>(
        key: String,
        _ body: (ObjectByteStream) async throws -> Result
    ) async throws -> Result {
        let path = try self.path(for: key)
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw ObjectStoreError.notFound(key) }
            throw ObjectStoreError.io(key, errno: code, "cannot open file")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw ObjectStoreError.notFound(key)
        }
        let chunkSize = self.chunkSize
        let stream = ObjectByteStream(makeNext: {
            var finished = false
            return {
                if finished { return nil }
                let chunk = try Self.readChunk(fd: fd, size: chunkSize, key: key)
                if chunk.readableBytes == 0 {
                    finished = true
                    return nil
                }
                return chunk
            }
        })
        return try await body(stream)
    }

    private static func readChunk(fd: Int32, size: Int, key: String) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        var total = 0
        // Fill the chunk (short reads happen), stopping at end of file.
        while total < size {
            var readError: Int32 = 0
            let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { raw -> Int in
                let want = min(raw.count, size - total)
                guard want > 0 else { return 0 }
                var result: Int
                repeat {
                    result = read(fd, raw.baseAddress, want)
                } while result < 0 && errno == EINTR
                if result < 0 {
                    readError = errno
                    return 0
                }
                return result
            }
            if readError != 0 {
                throw ObjectStoreError.io(key, errno: readError, "read failed")
            }
            if count == 0 { break }
            total += count
        }
        return buffer
    }

    public func head(key: String) async throws -> ObjectInfo? {
        let path = try self.path(for: key)
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return ObjectInfo(key: key, size: Int64(info.st_size))
    }

    // MARK: Writing

    public func put(key: String, bytes: ByteBuffer) async throws {
        let path = try self.path(for: key)
        let slash = path.lastIndex(of: "/")!
        let folder = String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        try Self.makeFolders(folder, key: key)

        let serial = Self.temporaryCounter.withLockedValue { value -> UInt64 in
            value &+= 1
            return value
        }
        let temporary = folder + "/." + name + Self.temporaryMarker + String(getpid()) + "-" + String(serial)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw ObjectStoreError.io(key, errno: errno, "cannot create temporary file \(temporary)")
        }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do {
            defer { close(fd) }
            try bytes.withUnsafeReadableBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw ObjectStoreError.io(key, errno: errno, "write failed")
                    }
                    offset += written
                }
            }
            guard fsync(fd) == 0 else { throw ObjectStoreError.io(key, errno: errno, "fsync failed") }
        }
        guard rename(temporary, path) == 0 else {
            throw ObjectStoreError.io(key, errno: errno, "cannot rename temporary file into place")
        }
        renamed = true
    }

    public func delete(key: String) async throws {
        let path = try self.path(for: key)
        if unlink(path) != 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return }
            throw ObjectStoreError.io(key, errno: code, "cannot delete")
        }
    }

    // MARK: Paths

    /// The file path of a key; rejects keys that could leave the root folder.
    func path(for key: String) throws -> String {
        guard !key.isEmpty else { throw ObjectStoreError.invalidKey(key, "empty key") }
        guard !key.hasPrefix("/") else { throw ObjectStoreError.invalidKey(key, "starts with '/'") }
        guard !key.utf8.contains(0) else { throw ObjectStoreError.invalidKey(key, "contains a NUL byte") }
        for component in key.split(separator: "/", omittingEmptySubsequences: false) {
            if component.isEmpty || component == "." || component == ".." {
                throw ObjectStoreError.invalidKey(key, "empty, '.' or '..' path component")
            }
        }
        return root + "/" + key
    }

    private static func makeFolders(_ folder: String, key: String) throws {
        var info = stat()
        if stat(folder, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw ObjectStoreError.io(key, errno: ENOTDIR, "\(folder) is not a folder")
            }
            return
        }
        if let slash = folder.lastIndex(of: "/"), slash != folder.startIndex {
            try makeFolders(String(folder[..<slash]), key: key)
        }
        if mkdir(folder, 0o755) != 0 && errno != EEXIST {
            throw ObjectStoreError.io(key, errno: errno, "cannot create folder \(folder)")
        }
    }
}
