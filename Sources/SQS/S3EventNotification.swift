import Foundation

/// What an S3 event notification delivered to SQS says: the objects created (or
/// other events), or S3's `s3:TestEvent`, sent once when a notification configuration
/// is saved. Object keys arrive URL-encoded with `+` for spaces; they are decoded here.
public enum S3EventNotification: Sendable, Hashable {
    /// `s3:TestEvent`: says the configuration works; nothing to do.
    case testEvent(bucket: String?)
    case records([Record])

    public struct Record: Sendable, Hashable {
        /// `ObjectCreated:Put`, `ObjectCreated:CompleteMultipartUpload`, `ObjectRemoved:Delete`, ...
        public var eventName: String
        public var bucket: String
        /// The decoded key.
        public var key: String
        /// The object's size, when the event carries one (removals do not).
        public var size: Int64?
        public var eTag: String?

        public init(eventName: String, bucket: String, key: String, size: Int64?, eTag: String?) {
            self.eventName = eventName
            self.bucket = bucket
            self.key = key
            self.size = size
            self.eTag = eTag
        }

        /// Any `ObjectCreated:*` event: a new object to process.
        public var isObjectCreated: Bool { eventName.hasPrefix("ObjectCreated:") }
    }

    /// Reads a message body. Throws `S3EventNotificationError` (with what was wrong)
    /// for anything that is neither an event with records nor the test event.
    public init(body: String) throws {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(body.utf8))
        } catch {
            throw S3EventNotificationError("not an S3 event notification (unreadable JSON: \(error)): \(body.prefix(200))")
        }
        if wire.Event == "s3:TestEvent" {
            self = .testEvent(bucket: wire.Bucket)
            return
        }
        guard let records = wire.Records, !records.isEmpty else {
            throw S3EventNotificationError("not an S3 event notification (no Records, no s3:TestEvent): \(body.prefix(200))")
        }
        self = .records(try records.map { record in
            guard let name = record.eventName, let bucket = record.s3?.bucket?.name, let rawKey = record.s3?.object?.key else {
                throw S3EventNotificationError("an S3 event record without eventName, bucket name or object key: \(body.prefix(200))")
            }
            guard let key = Self.decodeKey(rawKey) else {
                throw S3EventNotificationError("an S3 event record whose key is not URL-encoded UTF-8: \(rawKey)")
            }
            return Record(eventName: name, bucket: bucket, key: key, size: record.s3?.object?.size, eTag: record.s3?.object?.eTag)
        })
    }

    /// S3 encodes keys as HTML forms do: `+` is a space, `%2B` a plus.
    public static func decodeKey(_ encoded: String) -> String? {
        encoded.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    private struct Wire: Decodable {
        struct Record: Decodable {
            struct S3: Decodable {
                struct Bucket: Decodable { var name: String? }
                struct Object: Decodable {
                    var key: String?
                    var size: Int64?
                    var eTag: String?
                }
                var bucket: Bucket?
                var object: Object?
            }
            var eventName: String?
            var s3: S3?
        }
        var Records: [Record]?
        var Event: String?
        var Bucket: String?
    }
}

public struct S3EventNotificationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
