import CompressNIO
import NIOCore

/// Decompresses a gzip stream fed in chunks, handing on the output in pieces of at
/// most `outputChunkSize` bytes, so memory stays bounded whatever the file's size.
/// Concatenated gzip members (as `cat a.gz b.gz` makes) are read one after another.
struct GzipStreamDecoder {
    private let decompressor: ZlibDecompressor
    private var output: ByteBuffer
    private let outputChunkSize: Int
    /// Compressed input is fed in slices of this size, to bound output per call.
    private let inputSliceSize = 64 * 1024
    private var sawInput = false

    init(outputChunkSize: Int = 256 * 1024) throws {
        self.decompressor = try ZlibDecompressor(algorithm: .gzip)
        self.outputChunkSize = outputChunkSize
        self.output = ByteBufferAllocator().buffer(capacity: outputChunkSize)
    }

    /// Decompresses `input`, calling `body` with each piece of output.
    mutating func decode(_ input: ByteBuffer, _ body: (ByteBuffer) throws -> Void) throws {
        var input = input
        if input.readableBytes > 0 { sawInput = true }
        while input.readableBytes > 0 {
            var slice = input.readSlice(length: min(inputSliceSize, input.readableBytes))!
            try inflate(&slice, body)
        }
    }

    private mutating func inflate(_ input: inout ByteBuffer, _ body: (ByteBuffer) throws -> Void) throws {
        while true {
            do {
                try decompressor.inflate(from: &input, to: &output)
                // No error: either all input was used, or a gzip member ended.
                if input.readableBytes > 0 {
                    try decompressor.reset()  // the next member follows
                    continue
                }
                return
            } catch let error as CompressNIOError where error == .bufferOverflow {
                try flush(body)  // output full: hand it on and go on
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                return  // needs more input
            } catch let error as CompressNIOError where error == .corruptData {
                throw DMSReadError.corruptGzip
            }
        }
    }

    /// Ends the stream; throws when it stopped before the end of a gzip member.
    mutating func finish(_ body: (ByteBuffer) throws -> Void) throws {
        guard sawInput else {
            return  // an empty object: nothing to decode
        }
        // Every `inflate` call above drained zlib's pending output, so one more call
        // with no input tells: a finished stream answers quietly, a truncated one asks
        // for more input. Give it an empty output buffer to answer into.
        try flush(body)
        var empty = ByteBufferAllocator().buffer(capacity: 16)
        while true {
            do {
                try decompressor.inflate(from: &empty, to: &output)
                break
            } catch let error as CompressNIOError where error == .bufferOverflow {
                try flush(body)
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                throw DMSReadError.truncatedGzip
            } catch let error as CompressNIOError where error == .corruptData {
                throw DMSReadError.corruptGzip
            }
        }
        try flush(body)
    }

    private mutating func flush(_ body: (ByteBuffer) throws -> Void) throws {
        guard output.readableBytes > 0 else { return }
        try body(output)
        output.clear()
    }
}
