import MigrationCore
import Testing

@Suite struct OutageWindowTests {
    /// Ticks once a second from `from` to `to` (inclusive) with `unreachable`, returning a window that closed.
    func tick(_ window: inout OutageWindow<String>, _ from: Int, _ to: Int, unreachable: Bool) -> OutageWindow<String>.Closed? {
        var closed: OutageWindow<String>.Closed?
        for second in from...to {
            if let done = window.observe(unreachable: unreachable, at: Double(second)) { closed = done }
        }
        return closed
    }

    @Test func theWindowHoldsTheKeysFromTheMarginBeforeTheOutageToTheSettlingAfterIt() {
        var window = OutageWindow<String>(margin: 30, settle: 10, limit: 100)
        window.touched("BAN#1", at: 5)  // long before: not in the window
        window.touched("BAN#2", at: 75)
        #expect(tick(&window, 0, 99, unreachable: false) == nil)
        window.touched("BAN#3", at: 99.5)
        #expect(tick(&window, 100, 129, unreachable: true) == nil)
        window.touched("BAN#4", at: 129.5)  // in flight during the outage
        #expect(tick(&window, 130, 134, unreachable: false) == nil)
        window.touched("BAN#5", at: 135)  // the backlog after the recovery
        #expect(window.isOpen)
        let closed = tick(&window, 135, 140, unreachable: false)
        #expect(closed == .init(outageNoticedAt: 100, recoveredAt: 130, keys: ["BAN#2", "BAN#3", "BAN#4", "BAN#5"], changesOverLimit: 0))
        #expect(!window.isOpen)
        // After it, keys go back to the margin's memory, not into a window.
        window.touched("BAN#6", at: 141)
        #expect(tick(&window, 141, 200, unreachable: false) == nil)
    }

    @Test func anOutageBeforeItSettlesGoesOnInTheSameWindow() {
        var window = OutageWindow<String>(margin: 10, settle: 10)
        window.touched("A", at: 1)
        _ = tick(&window, 2, 5, unreachable: true)
        _ = tick(&window, 6, 10, unreachable: false)
        window.touched("B", at: 10.5)
        _ = tick(&window, 11, 12, unreachable: true)
        #expect(tick(&window, 13, 22, unreachable: false) == nil, "the settling starts again at the second recovery")
        let closed = tick(&window, 23, 23, unreachable: false)
        #expect(closed?.outageNoticedAt == 2 && closed?.recoveredAt == 13 && closed?.keys == ["A", "B"])
    }

    @Test func keysBeyondTheBoundAreCountedNotKept() {
        var window = OutageWindow<Int>(margin: 60, settle: 1, limit: 3)
        for key in 0..<5 { window.touched(key, at: 1) }  // 2 over the bound before the outage
        window.touched(0, at: 2)  // kept already: not over
        _ = window.observe(unreachable: true, at: 3)
        for key in 10..<13 { window.touched(key, at: 4) }  // the window is full: 3 more over
        _ = window.observe(unreachable: false, at: 5)
        let closed = window.observe(unreachable: false, at: 6)
        #expect(closed?.keys == [0, 1, 2] && closed?.changesOverLimit == 5)
    }

    @Test func anOldOverflowIsForgottenWithTheKeysItWasAbout() {
        var window = OutageWindow<Int>(margin: 10, settle: 1, limit: 2)
        for key in 0..<4 { window.touched(key, at: 1) }
        _ = window.observe(unreachable: false, at: 20)
        window.touched(9, at: 21)
        _ = window.observe(unreachable: true, at: 22)
        _ = window.observe(unreachable: false, at: 23)
        let closed = window.observe(unreachable: false, at: 24)
        #expect(closed?.keys == [9] && closed?.changesOverLimit == 0)
    }

    @Test func theCheckSaysWhatItFoundAndWhatToDo() {
        let clean = OutageCheck(outageSince: "T1", recoveredAt: "T2", checkedAt: "T3", accountsChecked: 8, differences: 0)
        #expect(clean.summaryLine == "after the outage (since T1, over at T2): 8 accounts checked, 0 differences")
        let found = OutageCheck(outageSince: "T1", recoveredAt: "T2", checkedAt: "T3", accountsChecked: 8, differences: 2, changesNotChecked: 5)
        #expect(found.summaryLine.contains("2 differences (run `billmig validate --live`") && found.summaryLine.contains("5 changes beyond the bound not checked"))
        let failed = OutageCheck(outageSince: "T1", recoveredAt: "T2", checkedAt: "T3", accountsChecked: 0, differences: 0, error: "refused")
        #expect(failed.summaryLine.contains("FAILED: refused"))
    }

    @Test func theLinksShareIsTheBitsReadOverTheDeclaredCapacity() {
        let use = LinkUse(bytesPerSecond: 1_250_000, capacityBitsPerSecond: 1e9)
        #expect(use.share == 0.01)
        #expect(use.description == "source read at 1.25 MB/s (1.0% of 1 Gbit/s)")
        #expect(LinkUse(bytesPerSecond: 500).share == nil)
        #expect(LinkUse(bytesPerSecond: 500).description == "source read at 500 B/s")
    }
}
