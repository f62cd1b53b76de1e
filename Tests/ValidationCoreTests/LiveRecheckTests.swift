import BillingModel
import DynamoDBModel
import Testing
import ValidationCore

@Suite("Live validation bookkeeping")
struct LiveRecheckTests {
    let rows = account("42") + account("43")
    let position = "B0000000001" + String(repeating: "0", count: 19) + "5000" + "999999"
    let before = "B0000000001" + String(repeating: "0", count: 19) + "4000" + "000000"
    let after = "B0000000001" + String(repeating: "0", count: 19) + "6000" + "000000"

    func firstPass(_ table: [Item]) -> (PartitionOutcome, LiveRecheck) {
        let outcome = comparator.compare(rows: rows, items: table)
        return (outcome, LiveRecheck(firstPass: outcome.mismatches, omitted: 0))
    }

    @Test func aChangeInFlightSettlesAndALastingOneStays() {
        let inFlight = key("BAN#42", "CUSTOMER")
        let broken = key("BAN#43", "BILL#0000000001")
        var table = editing(items(for: rows), at: inFlight) { $0["city"] = .s("Old town") }
        table = editing(table, at: broken) { $0["amount_due"] = .n("0.01") }
        let (outcome, start) = firstPass(table)
        var recheck = start
        #expect(recheck.pendingAccounts == [42, 43])

        // The stream has applied the customer change; the bill still differs at an old version.
        recheck.startRound()
        let now = comparator.compare(rows: rows, items: editing(items(for: rows), at: broken) { $0["amount_due"] = .n("0.01") })
        recheck.record(accounts: [42, 43], mismatches: now.mismatches, versions: [broken: before], position: position)
        #expect(recheck.isSettled)
        let (remaining, entities, summary) = recheck.finish(entities: outcome.tallies, shareChecked: 1)
        #expect(remaining.map(\.key) == [broken])
        #expect(entities["CUSTOMER"]?.different == 0)
        #expect(entities["CUSTOMER"]?.failedKeys == 0)
        #expect(entities["CUSTOMER"]?.matched == 2)
        #expect(entities["BILL"]?.different == 1)
        #expect(summary == LiveSummary(rounds: 2, rechecked: 2, settled: 1, lasting: 1, unconfirmed: 0, shareChecked: 1))
    }

    @Test func anItemThatMovedPastThePositionStaysInFlightAndEndsUnconfirmed() {
        let busy = key("BAN#42", "CHARGE#00000000000000000001#A1")
        let table = editing(items(for: rows), at: busy) { $0["amount"] = .n("1") }
        let (outcome, start) = firstPass(table)
        var recheck = start
        recheck.startRound()
        let again = comparator.compare(rows: rows, items: table)
        recheck.record(accounts: [42], mismatches: again.mismatches, versions: [busy: after], position: position)
        #expect(!recheck.isSettled)
        #expect(recheck.pendingAccounts == [42])
        let (remaining, _, summary) = recheck.finish(entities: outcome.tallies, shareChecked: 0.5)
        #expect(remaining.map(\.key) == [busy])
        #expect(summary.unconfirmed == 1)
        #expect(summary.lasting == 0)
        #expect(summary.shareChecked == 0.5)
    }

    @Test func accountsNotRecheckedStayPendingAndStraysLastAtOnce() {
        let stray: Item = ["PK": .s("JUNK"), "SK": .s("X"), "EntityType": .s("CHARGE")]
        let busy = key("BAN#43", "ACCOUNT")
        let table = editing(items(for: rows), at: busy) { $0["bill_cycle"] = .s("C09") } + [stray]
        let (outcome, start) = firstPass(table)
        #expect(outcome.mismatches.count == 2)
        var recheck = start
        #expect(recheck.pendingAccounts == [43])
        recheck.startRound()
        recheck.record(accounts: [42], mismatches: [], versions: [:], position: position)
        #expect(recheck.pendingAccounts == [43])
        let (remaining, _, summary) = recheck.finish(entities: outcome.tallies, shareChecked: 1)
        #expect(Set(remaining.map(\.pk)) == ["JUNK", "BAN#43"])
        #expect(summary.lasting == 1)
        #expect(summary.unconfirmed == 1)
    }

    /// An account closed after the position: its item is already deleted, its
    /// children's deletes are still in flight at their old versions. They look
    /// like orphans, but their parent moved on, so they stay in flight and
    /// settle once the children are gone too.
    @Test func orphansWhoseParentMovedOnStayInFlight() {
        let accountKey = key("BAN#42", "ACCOUNT")
        let closing = removing(items(for: rows), at: accountKey)
        let (outcome, start) = firstPass(closing)
        #expect(outcome.mismatches.contains { $0.kind == .orphan })
        var recheck = start
        recheck.startRound()
        let again = comparator.compare(rows: rows, items: closing)
        var versions = [accountKey: after]
        for mismatch in again.mismatches where mismatch.kind == .orphan { versions[mismatch.key] = before }
        recheck.record(accounts: [42], mismatches: again.mismatches, versions: versions, position: position)
        #expect(!recheck.isSettled)
        #expect(recheck.finish(entities: outcome.tallies, shareChecked: 1).summary.lasting == 0)

        // The close has been applied in full, and the source no longer has the account.
        recheck.startRound()
        let closed = items(for: account("43"))
        let end = comparator.compare(rows: account("43"), items: closed)
        recheck.record(accounts: [42], mismatches: end.mismatches, versions: [:], position: position)
        #expect(recheck.isSettled)
        let summary = recheck.finish(entities: outcome.tallies, shareChecked: 1).summary
        #expect(summary.lasting == 0 && summary.unconfirmed == 0)
    }

    /// Without a partition that moved on, an orphan at an old version lasts.
    @Test func anOrphanWhosePartitionIsStillLasts() {
        let accountKey = key("BAN#42", "ACCOUNT")
        let broken = removing(items(for: rows), at: accountKey)
        let (outcome, start) = firstPass(broken)
        var recheck = start
        recheck.startRound()
        let again = comparator.compare(rows: rows, items: broken)
        var versions: [ItemKey: String] = [:]
        for mismatch in again.mismatches where mismatch.kind == .orphan { versions[mismatch.key] = before }
        recheck.record(accounts: [42], mismatches: again.mismatches, versions: versions, position: position)
        #expect(recheck.isSettled)
        #expect(recheck.finish(entities: outcome.tallies, shareChecked: 1).summary.lasting > 0)
    }
}
