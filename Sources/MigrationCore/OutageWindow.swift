/// The keys changed around an outage, so that they can be validated once it is
/// over: those touched in the `margin` before the outage was noticed (a cut is
/// noticed only after the read times out, and the changes in flight at the cut
/// are the ones at risk), during it, and for `settle` after the recovery (the
/// backlog applied on reconnect, replays included). Pure: the caller gives the
/// times (seconds on a monotonic clock) and says each second whether something
/// is unreachable.
///
/// Bounded: at most `limit` keys are kept; the changes to keys beyond it are counted
/// (`changesOverLimit`), so a check can say what it did not cover.
public struct OutageWindow<Key: Hashable & Sendable>: Sendable {
    /// A window that closed: the outage, its recovery, and what changed around it.
    public struct Closed: Sendable, Equatable {
        public var outageNoticedAt: Double
        public var recoveredAt: Double
        public var keys: Set<Key>
        /// Changes in the window whose keys were not kept (the bound was reached).
        public var changesOverLimit: Int

        public init(outageNoticedAt: Double, recoveredAt: Double, keys: Set<Key>, changesOverLimit: Int) {
            self.outageNoticedAt = outageNoticedAt
            self.recoveredAt = recoveredAt
            self.keys = keys
            self.changesOverLimit = changesOverLimit
        }
    }

    enum Phase: Sendable, Equatable {
        case quiet
        case unreachable(since: Double)
        case recovering(since: Double, recoveredAt: Double)
    }

    public let margin: Double
    public let settle: Double
    public let limit: Int
    /// Before an outage: each key's last touch within about `margin`.
    private var recent: [Key: Double] = [:]
    /// Keys not kept in `recent` (full), and when the last was dropped.
    private var recentDropped = (count: 0, last: 0.0)
    private(set) var phase = Phase.quiet
    private var keys: Set<Key> = []
    private var changesOverLimit = 0

    public init(margin: Double = 60, settle: Double = 10, limit: Int = 10_000) {
        self.margin = margin
        self.settle = settle
        self.limit = max(1, limit)
    }

    /// Whether an outage is open or its recovery is still being watched.
    public var isOpen: Bool { phase != .quiet }

    /// `key` was changed at `now`.
    public mutating func touched(_ key: Key, at now: Double) {
        guard phase == .quiet else {
            if keys.count < limit || keys.contains(key) { keys.insert(key) } else { changesOverLimit += 1 }
            return
        }
        // Full: counted, not kept (the keys past the margin are forgotten once a second, by `observe`,
        // never per change, which would cost the whole map on every change of a busy stream).
        if recent.count < limit || recent[key] != nil {
            recent[key] = now
        } else {
            recentDropped = (recentDropped.count + 1, now)
        }
    }

    /// Whether something is unreachable at `now` (asked about once a second):
    /// the window once it closes, `settle` after a recovery that lasted.
    public mutating func observe(unreachable: Bool, at now: Double) -> Closed? {
        switch phase {
        case .quiet:
            forget(before: now - margin)
            guard unreachable else { return nil }
            phase = .unreachable(since: now)
            keys = Set(recent.keys)
            changesOverLimit = recentDropped.count
            recent = [:]
            recentDropped = (0, 0)
        case .unreachable(let since):
            if !unreachable { phase = .recovering(since: since, recoveredAt: now) }
        case .recovering(let since, let recoveredAt):
            if unreachable {
                // Down again before it settled: the same window goes on.
                phase = .unreachable(since: since)
            } else if now - recoveredAt >= settle {
                let closed = Closed(outageNoticedAt: since, recoveredAt: recoveredAt, keys: keys, changesOverLimit: changesOverLimit)
                phase = .quiet
                keys = []
                changesOverLimit = 0
                return closed
            }
        }
        return nil
    }

    private mutating func forget(before cutoff: Double) {
        recent = recent.filter { $0.value >= cutoff }
        if recentDropped.last < cutoff { recentDropped = (0, 0) }
    }
}

/// What the check after an outage found: the accounts changed around it,
/// validated once the stream had applied them (`validate --live` on just those).
public struct OutageCheck: Sendable, Codable, Hashable {
    /// ISO-8601 UTC: when the outage was noticed, when it ended, when the check finished.
    public var outageSince: String
    public var recoveredAt: String
    public var checkedAt: String
    public var accountsChecked: Int
    /// Mismatches that lasted after the rechecks (0: the accounts agree).
    public var differences: Int
    /// Changes in the window whose accounts were beyond the bound and not checked.
    public var changesNotChecked: Int
    /// Why the check could not run or finish, when it could not.
    public var error: String?

    public init(
        outageSince: String, recoveredAt: String, checkedAt: String, accountsChecked: Int, differences: Int, changesNotChecked: Int = 0,
        error: String? = nil
    ) {
        self.outageSince = outageSince
        self.recoveredAt = recoveredAt
        self.checkedAt = checkedAt
        self.accountsChecked = accountsChecked
        self.differences = differences
        self.changesNotChecked = changesNotChecked
        self.error = error
    }

    /// `after the outage: 12 accounts checked, 0 differences`, with what to do when it is not clean.
    public var summaryLine: String {
        if let error { return "after the outage (since \(outageSince)): the check of the accounts changed around it FAILED: \(error); run `billmig validate --live`" }
        var line = "after the outage (since \(outageSince), over at \(recoveredAt)): \(accountsChecked) accounts checked, \(differences) differences"
        if differences > 0 { line += " (run `billmig validate --live`, then `billmig repair` with its report)" }
        if changesNotChecked > 0 { line += "; \(changesNotChecked) changes beyond the bound not checked (run `billmig validate --live`)" }
        return line
    }
}
