import Foundation

/// ISO-8601 UTC timestamps for records people read.
enum Timestamp {
    static func now() -> String {
        Date().formatted(.iso8601)
    }

    static func epochSeconds(daysFromNow days: Int) -> Int {
        Int(Date().timeIntervalSince1970) + days * 86_400
    }

    static func epochSeconds() -> Int64 {
        Int64(Date().timeIntervalSince1970)
    }

    static func epochMilliseconds() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1000)
    }
}
