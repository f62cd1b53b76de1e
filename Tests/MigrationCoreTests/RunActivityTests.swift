import Foundation
import MigrationCore
import Testing

@Suite struct RunActivityTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func activity(updatedSecondsAgo: Double, ended: String? = nil, source: Bool = false, target: Bool = false) -> RunActivity {
        func text(_ date: Date) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.string(from: date)
        }
        let outage = RunActivity.Outage(what: "DynamoDB table T at http://127.0.0.1:1", since: text(now - 60), lastError: "refused")
        return RunActivity(
            command: "stream", startedAt: text(now - 600), updatedAt: text(now - updatedSecondsAgo), intervalSeconds: 5,
            ended: ended, sourceUnreachable: source ? outage : nil, targetUnreachable: target ? outage : nil)
    }

    @Test func standingFollowsTheRecordAndItsAge() {
        #expect(activity(updatedSecondsAgo: 2).standing(at: now) == .running)
        #expect(activity(updatedSecondsAgo: 2, target: true).standing(at: now) == .paused)
        #expect(activity(updatedSecondsAgo: 2, source: true).standing(at: now) == .paused)
        #expect(activity(updatedSecondsAgo: 3600, ended: "completed").standing(at: now) == .ended("completed"))
        // Three intervals (at least 15 s) without a word: gone, whatever it last said.
        #expect(activity(updatedSecondsAgo: 14, target: true).standing(at: now) == .paused)
        #expect(activity(updatedSecondsAgo: 16, target: true).standing(at: now) == .silent(secondsSinceUpdate: 16))
    }

    @Test func theLineSaysWhatIsUnreachableSinceWhenAndWhy() {
        let line = activity(updatedSecondsAgo: 1, target: true).line(at: now)
        #expect(line.contains("PAUSED") && line.contains("DynamoDB table T at http://127.0.0.1:1 UNREACHABLE since"))
        #expect(line.contains("last error: refused"))
        #expect(activity(updatedSecondsAgo: 100).line(at: now).contains("not running, or killed"))
    }

    @Test func aRunningLineShowsTheLinksUseAndTheCheckAfterAnOutage() {
        var running = activity(updatedSecondsAgo: 1)
        running.sourceLink = LinkUse(bytesPerSecond: 2_000_000, capacityBitsPerSecond: 1e8)
        running.afterOutage = OutageCheck(outageSince: "T1", recoveredAt: "T2", checkedAt: "T3", accountsChecked: 4, differences: 0)
        let lines = running.line(at: now).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains("running, source read at 2.00 MB/s (16.0% of 100 Mbit/s)"))
        #expect(lines[1].contains("after the outage (since T1, over at T2): 4 accounts checked, 0 differences"))
    }
}
