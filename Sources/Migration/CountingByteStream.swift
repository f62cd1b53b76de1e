import DMSStaging
import NIOCore

/// Passes an object's chunks through, adding their sizes to the load's progress
/// so the ETA follows the bytes read.
struct CountingByteStream {
    let stream: ObjectByteStream

    init(_ base: ObjectByteStream, progress: LoadProgress) {
        stream = ObjectByteStream(makeNext: {
            var iterator = base.makeAsyncIterator()
            return {
                let chunk = try await iterator.next()
                if let chunk { progress.addBytes(Int64(chunk.readableBytes)) }
                return chunk
            }
        })
    }
}
